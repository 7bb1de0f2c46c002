import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import type { InteractionView } from '../support/discord-emulator/index.ts';
import type { SlashOptionValue } from '../support/discord-emulator/interaction-payloads.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { createGate, type Gate } from '../support/gate.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';

// Dice and characters at the table, as players see them: /roll in public, refusals in private, sheets set and shown
// privately, and the DM's next prompt telling who rolled what for what, under the characters' names.
// The real bot (discord.js, openai SDK, SQLite) against the Discord emulator and the fake OpenAI server.

let world: BotWorld;
let tavernId: string;
/** Holds the narrative phase while set: a roll made then belongs to the next turn. */
let narrativeGate: Gate | null = null;

function narrativeRequests(): RecordedRequest[] {
  return world.openai.requests.filter((request) => phaseOf(request) === 'narrative');
}

function promptOf(request: RecordedRequest | undefined): string {
  return request?.messages[1]?.content ?? '';
}

function rollCommand(user: string, dice: string, reason?: string, channel = 'tavern') {
  return world.discord.slashCommand({ channel, user, name: 'roll', options: reason === undefined ? { dice } : { dice, reason } });
}

function characterSet(user: string, options: Record<string, string>) {
  return world.discord.slashCommand({ channel: 'tavern', user, name: 'character', subcommand: 'set', options });
}

function characterShow(user: string, player?: string) {
  const options: Record<string, SlashOptionValue> = player === undefined ? {} : { player: { id: world.discord.users[player]?.id ?? '' } };
  return world.discord.slashCommand({ channel: 'tavern', user, name: 'character', subcommand: 'show', options });
}

function publicContent(view: InteractionView): string {
  expect(view.ephemeral).toBe(false);
  return view.original?.content ?? '';
}

function privateContent(view: InteractionView): string {
  expect(view.ephemeral).toBe(true);
  return view.original?.content ?? view.followUps[0]?.content ?? '';
}

async function settle(): Promise<void> {
  await world.bot.tables.of(tavernId).idle();
}

beforeAll(async () => {
  world = await startBotWorld();
  tavernId = world.discord.channels['tavern']?.id ?? '';
  const base = dmResponder();
  world.openai.respondWith(async (request) => {
    if (phaseOf(request) === 'narrative' && narrativeGate !== null) await narrativeGate.until;
    return phaseOf(request) === 'narrative' ? reply.text('Vex slips along the wall while the guard yawns.', { chunkDelayMs: 2 }) : base(request);
  });
  const start = world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A heist in the Duke’s vault' } });
  await start.reply(announced);
  await waitForOptions(world, 'tavern');
  await settle();
});

afterAll(async () => {
  await world?.close();
});

describe('/roll', () => {
  it('shows the roll to everyone, each die and the total, without pinging anyone', async () => {
    const handle = rollCommand('alice', '2d6+3', 'climbing');
    const content = publicContent(await handle.reply());
    const match = /^🎲 Alice rolls 2d6\+3 for climbing: \[(\d), (\d)\]\+3 = \*\*(\d+)\*\*$/u.exec(content);
    expect(match, content).not.toBeNull();
    expect(Number(match?.[1]) + Number(match?.[2]) + 3).toBe(Number(match?.[3]));
    const callback = world.discord.requests.find((request) => request.interactionId === handle.id && request.method === 'POST');
    expect(callback?.allowedMentions).toMatchObject({ parse: [] });
  });

  it('escapes markdown in the reason', async () => {
    const content = publicContent(await rollCommand('carol', 'd6', '**loot** ~~now~~ <@everyone>').reply());
    expect(content).toContain('for \\*\\*loot\\*\\* \\~\\~now\\~\\~');
    expect(content).not.toContain(' **loot**');
  });

  it('refuses 999d9999 privately, with an example, and records nothing', async () => {
    const before = world.discord.messages('tavern').length;
    const content = privateContent(await rollCommand('bob', '999d9999', 'everything').reply());
    expect(content).toContain('more than 100 dice');
    expect(content).toContain('`2d6+3`');
    for (const bad of ['d20+', 'banana', '2d1001', ' ', '{60d6,60d6}kh1']) {
      expect(privateContent(await rollCommand('bob', bad).reply())).toContain('Try `2d6+3`');
    }
    // Over the registered max_length the client keeps it in the box (the bot's own "too long" is in dice.test.ts).
    expect(() => rollCommand('bob', `${'1+'.repeat(75)}d6`)).toThrow(/option "dice" must be 100 or fewer in length \(got 152\)/);
    expect(world.discord.messages('tavern')).toHaveLength(before);
  });

  it('answers a roll in a channel without a campaign, and refuses an ability there', async () => {
    const content = publicContent(await rollCommand('bob', 'd6', undefined, 'dungeon').reply());
    expect(content).toMatch(/^🎲 Bob rolls d6: \[\d\] = \*\*\d\*\*$/u);
    expect(privateContent(await rollCommand('bob', 'd20+DEX', undefined, 'dungeon').reply())).toContain('none running');
  });
});

