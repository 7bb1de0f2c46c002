import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAFE_DEFAULT_OPTIONS } from '../../src/dm/normalise-options.ts';
import { SAMPLE_METADATA, SAMPLE_OPTIONS, type DmPhase } from '../support/dm-script.ts';
import type { MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { announced, refusedRequests, startBotWorld, type BotWorld } from './bot-world.ts';
import {
  createChannelScript,
  expectAnsweredOnce,
  expectNothingInternal,
  optionButtons,
  premiseOf,
  requestsOf,
  turnMessages,
  waitForFailureNote,
  waitForTurnAfter,
  WRITING_MARK,
  type ChannelScript,
} from './scripted-channels.ts';

// The fault matrix, model side: one fault of the DM's model server at a time, injected at the network boundary (the
// fake OpenAI server), while players play a real table through the real discord.js client. Each case asserts what the
// players see (the turn's text and buttons, or a note saying their actions are kept) and that every accepted action
// is answered by exactly one delivered turn (the GM's /gm export, and what the DM was asked).
//
// The bot runs with one retry (LLM_MAX_RETRIES=1) and short stall limits, so that retries, their exhaustion and both
// stall watchdogs all happen within a second or two. Every case has a channel of its own.

const CHANNELS = [
  'server-error-retried',
  'server-error-spent',
  'rate-limited',
  'unauthorized',
  'connection-reset',
  'stall-first-token',
  'stall-mid-stream',
  'malformed-options',
  'truncated-options',
  'empty-stream',
  'schema-refused',
] as const;
type Channel = (typeof CHANNELS)[number];

const NARRATIVE = 'The tavern falls silent as the door swings open. Rain hammers the shutters.';
const RESPONSE = 'Mirelle the barkeep nods at you and slides a mug across the counter.';
/** A whole turn as the players must finally read it, when the default DM answers. */
const WHOLE_TURN = `${NARRATIVE}\n\n${RESPONSE}`;
const LONG_NARRATIVE = 'The lantern gutters as the cellar door grinds open and a cold draught carries the smell of the river.';
const CONTINUATION = 'Somewhere below, water drips onto stone.';
const FIRST_TOKEN_TIMEOUT_MS = 1500;
const CHUNK_TIMEOUT_MS = 1000;
const NAMES: Record<string, string> = { alice: 'Alice', bob: 'Bob', carol: 'Carol' };

let world: BotWorld;
let script: ChannelScript;
/** The opening's message per channel: every case's turns come after it. */
const openings = new Map<Channel, string>();

function narratives(channel: Channel): RecordedRequest[] {
  return requestsOf(world.openai.requests, CHANNELS, channel, 'narrative');
}

function requests(channel: Channel, phase: DmPhase): RecordedRequest[] {
  return requestsOf(world.openai.requests, CHANNELS, channel, phase);
}

/** A player writes in the channel; returns the action as the DM and the GM's log name it. */
function write(channel: Channel, user: 'alice' | 'bob' | 'carol', content: string): string {
  world.discord.userMessage({ channel, user, content });
  return `${NAMES[user]}: ${content}`;
}

function lastTurnId(channel: Channel): string {
  return turnMessages(world.discord, channel).at(-1)?.id ?? openings.get(channel) ?? '0';
}

async function idle(channel: Channel): Promise<void> {
  await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
}

/** The labels of a turn's option buttons, as players read them. */
function labels(message: MessageSnapshot | undefined): (string | null)[] {
  return optionButtons(message).map((button) => button.label);
}

beforeAll(async () => {
  world = await startBotWorld({
    channels: CHANNELS,
    environment: {
      LLM_MAX_RETRIES: '1',
      LLM_FIRST_TOKEN_TIMEOUT_MS: String(FIRST_TOKEN_TIMEOUT_MS),
      LLM_CHUNK_TIMEOUT_MS: String(CHUNK_TIMEOUT_MS),
    },
  });
  script = createChannelScript(CHANNELS, { continuation: reply.text(CONTINUATION) });
  world.openai.respondWith(script.responder);
  // Every table opens at once: the openings are no case's concern.
  await Promise.all(
    CHANNELS.map(async (channel) => {
      await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: premiseOf(channel) } }).reply(announced);
      const opening = await waitForTurnAfter(world.discord, channel, '0', 30_000);
      openings.set(channel, opening.id);
      await idle(channel);
    }),
  );
}, 60_000);

afterAll(async () => {
  await world?.close();
});

