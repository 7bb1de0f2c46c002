import { describe, expect, it } from 'vitest';
import { reply } from '../support/fake-openai.ts';
import { useFakeOpenAi } from '../support/use-fake-openai.ts';
import { captureError, clientFor, collect, narrativeRequest } from './llm-test-client.ts';

const fakeOpenAi = useFakeOpenAi();

describe('retries before the first token', () => {
  it('retries a 500 and then streams the answer', async () => {
    fakeOpenAi.server.enqueue(reply.serverError(), reply.text('Recovered.'));
    expect((await collect(clientFor(fakeOpenAi.server).stream(narrativeRequest()))).join('')).toBe('Recovered.');
    expect(fakeOpenAi.server.requests).toHaveLength(2);
  });

  it('retries a 500 for complete() as well', async () => {
    fakeOpenAi.server.enqueue(reply.serverError(), reply.serverError(), reply.text('Third time.'));
    expect((await clientFor(fakeOpenAi.server).complete(narrativeRequest())).text).toBe('Third time.');
    expect(fakeOpenAi.server.requests).toHaveLength(3);
  });

  it('gives up after maxRetries with a server error', async () => {
    fakeOpenAi.server.enqueue(reply.serverError(), reply.serverError(), reply.serverError());
    const error = await captureError(clientFor(fakeOpenAi.server, { maxRetries: 1 }).complete(narrativeRequest()));
    expect(error).toMatchObject({ kind: 'server', status: 500 });
    expect(fakeOpenAi.server.requests).toHaveLength(2);
  });

  it('waits as long as retry-after says on a 429', async () => {
    fakeOpenAi.server.enqueue(reply.rateLimited({ retryAfterSeconds: 0.3 }), reply.text('After the wait.'));
    const deltas = await collect(clientFor(fakeOpenAi.server).stream(narrativeRequest()));
    expect(deltas.join('')).toBe('After the wait.');
    const [first, second] = fakeOpenAi.server.requests;
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(290);
  });

  it('prefers retry-after-ms', async () => {
    fakeOpenAi.server.enqueue(reply.rateLimited({ retryAfterMs: 200, retryAfterSeconds: 5 }), reply.text('ok'));
    await clientFor(fakeOpenAi.server).complete(narrativeRequest());
    const [first, second] = fakeOpenAi.server.requests;
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(190);
    expect(second!.time - first!.time).toBeLessThan(2000);
  });

  it('reports rate_limit when the retries run out', async () => {
    fakeOpenAi.server.enqueue(reply.rateLimited({ retryAfterMs: 10 }), reply.rateLimited({ retryAfterMs: 10 }));
    const error = await captureError(clientFor(fakeOpenAi.server, { maxRetries: 1 }).complete(narrativeRequest()));
    expect(error).toMatchObject({ kind: 'rate_limit', status: 429 });
  });

  it('fails at once when retry-after reaches past the total timeout', async () => {
    fakeOpenAi.server.enqueue(reply.rateLimited({ retryAfterSeconds: 20 }), reply.text('never sent'));
    const started = Date.now();
    const error = await captureError(clientFor(fakeOpenAi.server, { totalTimeoutMs: 3000 }).complete(narrativeRequest()));
    expect(error.kind).toBe('rate_limit');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fakeOpenAi.server.requests).toHaveLength(1);
  });

  it('does not retry a 401', async () => {
    fakeOpenAi.server.enqueue(reply.unauthorized(), reply.text('never sent'));
    const error = await captureError(collect(clientFor(fakeOpenAi.server).stream(narrativeRequest())));
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    expect(fakeOpenAi.server.requests).toHaveLength(1);
  });

  it('does not retry a 400', async () => {
    fakeOpenAi.server.enqueue(reply.badRequest(), reply.text('never sent'));
    const error = await captureError(clientFor(fakeOpenAi.server).complete(narrativeRequest()));
    expect(error).toMatchObject({ kind: 'bad_request', status: 400 });
    expect(error.message).toContain("Invalid value for 'messages'");
    expect(fakeOpenAi.server.requests).toHaveLength(1);
  });

  it('retries a connection reset before the first byte', async () => {
    fakeOpenAi.server.enqueue(reply.reset(), reply.text('Connected.'));
    expect((await collect(clientFor(fakeOpenAi.server).stream(narrativeRequest()))).join('')).toBe('Connected.');
    expect(fakeOpenAi.server.requests).toHaveLength(2);
  });

  it('reports connection when every attempt is reset', async () => {
    fakeOpenAi.server.enqueue(reply.reset(), reply.reset());
    const error = await captureError(clientFor(fakeOpenAi.server, { maxRetries: 1 }).complete(narrativeRequest()));
    expect(error.kind).toBe('connection');
    expect(fakeOpenAi.server.requests).toHaveLength(2);
  });

  it('retries a stream cut before its first token', async () => {
    fakeOpenAi.server.enqueue(reply.cut('never arrives', 0), reply.text('Second try.'));
    expect((await collect(clientFor(fakeOpenAi.server).stream(narrativeRequest()))).join('')).toBe('Second try.');
    expect(fakeOpenAi.server.requests).toHaveLength(2);
  });
});

describe('after the first token', () => {
  it('throws a connection error for a stream cut mid-way, without retrying', async () => {
    fakeOpenAi.server.enqueue(reply.cut('The dragon opens its mouth and', 3), reply.text('never sent'));
    const received: string[] = [];
    const error = await captureError(
      (async () => {
        for await (const delta of clientFor(fakeOpenAi.server).stream(narrativeRequest())) received.push(delta);
      })(),
    );
    expect(error.kind).toBe('connection');
    expect(error.message).toContain('terminated');
    expect(received.join('')).toBe('The dragon opens ');
    expect(fakeOpenAi.server.requests).toHaveLength(1);
  });
});

describe('non-streamed faults', () => {
  it('retries a body cut half-way, since nothing reached the caller', async () => {
    fakeOpenAi.server.enqueue(reply.cut('{"never": "whole"}', 0), reply.text('Whole.'));
    expect((await clientFor(fakeOpenAi.server).complete(narrativeRequest())).text).toBe('Whole.');
    expect(fakeOpenAi.server.requests).toHaveLength(2);
  });
});
