import { describe, expect, it } from 'vitest';
import { reply } from '../support/fake-openai.ts';
import { useFakeOpenAi } from '../support/use-fake-openai.ts';
import { captureError, clientFor, collect, narrativeRequest } from './llm-test-client.ts';

const fakeOpenAi = useFakeOpenAi();

describe('time limits', () => {
  it('times out a stream that stalls after its first tokens, within chunkTimeoutMs', async () => {
    fakeOpenAi.server.enqueue(reply.stall('The torch flickers and', 2), reply.text('never sent'));
    const received: string[] = [];
    const started = Date.now();
    const error = await captureError(
      (async () => {
        for await (const delta of clientFor(fakeOpenAi.server, { chunkTimeoutMs: 200 }).stream(narrativeRequest())) received.push(delta);
      })(),
    );
    const elapsed = Date.now() - started;
    expect(error.kind).toBe('timeout');
    expect(received.join('')).toBe('The torch ');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
    expect(fakeOpenAi.server.requests).toHaveLength(1);
    await fakeOpenAi.server.requests[0]?.closed;
    expect(fakeOpenAi.server.requests[0]?.closedByClient).toBe(true);
  });

  it('times out when the first token is late, without retrying', async () => {
    fakeOpenAi.server.enqueue(reply.text('Too late.', { firstTokenMs: 2000 }), reply.text('never sent'));
    const started = Date.now();
    const error = await captureError(collect(clientFor(fakeOpenAi.server, { firstTokenTimeoutMs: 200 }).stream(narrativeRequest())));
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain('first token');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fakeOpenAi.server.requests).toHaveLength(1);
  });

  it('does not count the time the consumer spends on a delta as a stall', async () => {
    fakeOpenAi.server.enqueue(reply.text('slow reader here', { chunkDelayMs: 10 }));
    const deltas: string[] = [];
    for await (const delta of clientFor(fakeOpenAi.server, { chunkTimeoutMs: 150 }).stream(narrativeRequest())) {
      deltas.push(delta);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(deltas.join('')).toBe('slow reader here');
  });

  it('times out a non-streamed call at totalTimeoutMs', async () => {
    fakeOpenAi.server.enqueue(reply.stall('{"half":', 0));
    const started = Date.now();
    const error = await captureError(clientFor(fakeOpenAi.server, { totalTimeoutMs: 300 }).complete(narrativeRequest()));
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('abort', () => {
  it('cancels the HTTP request mid-stream and throws aborted promptly', async () => {
    fakeOpenAi.server.enqueue(reply.text('one two three four five six seven eight', { chunkDelayMs: 100 }));
    const controller = new AbortController();
    const received: string[] = [];
    let abortedAt = 0;
    const error = await captureError(
      (async () => {
        for await (const delta of clientFor(fakeOpenAi.server).stream(narrativeRequest({ signal: controller.signal }))) {
          received.push(delta);
          if (received.length === 2) {
            abortedAt = Date.now();
            controller.abort();
          }
        }
      })(),
    );
    expect(error.kind).toBe('aborted');
    expect(Date.now() - abortedAt).toBeLessThan(200);
    expect(received).toHaveLength(2);
    await fakeOpenAi.server.requests[0]?.closed;
    expect(fakeOpenAi.server.requests[0]?.closedByClient).toBe(true);
    expect(fakeOpenAi.server.requests[0]?.chunksSent).toBeLessThan(8);
  });

  it('cancels while waiting for the first token', async () => {
    fakeOpenAi.server.enqueue(reply.text('late', { firstTokenMs: 2000 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await captureError(collect(clientFor(fakeOpenAi.server).stream(narrativeRequest({ signal: controller.signal }))));
    expect(error.kind).toBe('aborted');
    await fakeOpenAi.server.requests[0]?.closed;
    expect(fakeOpenAi.server.requests[0]?.closedByClient).toBe(true);
  });

  it('cancels a non-streamed call', async () => {
    fakeOpenAi.server.enqueue(reply.text('late', { firstTokenMs: 2000 }));
    const error = await captureError(clientFor(fakeOpenAi.server).complete(narrativeRequest({ signal: AbortSignal.timeout(100) })));
    expect(error.kind).toBe('aborted');
    await fakeOpenAi.server.requests[0]?.closed;
    expect(fakeOpenAi.server.requests[0]?.closedByClient).toBe(true);
  });

  it('stops waiting between retries', async () => {
    fakeOpenAi.server.enqueue(reply.rateLimited({ retryAfterSeconds: 2 }), reply.text('never sent'));
    const started = Date.now();
    const error = await captureError(clientFor(fakeOpenAi.server).complete(narrativeRequest({ signal: AbortSignal.timeout(150) })));
    expect(error.kind).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fakeOpenAi.server.requests).toHaveLength(1);
  });
});
