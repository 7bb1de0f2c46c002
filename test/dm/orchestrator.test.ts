import { describe, expect, it } from 'vitest';
import { turnEventSchema } from '../../src/dm/events.ts';
import { SAFE_DEFAULT_OPTIONS } from '../../src/dm/normalise-options.ts';
import { LlmError } from '../../src/llm/errors.ts';
import { dmResponder, phaseOf, SAMPLE_METADATA, SAMPLE_OPTIONS } from '../support/dm-script.ts';
import { reply } from '../support/fake-openai.ts';
import { useFakeOpenAi } from '../support/use-fake-openai.ts';
import { orchestratorFor, recordingSink, textOf, turnContext } from './turn-fixtures.ts';

const fakeOpenAi = useFakeOpenAi();

const NARRATIVE = 'Fog curls over the black water. Somewhere a bell tolls, slow and drowned.';
const RESPONSE = 'The ferryman spits into the canal. "The Eel? Ask at the Lantern Steps," he mutters to Alice, while Bob spots a ladder.';

describe('a whole turn', () => {
  it('streams narrative, then response, then one options event, then metadata, in order', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ narrative: reply.text(NARRATIVE, { chunkDelayMs: 3 }), response: reply.text(RESPONSE, { chunkDelayMs: 3 }) }));
    const { events, sink } = recordingSink();
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), sink, new AbortController().signal);
    const metadata = await result.metadata;

    for (const event of events) expect(turnEventSchema.safeParse(event).success).toBe(true);
    const order = events.map((event) => event.type);
    const lastNarrative = order.lastIndexOf('narrative_chunk');
    const firstResponse = order.indexOf('player_response_chunk');
    expect(lastNarrative).toBeLessThan(firstResponse);
    expect(order.filter((type) => type === 'narrative_chunk').length).toBeGreaterThan(3);
    expect(order.slice(-2)).toEqual(['player_options', 'metadata_update']);
    const finals = events.filter((event) => 'is_final' in event && event.is_final).map((event) => event.type);
    expect(finals).toEqual(['narrative_chunk', 'player_response_chunk']);
    expect(events[lastNarrative]).toMatchObject({ is_final: true });

    expect(textOf(events, 'narrative_chunk')).toBe(NARRATIVE);
    expect(textOf(events, 'player_response_chunk')).toBe(RESPONSE);
    expect(result).toMatchObject({ narrative: NARRATIVE, response: RESPONSE, options: SAMPLE_OPTIONS });
    expect(metadata).toEqual(SAMPLE_METADATA);
    expect(result.timings.narrative?.via).toBe('stream');
    expect(result.timings.narrative?.firstTokenMs).toBeGreaterThan(0);
    expect(result.usage.narrative?.completionTokens).toBeGreaterThan(0);
    expect(result.usage.metadata?.promptTokens).toBeGreaterThan(0);
  });

  it('starts every phase call with the same byte-identical prefix and the campaign cache key', async () => {
    fakeOpenAi.server.respondWith(dmResponder());
    const result = await orchestratorFor(fakeOpenAi.server, { promptCacheKey: true }).runTurn(turnContext(), () => undefined, new AbortController().signal);
    await result.metadata;
    expect(fakeOpenAi.server.requests.map(phaseOf).sort()).toEqual(['metadata', 'narrative', 'options', 'response']);
    const prefixes = new Set(fakeOpenAi.server.requests.map((request) => JSON.stringify(request.messages.slice(0, 2))));
    expect(prefixes.size).toBe(1);
    expect(new Set(fakeOpenAi.server.requests.map((request) => request.body.prompt_cache_key))).toEqual(new Set(['campaign-1100000000000000001']));
    const models = Object.fromEntries(fakeOpenAi.server.requests.map((request) => [phaseOf(request), request.model]));
    expect(models).toEqual({ narrative: 'dm-large', response: 'dm-large', options: 'dm-small', metadata: 'dm-small' });
    const response = fakeOpenAi.server.requests.find((request) => phaseOf(request) === 'response');
    expect(response?.lastMessage).toContain(result.narrative.trim());
  });

  it('does not wait for the metadata to return the turn', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ metadata: reply.json(SAMPLE_METADATA, { firstTokenMs: 800 }) }));
    const { events, sink } = recordingSink();
    const started = performance.now();
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), sink, new AbortController().signal);
    expect(performance.now() - started).toBeLessThan(700);
    expect(events.some((event) => event.type === 'metadata_update')).toBe(false);
    expect(await result.metadata).toEqual(SAMPLE_METADATA);
    expect(events.at(-1)?.type).toBe('metadata_update');
  });
});

