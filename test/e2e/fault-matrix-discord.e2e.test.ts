import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_OPTIONS } from '../support/dm-script.ts';
import type { MessageSnapshot, RecordedRequest as DiscordRequest } from '../support/discord-emulator/index.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { createGate } from '../support/gate.ts';
import { announced, refusedRequests, startBotWorld, type BotWorld } from './bot-world.ts';
import {
  channelOf,
  createChannelScript,
  expectAnsweredOnce,
  optionButtons,
  premiseOf,
  requestsOf,
  turnMessages,
  waitForTurnAfter,
  WRITING_MARK,
  type ChannelScript,
} from './scripted-channels.ts';

// The fault matrix, Discord side: one fault of Discord at a time, injected at the network boundary (the emulator's
// failNext, a moderator's delete and gateway closes), while a real table plays. Each case asserts what the players
// see (the turn's exact text, its buttons once) and that every accepted action is answered by exactly one delivered
// turn.
//
// The emulator's failNext matches a route in every channel, so the cases run one after another and each injects its
// fault only at a moment when the one write it aims at is the next one: the model is held on a gate until then.

const CHANNELS = ['create-429', 'edit-429', 'final-500', 'final-stuck', 'final-gone', 'gateway-resume', 'gateway-reidentify'] as const;
type Channel = (typeof CHANNELS)[number];

const STREAMED = Array.from(
  { length: 3 },
  () => 'Fog rolls off the marsh and swallows the causeway while frogs fall silent one by one and a lantern bobs far ahead.',
).join(' ');
const RESPONSE = 'Mirelle the barkeep nods at you and slides a mug across the counter.';
const WHOLE_TURN = `${STREAMED}\n\n${RESPONSE}`;
const FIRST_WORDS = STREAMED.split(' ').slice(0, 2).join(' ');
const MESSAGE_ROUTE = '/channels/:channelId/messages';
const EDIT_ROUTE = '/channels/:channelId/messages/:messageId';
/** A click-started turn streams through the click's webhook: its creates and edits go to these routes. */
const FOLLOW_UP_ROUTE = '/webhooks/:applicationId/:interactionToken';
const FOLLOW_UP_EDIT_ROUTE = '/webhooks/:applicationId/:interactionToken/messages/:messageId';
const TURN_ROUTES: readonly string[] = [MESSAGE_ROUTE, EDIT_ROUTE, FOLLOW_UP_ROUTE, FOLLOW_UP_EDIT_ROUTE];
/**
 * A final edit that Discord keeps failing: discord.js tries each request 4 times (its 3 retries), and the bot makes
 * the final write 3 times (twice again, after 1 s and 3 s) before it goes on in a new message.
 */
const STUCK_FINAL_FAILURES = 4 * 3;
/** The first line of the message a turn goes on in, when its own could not take the final text or was deleted. */
const STUCK_NOTE = '-# *(Discord would not update the message above; the turn goes on here)*';
const STUCK_LINE = '-# *(Discord would not update this message; the turn is shown in full below)*';
const GONE_NOTE = "-# *(the DM's earlier message was removed; the turn goes on here)*";

let world: BotWorld;
let script: ChannelScript;
const openings = new Map<Channel, MessageSnapshot>();
const NAMES: Record<string, string> = { alice: 'Alice', bob: 'Bob', carol: 'Carol' };

function narratives(channel: Channel): RecordedRequest[] {
  return requestsOf(world.openai.requests, CHANNELS, channel, 'narrative');
}

function channelId(channel: Channel): string {
  return world.discord.channels[channel]?.id ?? '';
}

async function idle(channel: Channel): Promise<void> {
  await world.bot.tables.of(channelId(channel)).idle();
}

/** Every other table is quiet, so that a fault aimed at "the next write" can only meet this case's write. */
async function allIdle(): Promise<void> {
  await Promise.all(CHANNELS.map((channel) => idle(channel)));
}

function write(channel: Channel, user: 'alice' | 'bob' | 'carol', content: string): string {
  world.discord.userMessage({ channel, user, content });
  return `${NAMES[user]}: ${content}`;
}

/** Bob clicks the opening's second option: the turn starts without a channel write of its own (the click's answer disables the buttons). */
async function clickSecondOption(channel: Channel): Promise<string> {
  const opening = openings.get(channel);
  const button = opening?.buttons[1];
  if (opening === undefined || button?.customId == null) throw new Error(`no opening buttons in #${channel}`);
  const click = world.discord.clickButton({ channel, user: 'bob', messageId: opening.id, customId: button.customId });
  await click.acknowledged();
  return `Bob: ${SAMPLE_OPTIONS[1]}`;
}

