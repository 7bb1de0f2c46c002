import { describe, expect, it } from 'vitest';
import { foldIntoSummary } from '../../src/dm/summarise.ts';
import { createLlmClient } from '../../src/llm/create-llm-client.ts';
import { reply } from '../support/fake-openai.ts';
import { useFakeOpenAi } from '../support/use-fake-openai.ts';
import { turnContext } from './turn-fixtures.ts';

// The summary fold through the openai SDK against the fake server: what the next prompts will carry as "Story so far".

const fake = useFakeOpenAi();

function fold(previous: string): Promise<string> {
  const llm = createLlmClient({ apiKey: 'k', baseUrl: fake.server.url, firstTokenTimeoutMs: 2000, chunkTimeoutMs: 1000, totalTimeoutMs: 5000, maxRetries: 0 });
  return foldIntoSummary({ llm, model: 'm', premise: 'Smugglers', summary: previous, turns: turnContext().recentTurns });
}

describe('the summary fold', () => {
  it('shows the model the summary quoted, and keeps its answer unquoted when it copies the quote marks back', async () => {
    fake.server.respondWith(() => reply.text('> The party reached the gate.\n> They owe the Eel a debt.'));
    expect(await fold('The party escaped the harbour watch.\nThey owe the Eel a debt.')).toBe('The party reached the gate.\nThey owe the Eel a debt.');
    expect(fake.server.requests[0]?.messages[1]?.content).toContain('## Story so far\n> The party escaped the harbour watch.\n> They owe the Eel a debt.');
  });

  it('keeps the summary it had when the model answers nothing', async () => {
    fake.server.respondWith(() => reply.text('   '));
    expect(await fold('The party escaped the harbour watch.')).toBe('The party escaped the harbour watch.');
  });
});