describe('when the stream fails', () => {
  it('falls back to a non-streaming answer when the stream fails before its first token', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ narrative: (request) => (request.stream ? reply.reset() : reply.text(NARRATIVE)) }));
    const { events, sink } = recordingSink();
    const result = await orchestratorFor(fakeOpenAi.server, { maxRetries: 0 }).runTurn(turnContext(), sink, new AbortController().signal);
    expect(result.narrative).toBe(NARRATIVE);
    expect(result.timings.narrative?.via).toBe('fallback');
    const narrativeEvents = events.filter((event) => event.type === 'narrative_chunk');
    expect(narrativeEvents.map((event) => [event.content, event.is_final])).toEqual([
      [NARRATIVE, false],
      ['', true],
    ]);
  });

  it('keeps the text already shown and asks only for the rest when the stream breaks midway', async () => {
    const pieces = ['Fog curls ', 'over the ', 'black water.', ' Somewhere a bell tolls.'];
    fakeOpenAi.server.respondWith(
      dmResponder({
        narrative: (request) => (request.stream ? reply.cut(pieces.join(''), 2, { chunks: pieces }) : reply.text('WRONG: a restart')),
        continuation: reply.text('black water. Somewhere a bell tolls.'),
      }),
    );
    const { events, sink } = recordingSink();
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), sink, new AbortController().signal);
    expect(result.narrative).toBe('Fog curls over the black water. Somewhere a bell tolls.');
    expect(textOf(events, 'narrative_chunk')).toBe(result.narrative);
    const continuation = fakeOpenAi.server.requests.find((request) => phaseOf(request) === 'continuation');
    expect(continuation?.messages.at(-2)).toEqual({ role: 'assistant', content: 'Fog curls over the ' });
    expect(events.filter((event) => event.type === 'narrative_chunk' && event.is_final)).toHaveLength(1);
  });

  it('removes the shown text when the fallback server echoes it back', async () => {
    fakeOpenAi.server.respondWith(
      dmResponder({
        narrative: (request) => (request.stream ? reply.cut('Fog curls over the water.', 2, { chunks: ['Fog ', 'curls ', 'over the water.'] }) : reply.text('x')),
        continuation: reply.text('Fog curls over the water.'),
      }),
    );
    const { events, sink } = recordingSink();
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), sink, new AbortController().signal);
    expect(result.narrative).toBe('Fog curls over the water.');
    expect(textOf(events, 'narrative_chunk')).toBe('Fog curls over the water.');
  });

  it('continues a response whose stream stalls, after the chunk timeout', async () => {
    fakeOpenAi.server.respondWith(
      dmResponder({
        response: (request) => (request.stream ? reply.stall('The ferryman laughs and points north.', 3) : reply.text('x')),
        continuation: reply.text('and points north.'),
      }),
    );
    const { events, sink } = recordingSink();
    const started = performance.now();
    const result = await orchestratorFor(fakeOpenAi.server, { chunkTimeoutMs: 300 }).runTurn(turnContext(), sink, new AbortController().signal);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result.response).toBe('The ferryman laughs and points north.');
    expect(textOf(events, 'player_response_chunk')).toBe(result.response);
  });

  it('falls back when the stream ends without any text', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ narrative: (request) => (request.stream ? reply.empty() : reply.text(NARRATIVE)) }));
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), () => undefined, new AbortController().signal);
    expect(result.narrative).toBe(NARRATIVE);
  });

  it('fails the turn with a classified error when no text can be had at all', async () => {
    fakeOpenAi.server.respondWith(() => reply.unauthorized());
    const error = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), () => undefined, new AbortController().signal).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).kind).toBe('auth');
  });
});

