import { createLlmClient, type LlmClientOptions } from '../../src/llm/create-llm-client.ts';
import { LlmError } from '../../src/llm/errors.ts';
import type { LlmClient, LlmRequest, TextStream } from '../../src/llm/types.ts';
import type { FakeOpenAi } from '../support/fake-openai.ts';

// Small limits keep the suite fast; each test overrides the one it is about.
export function clientFor(fake: FakeOpenAi, overrides: Partial<LlmClientOptions> = {}): LlmClient {
  return createLlmClient({
    apiKey: 'test-key',
    baseUrl: fake.url,
    firstTokenTimeoutMs: 2000,
    chunkTimeoutMs: 1000,
    totalTimeoutMs: 5000,
    maxRetries: 2,
    retryBaseDelayMs: 10,
    ...overrides,
  });
}

export function narrativeRequest(overrides: Partial<LlmRequest> = {}): LlmRequest {
  return {
    model: 'fake-dm',
    messages: [
      { role: 'system', content: 'You are the Dungeon Master.' },
      { role: 'user', content: 'Aria opens the door.' },
    ],
    ...overrides,
  };
}

export async function collect(stream: TextStream): Promise<string[]> {
  const deltas: string[] = [];
  for await (const delta of stream) deltas.push(delta);
  return deltas;
}

export async function captureError(work: Promise<unknown>): Promise<LlmError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof LlmError) return error;
    throw error;
  }
  throw new Error('expected an LlmError, but the call succeeded');
}
