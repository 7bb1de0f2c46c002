import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusalFor } from '../../src/discord/describe-submit.ts';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { createGate, type Gate } from '../support/gate.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';
import { actionsAskedFor, expectAnsweredOnce } from './scripted-channels.ts';

// Fair turns at a table of several: while others wait, a player who floods the channel during a turn takes no more
// than half of the next turn's actions (the rest of theirs wait for the turn after, first in line), and the DM is
// told who has had little of the spotlight lately. The real bot against the Discord emulator and the fake model; the
// turn the flood comes in is held on a gate, so what waits for the next turn is known before it is taken.

const channel = 'tavern';
const FULL = refusalFor({ status: 'full', turn: '' }) ?? '';
const SPOTLIGHT_CAROL = '## Spotlight\nQuiet lately (no action of their own in the last turns): Carol.';
const FLOOD = Array.from({ length: 8 }, (_, index) => `I try trick number ${index + 1}`);
/** A player's share of the places waiting for the next turn: the first five of the flood are kept. */
const KEPT_OF_FLOOD = FLOOD.slice(0, 5);

let world: BotWorld;
let tavernId: string;
/** Gates on narrative requests by their number (1: the opening): the turn waits for the test before it is written. */
const holds = new Map<number, Gate>();

function narratives(): RecordedRequest[] {
  return world.openai.requests.filter((request) => phaseOf(request) === 'narrative');
}

function promptOf(request: RecordedRequest | undefined): string {
  return request?.messages[1]?.content ?? '';
}

function say(user: string, content: string): void {
  world.discord.userMessage({ channel, user, content });
}

/** One player's turn by `/act` (it streams through the interaction's webhook, not the channel's budget), played to its end. */
async function play(user: string, action: string): Promise<void> {
  const before = narratives().length;
  await world.discord.slashCommand({ channel, user, name: 'act', options: { action } }).reply();
  await world.discord.waitFor(() => (narratives().length > before ? true : undefined), { description: `${user}'s turn asked` });
  await world.bot.tables.of(tavernId).idle();
}

beforeAll(async () => {
  world = await startBotWorld();
  tavernId = world.discord.channels[channel]?.id ?? '';
  const base = dmResponder();
  world.openai.respondWith((request) => {
    if (phaseOf(request) !== 'narrative') return base(request);
    const gate = holds.get(narratives().length);
    return reply.text('Lanterns sway over the crowded common room.', { chunkDelayMs: 2, ...(gate === undefined ? {} : { hold: { until: gate.until } }) });
  });
});

afterAll(async () => {
  for (const gate of holds.values()) gate.open();
  await world?.close();
});

describe('fair turns', () => {
  it("keeps a flooding player to half of the next turn beside a waiting player's action, and names the quiet party member", async () => {
    await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A crowded inn' } }).reply(announced);
    await waitForOptions(world, channel);
    await world.bot.tables.of(tavernId).idle();
    // Carol plays first, then sits out three turns: by the turn after the flood she has had no spotlight lately.
    await play('carol', 'I study the map on the wall');
    await play('bob', 'I bar the back door');
    await play('alice', 'I sharpen my blade');

    // Alice's next action starts a turn that is held before a word of it is written.
    const held = createGate();
    holds.set(5, held);
    say('alice', 'I kick the cellar door open');
    await world.discord.waitFor(() => (narratives().length === 5 ? true : undefined), { description: 'the held turn asked' });
    expect(actionsAskedFor(narratives()[4] as RecordedRequest)).toEqual(['Alice: I kick the cellar door open']);
    // Carol acted three turns ago: nobody is quiet yet.
    expect(promptOf(narratives()[4])).not.toContain('## Spotlight');

    // While it is held, Alice floods the channel: her first five wait, the rest are refused with one notice.
    for (const action of FLOOD) say('alice', action);
    await world.discord.waitFor(() => world.botMessages(channel).find((message) => message.content === `Alice: ${FULL}`), { description: "Alice's notice" });
    // Then Bob acts, and is told his action waits for the next turn (it is stored before he is told).
    const bob = await world.discord.slashCommand({ channel, user: 'bob', name: 'act', options: { action: 'I watch the stairs' } }).reply();
    expect(bob.original?.content).toContain('**Bob**: I watch the stairs');
    expect(bob.original?.content).toContain('The DM will answer this with the next turn');
    expect(narratives()).toHaveLength(5);

    held.open();
    await world.discord.waitFor(() => (narratives().length === 6 ? true : undefined), { description: 'the turn after the flood asked' });
    const asked = actionsAskedFor(narratives()[5] as RecordedRequest);
    // Bob's action is in it, and Alice has at most half of it: her oldest, while the rest of hers wait.
    expect(asked).toContain('Bob: I watch the stairs');
    expect(asked.filter((action) => action.startsWith('Alice: ')).length).toBeLessThanOrEqual(asked.length / 2);
    expect(asked).toEqual([`Alice: ${KEPT_OF_FLOOD[0]}`, 'Bob: I watch the stairs']);
    // And the DM is told that Carol has had little of the spotlight.
    expect(promptOf(narratives()[5])).toContain(SPOTLIGHT_CAROL);

    // The rest of Alice's kept actions are first in line for the turn after: with nobody else waiting, all of them.
    await world.discord.waitFor(() => (narratives().length === 7 ? true : undefined), { description: "the turn with the rest of Alice's actions" });
    expect(actionsAskedFor(narratives()[6] as RecordedRequest)).toEqual(KEPT_OF_FLOOD.slice(1).map((action) => `Alice: ${action}`));
    expect(promptOf(narratives()[6])).toContain(SPOTLIGHT_CAROL);
    await waitForOptions(world, channel);
    await world.bot.tables.of(tavernId).idle();
    expect(narratives()).toHaveLength(7);

    // The GM's log: every kept action answered exactly once, the refused ones never.
    await expectAnsweredOnce(world.discord, narratives(), channel, [
      'Carol: I study the map on the wall',
      'Bob: I bar the back door',
      'Alice: I sharpen my blade',
      'Alice: I kick the cellar door open',
      ...KEPT_OF_FLOOD.map((action) => `Alice: ${action}`),
      'Bob: I watch the stairs',
    ]);
    expect(refusedRequests(world)).toEqual([]);
  });
});