/** A streamed narrative held on a gate after `afterChunks` words; the rest comes at a pace that needs several edits. */
function heldNarrative(channel: Channel, afterChunks: number) {
  const gate = createGate();
  script.next(channel, 'narrative', reply.text(STREAMED, { chunkDelayMs: 40, hold: { until: gate.until, afterChunks } }));
  return gate;
}

/** Every version the players saw was a beginning of the final text: nothing was lost or shown twice on the way. */
function expectGrewInto(message: MessageSnapshot, final: string): void {
  for (const version of message.versions) {
    expect(final.startsWith(version.content.replace(WRITING_MARK, '')), JSON.stringify(version.content)).toBe(true);
  }
}

/** The requests this channel's turn message drew after `from`, in order. */
function writesOf(channel: Channel, from: number): DiscordRequest[] {
  return world.discord.requests
    .slice(from)
    .filter((request) => request.channelId === channelId(channel) && TURN_ROUTES.includes(request.route ?? ''));
}

function turnsAfterOpening(channel: Channel): MessageSnapshot[] {
  const opening = openings.get(channel)?.id ?? '0';
  return turnMessages(world.discord, channel).filter((message) => BigInt(message.id) > BigInt(opening));
}

beforeAll(async () => {
  world = await startBotWorld({ channels: CHANNELS });
  script = createChannelScript(CHANNELS);
  world.openai.respondWith(script.responder);
  await Promise.all(
    CHANNELS.map(async (channel) => {
      await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: premiseOf(channel) } }).reply(announced);
      openings.set(channel, await waitForTurnAfter(world.discord, channel, '0', 30_000));
      await idle(channel);
    }),
  );
}, 60_000);

afterAll(async () => {
  await world?.close();
});

/**
 * After a turn that went on in a new message (`turn`, under `note`): the next turn answers only its own action (the one
 * shown there is not carried over), the note stays the only one, the buttons above are retired, each action once.
 */
async function expectNextTurnAnswersItsOwn(channel: Channel, turn: MessageSnapshot, note: string, first: string, next: { user: 'alice' | 'bob' | 'carol'; text: string }): Promise<void> {
  const second = write(channel, next.user, next.text);
  const answer = await waitForTurnAfter(world.discord, channel, turn.id);
  expect(answer.content, 'the next turn answers its own action, not the one before again').toBe(`The tavern falls silent as the door swings open. Rain hammers the shutters.\n\n${RESPONSE}`);
  await idle(channel);
  expect(turnsAfterOpening(channel).filter((message) => message.content.includes(note))).toHaveLength(1);
  // Retired by a low-priority edit of the message they are on, within the channel's write budget.
  await world.discord.waitFor(() => (optionButtons(world.discord.message(turn.id)).every((button) => button.disabled) ? true : undefined), {
    timeoutMs: 12_000,
    description: 'the buttons of the turn before retired',
  });
  const delivered = await expectAnsweredOnce(world.discord, narratives(channel), channel, [first, second]);
  expect(delivered.map((entry) => entry.actions)).toEqual([[first], [second]]);
}

