import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { StructuredRequest } from '../../src/llm/types.ts';
import { reply } from '../support/fake-openai.ts';
import { useFakeOpenAi } from '../support/use-fake-openai.ts';
import { captureError, clientFor, narrativeRequest } from './llm-test-client.ts';

const optionsSchema = z.object({
  options: z.array(z.object({ label: z.string().max(80), action: z.string() })).min(2).max(4),
});
type PlayerOptions = z.infer<typeof optionsSchema>;

const goodOptions: PlayerOptions = {
  options: [
    { label: 'Open the chest', action: 'Aria pries the chest open.' },
    { label: 'Leave', action: 'Aria backs out of the room.' },
  ],
};

function optionsRequest(overrides: Partial<StructuredRequest<PlayerOptions>> = {}): StructuredRequest<PlayerOptions> {
  return { ...narrativeRequest({ model: 'fake-options' }), schema: optionsSchema, schemaName: 'player_options', ...overrides };
}

const fakeOpenAi = useFakeOpenAi();

describe('structured', () => {
  it('sends the zod schema as strict JSON-schema output and returns the validated value', async () => {
    fakeOpenAi.server.enqueue(reply.json(goodOptions));
    const result = await clientFor(fakeOpenAi.server, { promptCacheKey: true }).structured(optionsRequest({ cacheKey: 'campaign-7' }));
    expect(result).toMatchObject({ ok: true, value: goodOptions, repaired: false });
    const request = fakeOpenAi.server.requests[0];
    expect(request?.stream).toBe(false);
    expect(request?.jsonSchemaName).toBe('player_options');
    expect(request?.body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'player_options', strict: true, schema: { type: 'object', required: ['options'] } },
    });
    expect(request?.body.prompt_cache_key).toBe('campaign-7');
  });

  it('sends the same strict schema on every call, and each name its own', async () => {
    const client = clientFor(fakeOpenAi.server);
    fakeOpenAi.server.enqueue(reply.json(goodOptions), reply.json(goodOptions), reply.json(goodOptions));
    for (const schemaName of ['player_options', 'player_options', 'other_options']) {
      expect(await client.structured(optionsRequest({ schemaName }))).toMatchObject({ ok: true, value: goodOptions });
    }
    const [first, second, third] = fakeOpenAi.server.requests;
    expect(second?.body.response_format).toEqual(first?.body.response_format);
    expect(second?.jsonSchemaName).toBe('player_options');
    expect(third?.jsonSchemaName).toBe('other_options');
    expect(third?.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { strict: true, schema: { required: ['options'] } } });
  });

  it('falls back to JSON instructions when the server refuses JSON schema, and remembers it', async () => {
    const client = clientFor(fakeOpenAi.server);
    fakeOpenAi.server.enqueue(reply.jsonSchemaRefused(), reply.json(goodOptions));
    const result = await client.structured(optionsRequest());
    expect(result).toMatchObject({ ok: true, value: goodOptions, repaired: true });
    expect(fakeOpenAi.server.requests).toHaveLength(2);
    const fallback = fakeOpenAi.server.requests[1];
    expect(fallback?.body.response_format).toBeUndefined();
    expect(fallback?.lastMessage).toContain('Aria opens the door.');
    expect(fallback?.lastMessage).toContain('JSON Schema');
    expect(fallback?.lastMessage).toContain('"label"');
    // The prefix before the last message is unchanged, so the provider's cache still applies.
    expect(fallback?.messages.slice(0, -1)).toEqual(fakeOpenAi.server.requests[0]?.messages.slice(0, -1));

    fakeOpenAi.server.enqueue(reply.json(goodOptions));
    expect((await client.structured(optionsRequest())).ok).toBe(true);
    expect(fakeOpenAi.server.requests).toHaveLength(3);
    expect(fakeOpenAi.server.requests[2]?.body.response_format).toBeUndefined();
  });

  it('adds the usage of both calls after a fallback', async () => {
    fakeOpenAi.server.enqueue(reply.jsonSchemaRefused(), reply.json(goodOptions, { usage: { promptTokens: 100, completionTokens: 20, cachedTokens: 50 } }));
    const result = await clientFor(fakeOpenAi.server).structured(optionsRequest());
    expect(result.usage).toEqual({ promptTokens: 100, completionTokens: 20, cachedPromptTokens: 50 });
  });

  it.each([
    ['code fences', '```json\n' + JSON.stringify(goodOptions, null, 2) + '\n```'],
    ['prose around the object', `Here are the options:\n${JSON.stringify(goodOptions)}\nHave fun!`],
    ['trailing commas', '{"options": [{"label": "Open the chest", "action": "Aria pries the chest open.",}, {"label": "Leave", "action": "Aria backs out of the room."},],}'],
  ])('repairs malformed JSON (%s) without another request', async (_name, text) => {
    fakeOpenAi.server.enqueue(reply.text(text));
    const result = await clientFor(fakeOpenAi.server).structured(optionsRequest());
    expect(result).toMatchObject({ ok: true, value: goodOptions, repaired: true });
    expect(fakeOpenAi.server.requests).toHaveLength(1);
  });

  // What the model wrote before max_tokens stopped it: the two options, then a third it did not finish.
  const cutOptions = JSON.stringify(goodOptions).slice(0, -2);
  const cutOption = { label: 'Search the room', action: 'Aria runs her hands along the sh' };
  it.each([
    ['inside the last option', `${cutOptions}, {"label": "Search the room", "action": "Aria runs her hands along the sh`, [...goodOptions.options, cutOption]],
    ['between two options', `${cutOptions}, {"lab`, goodOptions.options],
  ])('repairs a reply cut at the token limit (%s) without another request', async (_name, text, options) => {
    fakeOpenAi.server.enqueue(reply.text(text, { finishReason: 'length' }));
    const result = await clientFor(fakeOpenAi.server).structured(optionsRequest());
    expect(result).toMatchObject({ ok: true, value: { options }, repaired: true });
    expect(fakeOpenAi.server.requests).toHaveLength(1);
  });

  it('asks again with instructions when structured output does not validate', async () => {
    fakeOpenAi.server.enqueue(reply.json({ options: [] }), reply.text('Sure! ```json\n' + JSON.stringify(goodOptions) + '\n```'));
    const result = await clientFor(fakeOpenAi.server).structured(optionsRequest());
    expect(result).toMatchObject({ ok: true, value: goodOptions, repaired: true });
    expect(fakeOpenAi.server.requests).toHaveLength(2);
  });

  it('returns ok: false with the raw text when nothing valid comes back', async () => {
    fakeOpenAi.server.enqueue(reply.text('I cannot do that, Dave.'), reply.text('{"options": [{"label": oops'));
    const result = await clientFor(fakeOpenAi.server).structured(optionsRequest());
    expect(result).toMatchObject({ ok: false, error: 'invalid_output', raw: '{"options": [{"label": oops' });
  });

  it('returns ok: false for an empty answer', async () => {
    fakeOpenAi.server.enqueue(reply.empty(), reply.empty());
    const result = await clientFor(fakeOpenAi.server).structured(optionsRequest());
    expect(result).toMatchObject({ ok: false, error: 'invalid_output', raw: '' });
  });

  it('returns ok: false for a failure that is not about the output, without a fallback', async () => {
    fakeOpenAi.server.enqueue(reply.unauthorized());
    const result = await clientFor(fakeOpenAi.server).structured(optionsRequest());
    expect(result).toMatchObject({ ok: false, error: 'auth' });
    expect(fakeOpenAi.server.requests).toHaveLength(1);
  });

  it('uses JSON instructions at once for a schema strict mode cannot express', async () => {
    const loose = z.object({ mood: z.string(), note: z.string().optional() });
    fakeOpenAi.server.enqueue(reply.json({ mood: 'tense' }));
    const result = await clientFor(fakeOpenAi.server).structured({ ...narrativeRequest(), schema: loose, schemaName: 'scene_metadata' });
    expect(result).toMatchObject({ ok: true, value: { mood: 'tense' } });
    expect(fakeOpenAi.server.requests[0]?.body.response_format).toBeUndefined();
  });

  it('throws only when aborted', async () => {
    fakeOpenAi.server.enqueue(reply.json(goodOptions, { firstTokenMs: 2000 }));
    const error = await captureError(clientFor(fakeOpenAi.server).structured(optionsRequest({ signal: AbortSignal.timeout(100) })));
    expect(error.kind).toBe('aborted');
  });
});