describe('the model server fails', () => {
  it('500 once: the narrative call is retried and the turn is delivered whole, once', async () => {
    const channel = 'server-error-retried';
    const before = narratives(channel).length;
    script.next(channel, 'narrative', reply.serverError());
    const action = write(channel, 'alice', 'I kick the door in');
    const turn = await waitForTurnAfter(world.discord, channel, lastTurnId(channel));
    expect(turn.content).toBe(WHOLE_TURN);
    expect(labels(turn)).toEqual(SAMPLE_OPTIONS);
    const asked = narratives(channel).slice(before);
    // The failed attempt and its retry, the same request byte for byte.
    expect(asked).toHaveLength(2);
    expect(asked[1]?.messages).toEqual(asked[0]?.messages);
    expect(script.unused(channel)).toEqual([]);
    await idle(channel);
    expect(turnMessages(world.discord, channel).filter((message) => BigInt(message.id) > BigInt(openings.get(channel) ?? '0'))).toHaveLength(1);
    await expectAnsweredOnce(world.discord, narratives(channel), channel, [action]);
  });

  it('500 until the retries are spent: a note says the actions are kept; the next action answers both, once', async () => {
    const channel = 'server-error-spent';
    // The stream and its retry, then the non-streaming fallback and its retry.
    script.next(channel, 'narrative', reply.serverError(), reply.serverError(), reply.serverError(), reply.serverError());
    const first = write(channel, 'alice', 'I pick the lock of the strongbox');
    const note = await waitForFailureNote(world.discord, channel, openings.get(channel) ?? '0');
    expect(note.content).toMatch(/could not be reached|model/);
    expectNothingInternal(note.content);
    expect(optionButtons(note)).toEqual([]);
    expect(script.unused(channel)).toEqual([]);
    await idle(channel);

    const second = write(channel, 'bob', 'I keep watch on the stairs');
    const turn = await waitForTurnAfter(world.discord, channel, note.id);
    expect(turn.content).toBe(WHOLE_TURN);
    expect(labels(turn)).toEqual(SAMPLE_OPTIONS);
    await idle(channel);
    const delivered = await expectAnsweredOnce(world.discord, narratives(channel), channel, [first, second]);
    expect(delivered.map((entry) => entry.actions)).toEqual([[first, second]]);
    // The note is left as it was: it told the truth.
    expect(world.discord.message(note.id)?.content).toBe(note.content);
  });

  it("429 with retry-after: the retry waits as long as the server asked; spent retries give a note, then both are answered once", async () => {
    const channel = 'rate-limited';
    const before = narratives(channel).length;
    script.next(channel, 'narrative', reply.rateLimited({ retryAfterMs: 600 }));
    const first = write(channel, 'alice', 'I haggle with the fence');
    const turn = await waitForTurnAfter(world.discord, channel, lastTurnId(channel));
    expect(turn.content).toBe(WHOLE_TURN);
    const [limited, retried] = narratives(channel).slice(before);
    expect(retried).toBeDefined();
    expect((retried?.time ?? 0) - (limited?.time ?? 0)).toBeGreaterThanOrEqual(550);
    await idle(channel);

    script.next(channel, 'narrative', ...Array.from({ length: 4 }, () => reply.rateLimited({ retryAfterMs: 50 })));
    const second = write(channel, 'bob', 'I count the coins twice');
    const note = await waitForFailureNote(world.discord, channel, turn.id);
    expect(note.content).toMatch(/rate limit|model/);
    expectNothingInternal(note.content);
    expect(script.unused(channel)).toEqual([]);
    await idle(channel);

    const third = write(channel, 'carol', 'I slip out the back');
    await waitForTurnAfter(world.discord, channel, note.id);
    await idle(channel);
    const delivered = await expectAnsweredOnce(world.discord, narratives(channel), channel, [first, second, third]);
    expect(delivered.map((entry) => entry.actions)).toEqual([[first], [second, third]]);
  });

  it('401: a clear note that the DM cannot use its model, no retry, actions kept; the next action answers them all once', async () => {
    const channel = 'unauthorized';
    const before = world.openai.requests.length;
    script.override(channel, () => reply.unauthorized());
    const first = write(channel, 'alice', 'I light the brazier');
    const note = await waitForFailureNote(world.discord, channel, openings.get(channel) ?? '0');
    expect(note.content).toMatch(/API key|cannot reach|could not be reached/);
    expect(note.content).toMatch(/operator|model/);
    // The server's own words ("Incorrect API key provided: sk-…") are for the logs, never for the table.
    expect(note.content).not.toContain('Incorrect API key');
    expectNothingInternal(note.content, [world.config.llm.apiKey]);
    await idle(channel);
    // Not retried: a refused key does not heal in 500 ms. One streamed call, one non-streaming fallback.
    expect(requestsOf(world.openai.requests.slice(before), CHANNELS, channel, 'narrative')).toHaveLength(2);

    // Still refused: a second action fails the same way, and is kept too.
    const second = write(channel, 'bob', 'I fan the flames');
    const secondNote = await waitForFailureNote(world.discord, channel, note.id);
    await idle(channel);

    // The operator fixes the key; the next action answers all three, once.
    script.override(channel, undefined);
    const third = write(channel, 'carol', 'I step back from the heat');
    const turn = await waitForTurnAfter(world.discord, channel, secondNote.id);
    expect(turn.content).toBe(WHOLE_TURN);
    await idle(channel);
    const delivered = await expectAnsweredOnce(world.discord, narratives(channel), channel, [first, second, third]);
    expect(delivered.map((entry) => entry.actions)).toEqual([[first, second, third]]);
  });

  it('connection reset: before the first byte the call is retried; mid-stream the shown text stays and only the rest is written', async () => {
    const channel = 'connection-reset';
    script.next(channel, 'narrative', reply.reset());
    const first = write(channel, 'alice', 'I call for the ferryman');
    const retried = await waitForTurnAfter(world.discord, channel, lastTurnId(channel));
    expect(retried.content).toBe(WHOLE_TURN);
    await idle(channel);

    // Four words reach the players, then the socket dies.
    script.next(channel, 'narrative', reply.cut(LONG_NARRATIVE, 4, { chunkDelayMs: 5 }));
    const second = write(channel, 'bob', 'I grab the rope');
    const turn = await waitForTurnAfter(world.discord, channel, retried.id);
    const shown = LONG_NARRATIVE.split(' ').slice(0, 4).join(' ') + ' ';
    expect(turn.content).toBe(`${shown}${CONTINUATION}\n\n${RESPONSE}`);
    expect(turn.content.split(shown)).toHaveLength(2);
    // The continuation request carried the shown text as the assistant's unfinished message.
    const continuation = requests(channel, 'continuation').at(-1);
    expect(continuation?.messages.at(-2)).toEqual({ role: 'assistant', content: shown });
    expect(labels(turn)).toEqual(SAMPLE_OPTIONS);
    await idle(channel);
    await expectAnsweredOnce(world.discord, narratives(channel), channel, [first, second]);
  });

  it('a stall before the first token: the watchdog gives up and the non-streaming fallback answers', async () => {
    const channel = 'stall-first-token';
    const before = narratives(channel).length;
    script.next(channel, 'narrative', reply.stall('', 0));
    const action = write(channel, 'alice', 'I wait by the well');
    const turn = await waitForTurnAfter(world.discord, channel, lastTurnId(channel));
    expect(turn.content).toBe(WHOLE_TURN);
    expect(labels(turn)).toEqual(SAMPLE_OPTIONS);
    const [stalled, fallback] = narratives(channel).slice(before);
    expect(stalled?.stream).toBe(true);
    expect(fallback?.stream).toBe(false);
    expect((fallback?.time ?? 0) - (stalled?.time ?? 0)).toBeGreaterThanOrEqual(FIRST_TOKEN_TIMEOUT_MS - 100);
    await stalled?.closed;
    expect(stalled?.closedByClient).toBe(true);
    await idle(channel);
    await expectAnsweredOnce(world.discord, narratives(channel), channel, [action]);
  });

  it('a stall between chunks: the shown words stay, the rest is written once, and the stalled connection is closed', async () => {
    const channel = 'stall-mid-stream';
    const before = narratives(channel).length;
    script.next(channel, 'narrative', reply.stall(LONG_NARRATIVE, 5, { chunkDelayMs: 5 }));
    const action = write(channel, 'alice', 'I listen at the cellar door');
    const turn = await waitForTurnAfter(world.discord, channel, lastTurnId(channel));
    const shown = LONG_NARRATIVE.split(' ').slice(0, 5).join(' ') + ' ';
    expect(turn.content).toBe(`${shown}${CONTINUATION}\n\n${RESPONSE}`);
    expect(turn.content).not.toContain(WRITING_MARK);
    const stalled = narratives(channel)[before];
    await stalled?.closed;
    expect(stalled?.closedByClient).toBe(true);
    await idle(channel);
    await expectAnsweredOnce(world.discord, narratives(channel), channel, [action]);
  });

  it('malformed JSON for options: asked again with JSON instructions; if that fails too, safe default buttons; never a failed turn', async () => {
    const channel = 'malformed-options';
    script.next(channel, 'options', reply.text('Sure! The party could run, hide or fight.'), reply.json({ options: ['Run for the gate', 'Hide in the hay', 'Fight the hound'] }));
    const first = write(channel, 'alice', 'I whistle for the dog');
    const repaired = await waitForTurnAfter(world.discord, channel, lastTurnId(channel));
    expect(repaired.content).toBe(WHOLE_TURN);
    expect(labels(repaired)).toEqual(['Run for the gate', 'Hide in the hay', 'Fight the hound']);
    await idle(channel);

    script.next(channel, 'options', reply.text('The party could run, or hide in the hay.'), reply.text('I would rather not.'));
    const second = write(channel, 'bob', 'I back away slowly');
    const turn = await waitForTurnAfter(world.discord, channel, repaired.id);
    expect(turn.content).toBe(WHOLE_TURN);
    expect(labels(turn)).toEqual(SAFE_DEFAULT_OPTIONS.slice(0, 3));
    expect(script.unused(channel)).toEqual([]);
    await idle(channel);
    await expectAnsweredOnce(world.discord, narratives(channel), channel, [first, second]);
  });

  it('truncated JSON for options (finish_reason length): the whole options are kept, no half-written button', async () => {
    const channel = 'truncated-options';
    const cut = '{"options": ["Sneak past the guards", "Bribe the captain", "Climb the';
    script.next(channel, 'options', reply.text(cut, { finishReason: 'length' }));
    const action = write(channel, 'alice', 'I study the watchtower');
    const turn = await waitForTurnAfter(world.discord, channel, lastTurnId(channel));
    expect(turn.content).toBe(WHOLE_TURN);
    await idle(channel);
    await expectAnsweredOnce(world.discord, narratives(channel), channel, [action]);
    // The whole items the model wrote, then safe defaults up to three; never the item the token cap cut ("Climb the").
    const shownLabels = labels(turn);
    expect(shownLabels.slice(0, 2)).toEqual(['Sneak past the guards', 'Bribe the captain']);
    expect(shownLabels.length).toBeGreaterThanOrEqual(3);
    for (const label of shownLabels.slice(2)) expect(SAFE_DEFAULT_OPTIONS).toContain(label);
    expect(script.unused(channel)).toEqual([]);
  });

  it('an empty stream: the fallback writes the text; an empty fallback too gives a note, and the next action answers both once', async () => {
    const channel = 'empty-stream';
    const before = narratives(channel).length;
    script.next(channel, 'narrative', reply.empty());
    const first = write(channel, 'alice', 'I ring the bell');
    const turn = await waitForTurnAfter(world.discord, channel, lastTurnId(channel));
    expect(turn.content).toBe(WHOLE_TURN);
    expect(narratives(channel).slice(before).map((request) => request.stream)).toEqual([true, false]);
    await idle(channel);

    script.next(channel, 'narrative', reply.empty(), reply.empty());
    const second = write(channel, 'bob', 'I ring it again');
    const note = await waitForFailureNote(world.discord, channel, turn.id);
    expect(note.content).toMatch(/no usable answer|model/);
    expectNothingInternal(note.content);
    await idle(channel);

    const third = write(channel, 'carol', 'I wait for an answer');
    await waitForTurnAfter(world.discord, channel, note.id);
    await idle(channel);
    const delivered = await expectAnsweredOnce(world.discord, narratives(channel), channel, [first, second, third]);
    expect(delivered.map((entry) => entry.actions)).toEqual([[first], [second, third]]);
  });

  // Last: the bot remembers, for the whole process, that the model's server refuses JSON schema.
  it('the server refuses JSON schema (400 on response_format): plain JSON instructions give the options and the scene', async () => {
    const channel = 'schema-refused';
    const before = world.openai.requests.length;
    script.override(channel, (request) => (request.jsonSchemaName === undefined ? undefined : reply.jsonSchemaRefused()));
    script.next(channel, 'options', reply.json({ options: ['Follow the smoke', 'Douse the fire', 'Warn the village'] }));
    script.next(channel, 'metadata', reply.json({ ...SAMPLE_METADATA, scene_elements: { ...SAMPLE_METADATA.scene_elements, current_location: 'The burning mill' } }));
    const action = write(channel, 'alice', 'I sniff the air');
    const turn = await waitForTurnAfter(world.discord, channel, lastTurnId(channel));
    expect(turn.content).toBe(WHOLE_TURN);
    expect(labels(turn)).toEqual(['Follow the smoke', 'Douse the fire', 'Warn the village']);
    await idle(channel);
    const asked = requestsOf(world.openai.requests.slice(before), CHANNELS, channel, 'options');
    const instructed = asked.filter((request) => request.body.response_format === undefined);
    expect(instructed).toHaveLength(1);
    expect(instructed[0]?.lastMessage).toContain('Answer with one JSON document');
    // The refusal was a 400 to a json_schema request, at most once per structured phase.
    expect(asked.filter((request) => request.jsonSchemaName !== undefined).length).toBeLessThanOrEqual(1);
    // The scene was stored from the JSON-instructions answer.
    const scene = await world.bot.store.getScene(world.discord.channels[channel]?.id ?? '');
    expect(scene?.metadata?.scene_elements.current_location).toBe('The burning mill');
    script.override(channel, undefined);
    await expectAnsweredOnce(world.discord, narratives(channel), channel, [action]);
  });

  it('broke no Discord limit on the way', () => {
    expect(refusedRequests(world).map((request) => [request.method, request.route, request.status, request.errorCode])).toEqual([]);
  });
});
