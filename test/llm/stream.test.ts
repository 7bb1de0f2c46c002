import { describe, expect, it } from 'vitest';
import { reply } from '../support/fake-openai.ts';
import { useFakeOpenAi } from '../support/use-fake-openai.ts';
import { clientFor, collect, narrativeRequest } from './llm-test-client.ts';

const fakeOpenAi = useFakeOpenAi();

describe('stream', () => {
  it('yields each delta as it arrives, before the server has sent the rest', async () => {
    fakeOpenAi.server.enqueue(reply.text('The door creaks open slowly.', { firstTokenMs: 20, chunkDelayMs: 60, chunks: 5 }));
    const stream = clientFor(fakeOpenAi.server).stream(narrativeRequest());
    const chunksSentAtEachDelta: number[] = [];
    const deltas: string[] = [];
    for await (const delta of stream) {
      deltas.push(delta);
      chunksSentAtEachDelta.push(fakeOpenAi.server.requests[0]?.chunksSent ?? -1);
    }
    expect(deltas.join('')).toBe('The door creaks open slowly.');
    expect(deltas).toHaveLength(5);
    expect(chunksSentAtEachDelta[0]).toBe(1);
  });

  it('sends stream_options and prompt_cache_key and reports usage with cached tokens', async () => {
    fakeOpenAi.server.enqueue(reply.text('Hello adventurers.', { usage: { promptTokens: 1200, completionTokens: 4, cachedTokens: 1024 } }));
    // What OpenAI itself gets by default; the fake is another server, so it is configured here.
    const client = clientFor(fakeOpenAi.server, { tokenLimitField: 'max_completion_tokens', promptCacheKey: true });
    const stream = client.stream(narrativeRequest({ cacheKey: 'campaign-42', maxTokens: 300, temperature: 0.8 }));
    expect(stream.usage).toBeUndefined();
    expect((await collect(stream)).join('')).toBe('Hello adventurers.');
    expect(stream.usage).toEqual({ promptTokens: 1200, completionTokens: 4, cachedPromptTokens: 1024 });
    const body = fakeOpenAi.server.requests[0]?.body;
    expect(body).toMatchObject({
      model: 'fake-dm',
      stream: true,
      stream_options: { include_usage: true },
      prompt_cache_key: 'campaign-42',
      max_completion_tokens: 300,
      temperature: 0.8,
    });
  });

  it('counts the prefix shared with an earlier call as cached', async () => {
    const client = clientFor(fakeOpenAi.server);
    await collect(client.stream(narrativeRequest({ cacheKey: 'c' })));
    const second = client.stream(narrativeRequest({ cacheKey: 'c' }));
    await collect(second);
    expect(second.usage?.cachedPromptTokens).toBeGreaterThan(0);
    expect(second.usage?.cachedPromptTokens).toBeLessThanOrEqual(second.usage?.promptTokens ?? 0);
  });

  it('returns no deltas for an empty answer, without an error', async () => {
    fakeOpenAi.server.enqueue(reply.empty());
    const stream = clientFor(fakeOpenAi.server).stream(narrativeRequest());
    expect(await collect(stream)).toEqual([]);
    expect(stream.usage?.completionTokens).toBe(0);
  });

  it('closes the connection when the consumer stops reading', async () => {
    fakeOpenAi.server.enqueue(reply.text('one two three four five six', { chunkDelayMs: 50 }));
    for await (const delta of clientFor(fakeOpenAi.server).stream(narrativeRequest())) {
      expect(delta).toBe('one ');
      break;
    }
    await fakeOpenAi.server.requests[0]?.closed;
    expect(fakeOpenAi.server.requests[0]?.closedByClient).toBe(true);
  });
});

describe('complete', () => {
  it('returns the whole text and usage from a non-streamed request', async () => {
    fakeOpenAi.server.enqueue(reply.text('A goblin appears.', { usage: { cachedTokens: 7 } }));
    const completion = await clientFor(fakeOpenAi.server, { promptCacheKey: true }).complete(narrativeRequest({ cacheKey: 'campaign-1' }));
    expect(completion.text).toBe('A goblin appears.');
    expect(completion.usage).toMatchObject({ completionTokens: 5, cachedPromptTokens: 7 });
    expect(fakeOpenAi.server.requests[0]?.stream).toBe(false);
    expect(fakeOpenAi.server.requests[0]?.body.prompt_cache_key).toBe('campaign-1');
  });

  it('returns empty text for an empty answer', async () => {
    fakeOpenAi.server.enqueue(reply.empty());
    expect((await clientFor(fakeOpenAi.server).complete(narrativeRequest())).text).toBe('');
  });
});