describe('options and metadata', () => {
  it('repairs malformed options: code fences, prose around, trailing commas', async () => {
    const malformed = 'Sure! Here they are:\n```json\n{"options": ["1. Climb the ladder", "Ask about the Eel", "- Swim for it",]}\n```';
    fakeOpenAi.server.respondWith(dmResponder({ options: (request) => (request.jsonSchemaName ? reply.text(malformed) : reply.text(malformed)) }));
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), () => undefined, new AbortController().signal);
    expect(result.options).toEqual(['Climb the ladder', 'Ask about the Eel', 'Swim for it']);
  });

  it('normalises options to 3 to 5 distinct, trimmed, non-empty entries', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ options: reply.json({ options: ['  Run  ', 'run', '', 'Hide', 'Fight', 'Pray', 'Bargain', 'Flee'] }) }));
    const many = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), () => undefined, new AbortController().signal);
    expect(many.options).toEqual(['Run', 'Hide', 'Fight', 'Pray', 'Bargain']);

    fakeOpenAi.server.respondWith(dmResponder({ options: reply.json({ options: ['Run'] }) }));
    const few = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), () => undefined, new AbortController().signal);
    expect(few.options).toHaveLength(3);
    expect(few.options[0]).toBe('Run');
    expect(new Set(few.options).size).toBe(3);
  });

  it('uses safe default options when the options phase fails after every repair', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ options: reply.text('I would rather not.') }));
    const { events, sink } = recordingSink();
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), sink, new AbortController().signal);
    expect(result.options).toEqual(SAFE_DEFAULT_OPTIONS.slice(0, 3));
    expect(events.filter((event) => event.type === 'player_options')).toHaveLength(1);
    expect(result.timings.options?.via).toBe('default');
  });

  it('delivers the turn when the metadata fails; the metadata is then null and no update is emitted', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ metadata: reply.serverError() }));
    const { events, sink } = recordingSink();
    const result = await orchestratorFor(fakeOpenAi.server, { maxRetries: 0 }).runTurn(turnContext(), sink, new AbortController().signal);
    expect(result.options).toEqual(SAMPLE_OPTIONS);
    expect(await result.metadata).toBeNull();
    expect(events.some((event) => event.type === 'metadata_update')).toBe(false);
  });
});

describe('robustness', () => {
  it('keeps generating when the sink throws or rejects', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ narrative: reply.text(NARRATIVE) }));
    let calls = 0;
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(
      turnContext(),
      (event) => {
        calls += 1;
        if (event.type === 'narrative_chunk') throw new Error('renderer exploded');
        return Promise.reject(new Error('async renderer exploded'));
      },
      new AbortController().signal,
    );
    expect(result.narrative).toBe(NARRATIVE);
    expect(result.options).toEqual(SAMPLE_OPTIONS);
    expect(calls).toBeGreaterThan(5);
  });

  it('stops every phase at once when aborted, and the server sees the connection closed', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ narrative: reply.text(NARRATIVE, { chunkDelayMs: 100 }) }));
    const controller = new AbortController();
    const { events, sink } = recordingSink();
    const turn = orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), (event) => {
      sink(event);
      if (events.length === 2) controller.abort();
    }, controller.signal);
    const started = performance.now();
    const error = await turn.catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).kind).toBe('aborted');
    expect(fakeOpenAi.server.requests).toHaveLength(1);
    await fakeOpenAi.server.requests[0]?.closed;
    expect(fakeOpenAi.server.requests[0]?.closedByClient).toBe(true);
    expect(events.some((event) => event.type === 'player_response_chunk')).toBe(false);
  });

  it('with streaming off, emits one chunk and a final per phase from non-streaming calls', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ narrative: reply.text(NARRATIVE), response: reply.text(RESPONSE) }));
    const { events, sink } = recordingSink();
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext({ streaming: false }), sink, new AbortController().signal);
    await result.metadata;
    expect(fakeOpenAi.server.requests.every((request) => !request.stream)).toBe(true);
    expect(events.map((event) => [event.type, 'is_final' in event ? event.is_final : null])).toEqual([
      ['narrative_chunk', false],
      ['narrative_chunk', true],
      ['player_response_chunk', false],
      ['player_response_chunk', true],
      ['player_options', null],
      ['metadata_update', null],
    ]);
    expect(textOf(events, 'narrative_chunk')).toBe(NARRATIVE);
    expect(result.timings.narrative?.via).toBe('complete');
  });
});

