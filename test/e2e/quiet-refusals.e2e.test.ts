import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusalFor } from '../../src/discord/describe-submit.ts';
import { WRITING_MARK } from '../../src/discord/render/turn-renderer.ts';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import type { MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { createGate, type Gate } from '../support/gate.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';

// A player who floods a campaign channel while a turn is written gets one public notice for that turn, not one per
// refused message: the rest cost no request to Discord, and the channel's write budget stays the DM's. The real bot
// (discord.js, openai SDK, SQLite) against the Discord emulator and the fake OpenAI server.

const WORDS = 'Lanterns gutter in the flooded crypt as the water rises around the broken statues of forgotten saints'.split(' ');
const NARRATIVE = Array.from({ length: 30 }, (_, index) => WORDS[index % WORDS.length]).join(' ') + '.';
/** "The DM already has a full table for the next turn…" */
const FULL = refusalFor({ status: 'full', turn: '' }) ?? '';

let world: BotWorld;
let tavernId: string;
/** Gates on narrative requests by their number (1: the opening): the turn is held mid-stream until the test opens it. */
const holds = new Map<number, Gate>();

function narrativeRequests(): RecordedRequest[] {
  return world.openai.requests.filter((request) => phaseOf(request) === 'narrative');
}

function actionsOf(request: RecordedRequest | undefined): string[] {
  const prompt = request?.messages[1]?.content ?? '';
  const section = prompt.slice(prompt.indexOf("## This turn's actions"));
  return section
    .split('\n')
    .slice(1)
    .filter((line) => line.startsWith('- '))
    // The action's text as the player wrote it, whether or not the prompt quotes it.
    .map((line) => line.replace(/^(- [^:]+: )"(.*)"$/u, '$1$2'));
}

/** The bot's public notices of refused actions (the turn messages are the others). */
function notices(): MessageSnapshot[] {
  return world.botMessages('tavern').filter((message) => message.content.includes(FULL));
}

function noticesFor(name: string): MessageSnapshot[] {
  return notices().filter((message) => message.content === `${name}: ${FULL}`);
}

/** Messages the bot created in the channel (REST POSTs to its messages route), in order. */
function channelPosts() {
  return world.discord.requests.filter((request) => request.method === 'POST' && request.route === '/channels/:channelId/messages' && request.channelId === tavernId);
}

/** Waits until the turn of narrative request `number` shows on the channel, stopped mid-stream by its gate. */
async function waitForHeldTurn(number: number, after?: MessageSnapshot): Promise<MessageSnapshot> {
  await world.discord.waitFor(() => narrativeRequests().length === number, { timeoutMs: 10_000, description: `narrative request ${number}` });
  return world.discord.waitFor(() => world.botMessages('tavern').find((message) => message.content.endsWith(WRITING_MARK) && BigInt(message.id) > BigInt(after?.id ?? 0)), {
    timeoutMs: 10_000,
    description: `turn ${number} shown mid-stream`,
  });
}

function say(user: string, content: string): void {
  world.discord.userMessage({ channel: 'tavern', user, content });
}

beforeAll(async () => {
  world = await startBotWorld();
  tavernId = world.discord.channels['tavern']?.id ?? '';
  const base = dmResponder();
  world.openai.respondWith((request) => {
    if (phaseOf(request) !== 'narrative') return base(request);
    const gate = holds.get(narrativeRequests().length);
    return reply.text(NARRATIVE, { chunkDelayMs: 2, ...(gate === undefined ? {} : { hold: { until: gate.until, afterChunks: 6 } }) });
  });
});

afterAll(async () => {
  for (const gate of holds.values()) gate.open();
  await world?.close();
});

describe('refusals of a flooding player', () => {
  it('opens a campaign', async () => {
    const start = world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A flooded crypt' } });
    expect((await start.reply(announced)).followUps[0]?.content).toContain('A new campaign begins');
    await waitForOptions(world, 'tavern');
    await world.bot.tables.of(tavernId).idle();
  });

  it('posts one notice per player for a turn, however many of their messages are refused, and nothing for the rest', async () => {
    const turn2 = createGate();
    holds.set(2, turn2);
    say('carol', 'I light a torch');
    const held = await waitForHeldTurn(2);
    expect(world.bot.tables.of(tavernId).isBusy()).toBe(true);
    const postsBefore = channelPosts().length;
    const messagesBefore = world.botMessages('tavern').length;

    // 30 messages at once: 5 (a player's share of the waiting places) are kept, 25 refused.
    for (let index = 1; index <= 30; index += 1) say('alice', `I try trick number ${index}`);
    // The flood left room for another player: Bob's first 5 are kept; his sixth is refused, with his own notice, once.
    for (let index = 1; index <= 6; index += 1) say('bob', `I shout warning ${index}`);
    // Carol's refusal comes after every other message: once her notice is shown, all the others have been answered.
    say('carol', 'I look for another way out');
    await world.discord.waitFor(() => noticesFor('Carol').length === 1, { timeoutMs: 15_000, description: "Carol's notice" });

    expect(noticesFor('Alice')).toHaveLength(1);
    expect(noticesFor('Bob')).toHaveLength(1);
    expect(notices()).toHaveLength(3);
    // Nothing else was asked of Discord: three messages created, no other, and the turn's message is still held.
    expect(channelPosts().length - postsBefore).toBe(3);
    expect(world.botMessages('tavern').length - messagesBefore).toBe(3);
    expect(world.bot.tables.of(tavernId).isBusy()).toBe(true);
    const waiting = await world.bot.store.getWaiting(tavernId);
    expect(waiting.map((action) => action.text)).toEqual([
      ...Array.from({ length: 5 }, (_, index) => `I try trick number ${index + 1}`),
      ...Array.from({ length: 5 }, (_, index) => `I shout warning ${index + 1}`),
    ]);

    // The held turn ends; the next one answers Alice's and Bob's kept actions (the held turn had taken only Carol's).
    const turn3 = createGate();
    holds.set(3, turn3);
    turn2.open();
    await waitForHeldTurn(3, held);
    expect(actionsOf(narrativeRequests()[1])).toEqual(['- Carol: I light a torch']);
    expect(actionsOf(narrativeRequests()[2])).toEqual([
      ...Array.from({ length: 5 }, (_, index) => `- Alice: I try trick number ${index + 1}`),
      ...Array.from({ length: 5 }, (_, index) => `- Bob: I shout warning ${index + 1}`),
    ]);
  });

  it('posts a notice again once the table has started a new turn', async () => {
    const postsBefore = channelPosts().length;
    // The batch of the turn after is empty again: five of each are kept, the rest refused, with one new notice each.
    for (let index = 1; index <= 14; index += 1) say('alice', `I try again, move ${index}`);
    for (let index = 1; index <= 6; index += 1) say('bob', `I shout once more, ${index}`);
    await world.discord.waitFor(() => noticesFor('Bob').length === 2, { timeoutMs: 15_000, description: "Bob's second notice" });
    expect(noticesFor('Alice')).toHaveLength(2);
    expect(notices()).toHaveLength(5);
    expect(channelPosts().length - postsBefore).toBe(2);

    holds.get(3)?.open();
    await world.discord.waitFor(() => narrativeRequests().length === 4, { timeoutMs: 15_000, description: 'the turn after' });
    expect(actionsOf(narrativeRequests()[3])).toEqual([
      ...Array.from({ length: 5 }, (_, index) => `- Alice: I try again, move ${index + 1}`),
      ...Array.from({ length: 5 }, (_, index) => `- Bob: I shout once more, ${index + 1}`),
    ]);
    await world.bot.tables.of(tavernId).idle();
    // Nothing was posted late.
    expect(notices()).toHaveLength(5);
  });

  it('broke no Discord limit', () => {
    expect(refusedRequests(world).map((request) => [request.method, request.route, request.status, request.errorCode])).toEqual([]);
  });
});