describe('Discord fails', () => {
  it("429 on the turn's first message: discord.js waits out Retry-After, the message is created once, and the text ends exact", async () => {
    const channel = 'create-429';
    await allIdle();
    const gate = heldNarrative(channel, 0);
    const action = write(channel, 'alice', 'I wade into the fog');
    await world.discord.waitFor(() => narratives(channel).length === 2, { description: 'the held narrative request' });
    const from = world.discord.requests.length;
    world.discord.failNext({ method: 'POST', route: MESSAGE_ROUTE, status: 429, retryAfter: 1 });
    gate.open();

    const turn = await waitForTurnAfter(world.discord, channel, openings.get(channel)?.id ?? '0');
    expect(turn.content).toBe(WHOLE_TURN);
    expect(optionButtons(turn).map((button) => button.label)).toEqual(SAMPLE_OPTIONS);
    expectGrewInto(turn, WHOLE_TURN);
    const creates = writesOf(channel, from).filter((request) => request.method === 'POST');
    expect(creates.map((request) => request.status)).toEqual([429, 200]);
    // Sent again as it was: the 429 changed nothing of what the players read.
    expect(creates[1]?.body).toEqual(creates[0]?.body);
    expect(creates[1]!.at - creates[0]!.at).toBeGreaterThanOrEqual(900);
    await idle(channel);
    expect(turnsAfterOpening(channel)).toHaveLength(1);
    await expectAnsweredOnce(world.discord, narratives(channel), channel, [action]);
  });

  it('429 on a streaming edit: the edit waits out Retry-After, no text is lost, and the final text is exact', async () => {
    const channel = 'edit-429';
    await allIdle();
    const gate = heldNarrative(channel, 2);
    const action = await clickSecondOption(channel);
    const streaming = await world.discord.waitFor(
      () => turnsAfterOpening(channel).find((message) => message.content === `${FIRST_WORDS} ${WRITING_MARK}` || message.content.startsWith(FIRST_WORDS)),
      { timeoutMs: 10_000, description: 'the held turn showing its first words' },
    );
    const from = world.discord.requests.length;
    world.discord.failNext({ method: 'PATCH', route: FOLLOW_UP_EDIT_ROUTE, status: 429, retryAfter: 1 });
    gate.open();

    const turn = await waitForTurnAfter(world.discord, channel, openings.get(channel)?.id ?? '0');
    expect(turn.id).toBe(streaming.id);
    expect(turn.content).toBe(WHOLE_TURN);
    expect(optionButtons(turn).map((button) => button.label)).toEqual(SAMPLE_OPTIONS);
    expectGrewInto(turn, WHOLE_TURN);
    const edits = writesOf(channel, from);
    // The fault is met before the route reads its message: the log knows it by its path.
    expect(edits[0]).toMatchObject({ method: 'PATCH', route: FOLLOW_UP_EDIT_ROUTE, status: 429 });
    expect(edits[0]?.path.endsWith(`/messages/${streaming.id}`)).toBe(true);
    expect(edits.slice(1).every((request) => request.status === 200)).toBe(true);
    await idle(channel);
    expect(turnsAfterOpening(channel)).toHaveLength(1);
    await expectAnsweredOnce(world.discord, narratives(channel), channel, [action]);
  });

  it('500 on the final edit: discord.js sends it again; the final text and the buttons appear once', async () => {
    const channel = 'final-500';
    await allIdle();
    const gate = createGate();
    script.next(channel, 'narrative', reply.text(STREAMED, { chunkDelayMs: 5 }));
    script.next(channel, 'options', reply.json({ options: SAMPLE_OPTIONS }, { hold: { until: gate.until } }));
    const action = await clickSecondOption(channel);
    // The whole text is shown, still marked as being written: the next write of this turn is its final edit.
    const shown = await world.discord.waitFor(() => turnsAfterOpening(channel).find((message) => message.content === `${WHOLE_TURN}${WRITING_MARK}`), {
      timeoutMs: 15_000,
      description: 'the whole text shown, waiting for its options',
    });
    const from = world.discord.requests.length;
    world.discord.failNext({ method: 'PATCH', route: FOLLOW_UP_EDIT_ROUTE, status: 500 });
    gate.open();

    const turn = await waitForTurnAfter(world.discord, channel, openings.get(channel)?.id ?? '0');
    expect(turn.id).toBe(shown.id);
    expect(turn.content).toBe(WHOLE_TURN);
    expect(optionButtons(turn).map((button) => button.label)).toEqual(SAMPLE_OPTIONS);
    const finals = writesOf(channel, from);
    expect(finals.map((request) => [request.method, request.path.endsWith(`/messages/${shown.id}`), request.status])).toEqual([
      ['PATCH', true, 500],
      ['PATCH', true, 200],
    ]);
    expect(finals[1]?.body).toEqual(finals[0]?.body);
    // One version with the buttons, one with the final text: the final landed once.
    const withButtons = world.discord.message(shown.id)?.versions.filter((version) => version.components.length > 0) ?? [];
    expect(withButtons).toHaveLength(1);
    await idle(channel);
    expect(turnsAfterOpening(channel)).toHaveLength(1);
    await expectAnsweredOnce(world.discord, narratives(channel), channel, [action]);
  });

  // The longest case: discord.js's retries, the bot's two pauses, and the courtesy edit ten seconds after.
  it('5xx on the final edit beyond every retry: the turn goes on in a new message, with one short note and its buttons; answered once, also after the next turn', async () => {
    const channel = 'final-stuck';
    await allIdle();
    const gate = createGate();
    script.next(channel, 'narrative', reply.text(STREAMED, { chunkDelayMs: 5 }));
    script.next(channel, 'options', reply.json({ options: SAMPLE_OPTIONS }, { hold: { until: gate.until } }));
    const first = await clickSecondOption(channel);
    const shown = await world.discord.waitFor(() => turnsAfterOpening(channel).find((message) => message.content === `${WHOLE_TURN}${WRITING_MARK}`), {
      timeoutMs: 15_000,
      description: 'the whole text shown, waiting for its options',
    });
    const from = world.discord.requests.length;
    world.discord.failNext({ method: 'PATCH', route: FOLLOW_UP_EDIT_ROUTE, status: 500, times: STUCK_FINAL_FAILURES });
    gate.open();

    const turn = await waitForTurnAfter(world.discord, channel, shown.id, 20_000);
    // What the players see: the message Discord would not update stays as it was, without buttons; the turn goes on
    // below it, whole, under one short note, and ends with its buttons.
    expect(world.discord.message(shown.id)?.content).toBe(`${WHOLE_TURN}${WRITING_MARK}`);
    expect(optionButtons(world.discord.message(shown.id))).toEqual([]);
    expect(turn.content).toBe(`${STUCK_NOTE}\n${WHOLE_TURN}`);
    expect(optionButtons(turn).map((button) => button.label)).toEqual(SAMPLE_OPTIONS);
    const writes = writesOf(channel, from);
    expect(writes.filter((request) => request.status === 500)).toHaveLength(STUCK_FINAL_FAILURES);
    expect(writes.filter((request) => request.status === 500).every((request) => request.method === 'PATCH' && request.path.endsWith(`/messages/${shown.id}`))).toBe(true);
    expect(writes.filter((request) => request.status === 200).map((request) => [request.method, request.route])).toEqual([['POST', FOLLOW_UP_ROUTE]]);
    await idle(channel);
    expect(turnsAfterOpening(channel).map((message) => message.id)).toEqual([shown.id, turn.id]);
    await expectAnsweredOnce(world.discord, narratives(channel), channel, [first]);

    await expectNextTurnAnswersItsOwn(channel, turn, STUCK_NOTE, first, { user: 'carol', text: 'I follow the lantern into the reeds' });
    // Once Discord takes edits again, the stuck message says in one line that the turn is below, instead of showing a
    // half-written copy with the writing mark.
    await world.discord.waitFor(() => (world.discord.message(shown.id)?.content === STUCK_LINE ? true : undefined), {
      timeoutMs: 20_000,
      description: 'the stuck message cleared to one line',
    });
    expect(optionButtons(world.discord.message(shown.id))).toEqual([]);
  }, 60_000);

  it('404 (10008) on the final edit, the message deleted by a moderator: the turn goes on in a new message, with one short note and its buttons; answered once, also after the next turn', async () => {
    const channel = 'final-gone';
    await allIdle();
    const gate = createGate();
    script.next(channel, 'narrative', reply.text(STREAMED, { chunkDelayMs: 5 }));
    script.next(channel, 'options', reply.json({ options: SAMPLE_OPTIONS }, { hold: { until: gate.until } }));
    const first = write(channel, 'alice', 'I wave the lantern bearer over');
    const shown = await world.discord.waitFor(() => turnsAfterOpening(channel).find((message) => message.content === `${WHOLE_TURN}${WRITING_MARK}`), {
      timeoutMs: 15_000,
      description: 'the whole text shown, waiting for its options',
    });
    // Deleted while the options are written: the next write of the turn is its final edit, and Discord answers 10008.
    const from = world.discord.requests.length;
    world.discord.deleteMessage(shown.id);
    gate.open();

    const turn = await waitForTurnAfter(world.discord, channel, shown.id);
    expect(world.discord.message(shown.id)?.deleted).toBe(true);
    expect(turn.content).toBe(`${GONE_NOTE}\n${WHOLE_TURN}`);
    expect(optionButtons(turn).map((button) => button.label)).toEqual(SAMPLE_OPTIONS);
    const writes = writesOf(channel, from);
    expect(writes.map((request) => [request.method, request.route, request.status, request.errorCode])).toEqual([
      ['PATCH', EDIT_ROUTE, 404, 10008],
      ['POST', MESSAGE_ROUTE, 200, undefined],
    ]);
    expect(writes[0]?.path.endsWith(`/messages/${shown.id}`)).toBe(true);
    await idle(channel);
    expect(turnsAfterOpening(channel).filter((message) => !message.deleted).map((message) => message.id)).toEqual([turn.id]);
    await expectAnsweredOnce(world.discord, narratives(channel), channel, [first]);

    await expectNextTurnAnswersItsOwn(channel, turn, GONE_NOTE, first, { user: 'bob', text: 'I hold up my own lantern in answer' });
  });

  it('the gateway closes mid-turn: the turn still finishes in the channel, the bot resumes, and the next action is answered', async () => {
    const channel = 'gateway-resume';
    await allIdle();
    const [session] = world.discord.gatewaySessions().filter((candidate) => candidate.connected);
    const gate = heldNarrative(channel, 2);
    const first = write(channel, 'alice', 'I follow the lantern');
    await world.discord.waitFor(() => turnsAfterOpening(channel).find((message) => message.content.startsWith(FIRST_WORDS)), {
      timeoutMs: 10_000,
      description: 'the held turn showing its first words',
    });
    await world.discord.closeGateway(4000);
    gate.open();

    const turn = await waitForTurnAfter(world.discord, channel, openings.get(channel)?.id ?? '0');
    expect(turn.content).toBe(`${STREAMED}\n\n${RESPONSE}`);
    await world.discord.waitFor(
      () => world.discord.gatewaySessions().find((candidate) => candidate.id === session?.id && candidate.connected && candidate.resumes >= 1),
      { timeoutMs: 15_000, description: 'the same gateway session resumed' },
    );
    await idle(channel);

    const second = write(channel, 'carol', 'I call out to the lantern bearer');
    const next = await waitForTurnAfter(world.discord, channel, turn.id);
    expect(next.content).toBe(`The tavern falls silent as the door swings open. Rain hammers the shutters.\n\n${RESPONSE}`);
    await idle(channel);
    const delivered = await expectAnsweredOnce(world.discord, narratives(channel), channel, [first, second]);
    expect(delivered.map((entry) => entry.actions)).toEqual([[first], [second]]);
  });

  it('the gateway drops and forgets the session mid-turn: the turn finishes, the bot identifies anew, and the next action is answered', async () => {
    const channel = 'gateway-reidentify';
    await allIdle();
    const sessionsBefore = world.discord.gatewaySessions().length;
    const gate = heldNarrative(channel, 2);
    const first = write(channel, 'alice', 'I light a signal fire');
    await world.discord.waitFor(() => turnsAfterOpening(channel).find((message) => message.content.startsWith(FIRST_WORDS)), {
      timeoutMs: 10_000,
      description: 'the held turn showing its first words',
    });
    await world.discord.closeGateway(1006, { invalidateSession: true });
    gate.open();

    const turn = await waitForTurnAfter(world.discord, channel, openings.get(channel)?.id ?? '0');
    expect(turn.content).toBe(WHOLE_TURN);
    await world.discord.waitFor(() => world.discord.gatewaySessions().slice(sessionsBefore).find((candidate) => candidate.connected), {
      timeoutMs: 15_000,
      description: 'a new gateway session',
    });
    await idle(channel);

    const second = write(channel, 'bob', 'I feed the fire with driftwood');
    await waitForTurnAfter(world.discord, channel, turn.id);
    await idle(channel);
    const delivered = await expectAnsweredOnce(world.discord, narratives(channel), channel, [first, second]);
    expect(delivered.map((entry) => entry.actions)).toEqual([[first], [second]]);
  });

  // A message deleted mid-stream (404, 10008) and the bot losing Send Messages mid-turn (50013): turn-delivery.e2e.test.ts.

  it('refused nothing but the injected faults', () => {
    expect(refusedRequests(world).map((request) => [request.method, request.route, request.status])).toEqual([
      ['POST', MESSAGE_ROUTE, 429],
      ['PATCH', FOLLOW_UP_EDIT_ROUTE, 429],
    ]);
    expect(world.discord.requests.filter((request) => request.status >= 500).map((request) => [request.method, request.route, request.status])).toEqual([
      ['PATCH', FOLLOW_UP_EDIT_ROUTE, 500],
      ...Array.from({ length: STUCK_FINAL_FAILURES }, () => ['PATCH', FOLLOW_UP_EDIT_ROUTE, 500]),
    ]);
    // The one deleted message was met once, by the final edit: nothing of the bot's wrote to it again.
    expect(world.discord.requests.filter((request) => request.status === 404).map((request) => [request.method, request.route, request.errorCode])).toEqual([
      ['PATCH', EDIT_ROUTE, 10008],
    ]);
    expect(world.discord.requests.filter((request) => request.emulatorError !== undefined)).toEqual([]);
    // Every turn message's text was asked of the DM by its own channel.
    expect(world.openai.requests.every((request) => channelOf(request, CHANNELS) !== undefined)).toBe(true);
  });
});