describe('at the token cap', () => {
  const cutOptions = '{"options": ["Climb the ladder", "Ask about the Eel", "Sea';

  it('leaves out the last option of a list the cap cut, and makes up the minimum with safe defaults', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ options: reply.text(cutOptions, { finishReason: 'length' }) }));
    const { events, sink } = recordingSink();
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), sink, new AbortController().signal);
    expect(result.options).toEqual(['Climb the ladder', 'Ask about the Eel', SAFE_DEFAULT_OPTIONS[0]]);
    expect(events.find((event) => event.type === 'player_options')).toMatchObject({ options: result.options });
  });

  it('keeps every whole option of a longer cut list', async () => {
    const longer = '{"options": ["Climb the ladder", "Ask about the Eel", "Swim for it", "Hail the patrol boat", "Sea';
    fakeOpenAi.server.respondWith(dmResponder({ options: reply.text(longer, { finishReason: 'length' }) }));
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), () => undefined, new AbortController().signal);
    expect(result.options).toEqual(['Climb the ladder', 'Ask about the Eel', 'Swim for it', 'Hail the patrol boat']);
  });

  it('keeps the last option when the list was not cut by the cap', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ options: reply.text(cutOptions, { finishReason: 'stop' }) }));
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), () => undefined, new AbortController().signal);
    expect(result.options).toEqual(['Climb the ladder', 'Ask about the Eel', 'Sea']);
  });

  it.each([
    ['streamed', true],
    ['not streamed', false],
  ])('ends a narrative the cap cut with an ellipsis (%s)', async (_name, streaming) => {
    fakeOpenAi.server.respondWith(dmResponder({ narrative: reply.text('Fog curls over the black wat', { finishReason: 'length' }) }));
    const { events, sink } = recordingSink();
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext({ streaming }), sink, new AbortController().signal);
    expect(result.narrative).toBe('Fog curls over the black wat…');
    expect(textOf(events, 'narrative_chunk')).toBe(result.narrative);
    expect(events.filter((event) => event.type === 'narrative_chunk' && event.is_final)).toHaveLength(1);
    // Not continued: the cap is the table's length setting.
    expect(fakeOpenAi.server.requests.filter((request) => phaseOf(request) === 'narrative')).toHaveLength(1);
  });

  it('adds nothing to a cut text that happens to end a sentence', async () => {
    fakeOpenAi.server.respondWith(dmResponder({ response: reply.text(RESPONSE, { finishReason: 'length' }) }));
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), () => undefined, new AbortController().signal);
    expect(result.response).toBe(RESPONSE);
  });
});

describe('on a server other than OpenAI', () => {
  it('sends the token cap as max_tokens and no prompt_cache_key by default', async () => {
    fakeOpenAi.server.respondWith(dmResponder());
    const result = await orchestratorFor(fakeOpenAi.server).runTurn(turnContext(), () => undefined, new AbortController().signal);
    await result.metadata;
    expect(fakeOpenAi.server.requests).toHaveLength(4);
    for (const request of fakeOpenAi.server.requests) {
      expect(request.body.max_tokens).toBeGreaterThan(0);
      expect(request.body).not.toHaveProperty('max_completion_tokens');
      expect(request.body).not.toHaveProperty('prompt_cache_key');
    }
  });
});
