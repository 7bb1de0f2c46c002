import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isOpenAiItself, RequestFields } from '../../src/llm/request-params.ts';
import { openAiChatFields, reply } from '../support/fake-openai.ts';
import { useFakeOpenAi } from '../support/use-fake-openai.ts';
import { captureError, clientFor, collect, narrativeRequest } from './llm-test-client.ts';

const fakeOpenAi = useFakeOpenAi();

const request = narrativeRequest({ maxTokens: 300, cacheKey: 'campaign-1' });
const optionsSchema = z.object({ options: z.array(z.string()) });
const optionsRequest = { ...request, schema: optionsSchema, schemaName: 'player_options' };

/** What a vLLM before 0.6.5 accepted: OpenAI's fields of the time, without the newer ones. */
const oldVllmFields = openAiChatFields.filter((field) => field !== 'max_completion_tokens' && field !== 'prompt_cache_key');

function sentFields(index: number): string[] {
  return Object.keys(fakeOpenAi.server.requests[index]?.body ?? {}).sort();
}

describe('which server gets which fields', () => {
  it('tells OpenAI itself from other servers by the base URL', () => {
    expect(isOpenAiItself(undefined)).toBe(true);
    expect(isOpenAiItself('https://api.openai.com/v1')).toBe(true);
    expect(isOpenAiItself('https://us.api.openai.com/v1')).toBe(true);
    expect(isOpenAiItself('http://localhost:11434/v1')).toBe(false);
    expect(isOpenAiItself('https://my-resource.openai.azure.com/openai/v1')).toBe(false);
    expect(isOpenAiItself('https://api.openai.com.example.net/v1')).toBe(false);
  });

  it('gives OpenAI itself max_completion_tokens and prompt_cache_key by default', () => {
    const params = new RequestFields({ baseUrl: undefined }).chatParams(request, { streaming: false });
    expect(params).toMatchObject({ max_completion_tokens: 300, prompt_cache_key: 'campaign-1' });
    expect(params).not.toHaveProperty('max_tokens');
  });

  it('gives another server max_tokens and no prompt_cache_key by default (stream, complete and structured)', async () => {
    const client = clientFor(fakeOpenAi.server);
    await collect(client.stream(request));
    await client.complete(request);
    fakeOpenAi.server.enqueue(reply.json({ options: ['Run'] }));
    await client.structured(optionsRequest);
    for (const sent of fakeOpenAi.server.requests) {
      expect(sent.body.max_tokens).toBe(300);
      expect(sent.body).not.toHaveProperty('max_completion_tokens');
      expect(sent.body).not.toHaveProperty('prompt_cache_key');
    }
  });

  it.each([
    ['max_completion_tokens', { max_completion_tokens: 300 }, ['max_tokens']],
    ['max_tokens', { max_tokens: 300 }, ['max_completion_tokens']],
    ['both', { max_completion_tokens: 300, max_tokens: 300 }, []],
  ] as const)('sends the token cap as configured: %s', async (tokenLimitField, present, absent) => {
    await clientFor(fakeOpenAi.server, { tokenLimitField }).complete(request);
    const body = fakeOpenAi.server.requests[0]?.body;
    expect(body).toMatchObject(present);
    for (const field of absent) expect(body).not.toHaveProperty(field);
  });

  it('sends prompt_cache_key to another server when told to, and never when told not to', async () => {
    await clientFor(fakeOpenAi.server, { promptCacheKey: true }).complete(request);
    expect(fakeOpenAi.server.requests[0]?.body.prompt_cache_key).toBe('campaign-1');
    const params = new RequestFields({ baseUrl: undefined, promptCacheKey: false }).chatParams(request, { streaming: false });
    expect(params).not.toHaveProperty('prompt_cache_key');
  });
});