describe('/character', () => {
  it('refuses an empty name and a bad modifier, privately', async () => {
    expect(privateContent(await characterSet('alice', { name: '   ' }).reply())).toContain('cannot be empty');
    expect(privateContent(await characterSet('alice', { name: 'Vex', modifiers: 'DEX +3 LUCK +9' }).reply())).toContain('"LUCK" is not an ability');
    expect(privateContent(await characterSet('alice', { name: 'Vex', modifiers: 'DEX +13' }).reply())).toContain('out of range');
    expect(privateContent(await characterShow('alice').reply())).toContain('You have no character');
  });

  it('sets a sheet and shows it to its player and, on asking, to another player', async () => {
    const set = privateContent(
      await characterSet('alice', { name: 'Vex', concept: 'a half-elf cat burglar', description: 'Quick hands, quicker tongue', modifiers: 'DEX +3 WIS -1' }).reply(),
    );
    expect(set).toContain('Your character is ready');
    const own = privateContent(await characterShow('alice').reply());
    expect(own).toBe('**Vex**, a half-elf cat burglar\nQuick hands, quicker tongue\nModifiers: DEX +3 WIS -1');
    expect(privateContent(await characterShow('bob', 'alice').reply())).toBe(own);
    expect(privateContent(await characterShow('alice', 'bob').reply())).toContain('Bob has no character in this campaign yet');
  });

  it("rolls with the roller's modifier, and says plainly when an ability or a sheet is missing", async () => {
    const content = publicContent(await rollCommand('alice', 'd20+DEX', 'sneaking past the guard').reply());
    const match = /^🎲 Alice \(Vex\) rolls d20\+DEX for sneaking past the guard: \[(\d+)\]\+3 = \*\*(\d+)\*\*$/u.exec(content);
    expect(match, content).not.toBeNull();
    expect(Number(match?.[1]) + 3).toBe(Number(match?.[2]));
    expect(privateContent(await rollCommand('alice', 'd20+CHA').reply())).toContain('Vex has no CHA modifier');
    expect(privateContent(await rollCommand('bob', 'd20+DEX').reply())).toContain('You have no character here yet');
  });
});

describe("the DM's next turn", () => {
  it('tells the DM who rolled what for what, under the character names, and each roll only once', async () => {
    const before = narrativeRequests().length;
    narrativeGate = createGate();
    await world.discord.slashCommand({ channel: 'tavern', user: 'alice', name: 'act', options: { action: 'I sneak past the guard' } }).reply();
    await world.discord.waitFor(() => narrativeRequests().length === before + 1, { description: 'the turn after the rolls' });
    // Rolled while that turn is being written: the next turn reports it.
    const late = publicContent(await rollCommand('bob', 'd4', 'a late roll').reply());
    expect(late).toMatch(/^🎲 Bob rolls d4 for a late roll: \[\d\] = \*\*\d\*\*$/u);
    narrativeGate.open();
    narrativeGate = null;
    await waitForOptions(world, 'tavern', 0);
    await settle();

    const prompt = promptOf(narrativeRequests()[before]);
    expect(prompt).toContain('- Alice plays {"character":"Vex","concept":"a half-elf cat burglar","description":"Quick hands, quicker tongue","modifiers":"DEX +3 WIS -1"}');
    expect(prompt).toContain("Call each player's character by its name.");
    const dice = prompt.slice(prompt.indexOf('## Dice rolled since the last turn'), prompt.indexOf("## This turn's actions"));
    expect(dice).toMatch(/- Alice: \{"dice":"2d6\+3","rolls":"\[\d, \d\]\+3","total":\d+,"for":"climbing"\}/);
    expect(dice).toMatch(/- Alice \(Vex\): \{"dice":"d20\+DEX","rolls":"\[\d+\]\+3","total":\d+,"for":"sneaking past the guard"\}/);
    expect(dice).toContain('"for":"**loot** ~~now~~ <@everyone>"');
    expect(dice).not.toContain('999d9999');
    expect(dice).not.toContain('a late roll');
    // Bob's roll in #dungeon, where no campaign runs, was answered but never recorded.
    expect(dice).not.toContain('- Bob: {"dice":"d6"');

    await world.discord.slashCommand({ channel: 'tavern', user: 'bob', name: 'act', options: { action: 'I keep watch' } }).reply();
    await waitForOptions(world, 'tavern', 0);
    await world.discord.waitFor(() => narrativeRequests().length === before + 2, { description: 'the turn after that' });
    await settle();
    const next = promptOf(narrativeRequests()[before + 1]);
    const nextDice = next.slice(next.indexOf('## Dice rolled since the last turn'), next.indexOf("## This turn's actions"));
    expect(nextDice).toMatch(/^## Dice rolled since the last turn\n.*\n- Bob: \{"dice":"d4","rolls":"\[\d\]","total":\d,"for":"a late roll"\}\n*$/);
    expect(refusedRequests(world)).toEqual([]);
  });

  it('keeps the rolls a turn reported in the GM\'s export, and reports them again when the GM undoes that turn', async () => {
    const export_ = await world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'export' }).reply(undefined, { timeoutMs: 10_000 });
    const markdown = export_.original?.attachments[0]?.text ?? '';
    const lastTurn = markdown.slice(markdown.lastIndexOf('### Turn '));
    expect(lastTurn).toContain('**Dice rolled before this turn**');
    expect(lastTurn).toMatch(/- 🎲 \*\*Bob\*\* rolled d4 for a late roll: \[\d\] = \d/u);

    const before = narrativeRequests().length;
    const undo = await world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'undo' }).reply(announced);
    expect(undo.original?.content).toMatch(/undone/i);
    await settle();
    await world.discord.slashCommand({ channel: 'tavern', user: 'bob', name: 'act', options: { action: 'I keep watch, more carefully' } }).reply();
    await world.discord.waitFor(() => narrativeRequests().length === before + 1, { description: 'the turn after the undo' });
    await waitForOptions(world, 'tavern', 0);
    await settle();
    const replayed = promptOf(narrativeRequests()[before]);
    expect(replayed).toMatch(/- Bob: \{"dice":"d4","rolls":"\[\d\]","total":\d,"for":"a late roll"\}/);
  });
});