describe('a server that refuses a field', () => {
  it('sends the request again without it, at once, without spending a retry, and never sends it again', async () => {
    fakeOpenAi.server.strict({ known: openAiChatFields.filter((field) => field !== 'prompt_cache_key') });
    const client = clientFor(fakeOpenAi.server, { promptCacheKey: true, maxRetries: 0 });
    expect((await client.complete(request)).text).toBe('Fake reply.');
    expect(fakeOpenAi.server.requests.map((sent) => sent.refusedFields)).toEqual([['prompt_cache_key'], []]);
    expect(fakeOpenAi.server.requests[1]?.body).not.toHaveProperty('prompt_cache_key');

    expect((await collect(client.stream(request))).join('')).toBe('Fake reply.');
    expect(fakeOpenAi.server.requests).toHaveLength(3);
    expect(fakeOpenAi.server.requests[2]?.body).not.toHaveProperty('prompt_cache_key');
  });

  it('keeps the token cap under the other name when an old vLLM refuses max_completion_tokens (streamed)', async () => {
    fakeOpenAi.server.strict({ known: oldVllmFields, style: 'vllm' });
    const client = clientFor(fakeOpenAi.server, { tokenLimitField: 'max_completion_tokens', promptCacheKey: true, maxRetries: 0 });
    fakeOpenAi.server.respondWith(() => reply.text('The door creaks.'));
    expect((await collect(client.stream(request))).join('')).toBe('The door creaks.');
    // vLLM lists every unknown field at once: one refusal, one resend.
    expect(fakeOpenAi.server.requests.map((sent) => sent.refusedFields)).toEqual([['max_completion_tokens', 'prompt_cache_key'], []]);
    expect(fakeOpenAi.server.requests[1]?.body).toMatchObject({ max_tokens: 300, stream: true, stream_options: { include_usage: true } });
    expect(sentFields(1)).not.toContain('max_completion_tokens');
  });

  it('drops the name a reasoning model refuses and keeps the other', async () => {
    fakeOpenAi.server.enqueue(
      reply.error(400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", { param: 'max_tokens', code: 'unsupported_parameter' }),
    );
    const client = clientFor(fakeOpenAi.server, { tokenLimitField: 'both', maxRetries: 0 });
    await client.complete(request);
    await client.complete(request);
    expect(fakeOpenAi.server.requests).toHaveLength(3);
    for (const index of [1, 2]) {
      expect(fakeOpenAi.server.requests[index]?.body.max_completion_tokens).toBe(300);
      expect(fakeOpenAi.server.requests[index]?.body).not.toHaveProperty('max_tokens');
    }
  });

  it('does not take a context-length error that quotes the token cap for a refusal of it', async () => {
    fakeOpenAi.server.enqueue(
      reply.errorBody(400, {
        error: {
          message: "'max_tokens' or 'max_completion_tokens' is too large: 300. This model's maximum context length is 4096 tokens and your request has 3900 input tokens (300 > 4096 - 3900).",
          type: 'BadRequestError',
          param: null,
          code: 400,
        },
      }),
    );
    const client = clientFor(fakeOpenAi.server);
    expect(await captureError(client.complete(request))).toMatchObject({ kind: 'bad_request', status: 400 });
    expect(fakeOpenAi.server.requests).toHaveLength(1);
    await client.complete(request);
    expect(fakeOpenAi.server.requests[1]?.body.max_tokens).toBe(300);
  });

  it('keeps asking for JSON-schema output after a refused field, and does not mark the model', async () => {
    fakeOpenAi.server.strict({ known: openAiChatFields.filter((field) => field !== 'prompt_cache_key'), style: 'vllm' });
    fakeOpenAi.server.respondWith(() => reply.json({ options: ['Run', 'Hide'] }));
    const client = clientFor(fakeOpenAi.server, { promptCacheKey: true });
    expect(await client.structured(optionsRequest)).toMatchObject({ ok: true, value: { options: ['Run', 'Hide'] }, repaired: false });
    await client.structured(optionsRequest);
    expect(fakeOpenAi.server.requests.map((sent) => sent.jsonSchemaName)).toEqual(['player_options', 'player_options', 'player_options']);
  });
});

describe('JSON-schema refusals', () => {
  it('marks a model only when the 400 is about structured output', async () => {
    const client = clientFor(fakeOpenAi.server);
    const contextTooLong = reply.error(400, "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.", {
      param: 'messages',
      code: 'context_length_exceeded',
    });
    fakeOpenAi.server.enqueue(contextTooLong, reply.json({ options: ['Run'] }));
    expect(await client.structured(optionsRequest)).toMatchObject({ ok: true, repaired: true });
    fakeOpenAi.server.enqueue(reply.json({ options: ['Run'] }));
    await client.structured(optionsRequest);
    // The call after a context-length error asks for the schema again.
    expect(fakeOpenAi.server.requests.map((sent) => sent.jsonSchemaName)).toEqual(['player_options', undefined, 'player_options']);

    fakeOpenAi.server.enqueue(reply.jsonSchemaRefused(), reply.json({ options: ['Run'] }), reply.json({ options: ['Run'] }));
    await client.structured(optionsRequest);
    await client.structured(optionsRequest);
    expect(fakeOpenAi.server.requests.slice(3).map((sent) => sent.jsonSchemaName)).toEqual(['player_options', undefined, undefined]);
  });

  it('falls back at once, without retries, when older llama.cpp answers 500 to json_schema', async () => {
    fakeOpenAi.server.enqueue(
      reply.errorBody(500, { error: { code: 500, message: 'response_format type must be one of "text" or "json_object", but got: json_schema', type: 'server_error' } }),
      reply.json({ options: ['Run'] }),
    );
    const client = clientFor(fakeOpenAi.server, { maxRetries: 2 });
    expect(await client.structured(optionsRequest)).toMatchObject({ ok: true, value: { options: ['Run'] } });
    expect(fakeOpenAi.server.requests.map((sent) => sent.jsonSchemaName)).toEqual(['player_options', undefined]);
  });
});

describe('the token cap reached', () => {
  it('says so for a stream and for a completion', async () => {
    const client = clientFor(fakeOpenAi.server);
    fakeOpenAi.server.enqueue(reply.text('The dragon ro', { finishReason: 'length' }), reply.text('The dragon roars.'));
    const cut = client.stream(request);
    await collect(cut);
    const whole = client.stream(request);
    await collect(whole);
    expect([cut.truncated, whole.truncated]).toEqual([true, false]);

    fakeOpenAi.server.enqueue(reply.text('The dragon ro', { finishReason: 'length' }), reply.text('The dragon roars.'));
    expect((await client.complete(request)).truncated).toBe(true);
    expect((await client.complete(request)).truncated).toBe(false);
  });

  it('marks a structured value truncated only when the cap cut the value itself', async () => {
    const client = clientFor(fakeOpenAi.server);
    fakeOpenAi.server.enqueue(
      reply.text('{"options": ["Run", "Hide", "Sea', { finishReason: 'length' }),
      reply.text('{"options": ["Run", "Hide", "Sea', { finishReason: 'stop' }),
      reply.json({ options: ['Run', 'Hide'] }, { finishReason: 'length' }),
    );
    expect(await client.structured(optionsRequest)).toMatchObject({ ok: true, value: { options: ['Run', 'Hide', 'Sea'] }, truncated: true });
    expect(await client.structured(optionsRequest)).toMatchObject({ ok: true, truncated: false });
    expect(await client.structured(optionsRequest)).toMatchObject({ ok: true, truncated: false });
  });
});
