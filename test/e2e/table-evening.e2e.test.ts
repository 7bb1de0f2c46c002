import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import type { InteractionView, MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';
import { actionsAskedFor, optionButtons, turnMessages, WRITING_MARK } from './scripted-channels.ts';

// One evening at a table of three, everything a player reaches for, in the order a table would: characters, a roll,
// a check the DM calls for, a whisper, a round that waits for everyone, the X-card, and a recap. Each step asserts
// what the players see in Discord, and what the DM was told.

const CHECK_OPTIONS = {
  options: [
    { text: 'Sneak past the guard', check: { ability: 'DEX', dice: 'd20', difficulty: 12 } },
    { text: 'Wait for the patrol to pass', check: null },
    { text: 'Talk your way in', check: null },
  ],
};
const UNCOMFORTABLE = 'The guard turns, and his face is the face of your drowned sister.';

let world: BotWorld;
let channelId: string;
const channel = 'tavern';
/** The next narrative's text, once; the default DM otherwise. */
let nextNarrative: string | null = null;

function narratives(): RecordedRequest[] {
  return world.openai.requests.filter((request) => phaseOf(request) === 'narrative');
}

async function settle(): Promise<void> {
  await world.bot.tables.of(channelId).idle();
}

function privately(view: InteractionView): string {
  expect(view.ephemeral).toBe(true);
  return view.original?.content ?? '';
}

async function act(user: string, content: string): Promise<void> {
  const before = narratives().length;
  world.discord.userMessage({ channel, user, content });
  await world.discord.waitFor(() => (narratives().length > before ? true : undefined), { description: `the turn for ${user}` });
  await waitForOptions(world, channel);
  await settle();
}

function latestTurnWithButtons(): MessageSnapshot | undefined {
  return turnMessages(world.discord, channel)
    .filter((message) => optionButtons(message).some((button) => !button.disabled))
    .at(-1);
}

beforeAll(async () => {
  world = await startBotWorld();
  channelId = world.discord.channels[channel]?.id ?? '';
  const base = dmResponder({ options: () => reply.json(CHECK_OPTIONS) });
  world.openai.respondWith((request) => {
    if (phaseOf(request) === 'narrative' && nextNarrative !== null) {
      const text = nextNarrative;
      nextNarrative = null;
      return reply.text(text, { chunkDelayMs: 2 });
    }
    return base(request);
  });
});

afterAll(async () => {
  await world?.close();
});

describe('an evening at a table of three', () => {
  it('plays with characters, dice, a check, a whisper, a round, the X-card and a recap', async () => {
    await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A heist in the Duke’s vault' } }).reply(announced);
    await waitForOptions(world, channel);
    await settle();

    // Characters: each player sets one, privately.
    const sheets = [
      { user: 'alice', name: 'Vex', modifiers: 'DEX +3' },
      { user: 'bob', name: 'Brom', modifiers: 'STR +2' },
      { user: 'carol', name: 'Cy', modifiers: 'WIS +1' },
    ];
    for (const sheet of sheets) {
      const view = await world.discord
        .slashCommand({ channel, user: sheet.user, name: 'character', subcommand: 'set', options: { name: sheet.name, modifiers: sheet.modifiers } })
        .reply();
      expect(privately(view)).toContain(sheet.name);
    }

    // A roll, public, with Brom's modifier.
    const rolled = await world.discord.slashCommand({ channel, user: 'bob', name: 'roll', options: { dice: 'd20+STR', reason: 'forcing the grate' } }).reply();
    expect(rolled.ephemeral).toBe(false);
    expect(rolled.original?.content).toMatch(/^🎲 Bob \(Brom\) rolls d20\+STR for forcing the grate: \[\d+\]\+2 = \*\*\d+\*\*$/u);

    // A check the DM called for: the button shows the die; Alice's click rolls with Vex's DEX, in public.
    const offered = latestTurnWithButtons();
    expect(optionButtons(offered).map((button) => button.label)).toEqual(['🎲 Sneak past the guard (d20+DEX)', 'Wait for the patrol to pass', 'Talk your way in']);
    const before = narratives().length;
    const click = await world.discord
      .clickButton({ channel, user: 'alice', messageId: offered?.id ?? '', customId: optionButtons(offered)[0]?.customId ?? '' })
      .reply((view) => view.followUps.length > 0 || view.acknowledgement?.type === 4);
    const line = click.followUps[0]?.content ?? click.original?.content ?? '';
    const check = /^🎲 \*\*Alice \(Vex\)\*\* chooses: Sneak past the guard — d20\+DEX: \[(\d+)\]\+3 = \*\*(\d+)\*\* vs DC 12: (success|failure)$/u.exec(line);
    expect(check, line).not.toBeNull();
    await world.discord.waitFor(() => (narratives().length > before ? true : undefined), { description: 'the turn after the check' });
    await waitForOptions(world, channel);
    await settle();
    const checkPrompt = narratives()[before]?.messages[1]?.content ?? '';
    // The DM hears the check's result, Bob's roll, and who plays whom.
    expect(checkPrompt).toContain(`"total":${check?.[2]},"difficulty":12,"result":"${check?.[3]}"`);
    expect(checkPrompt).toMatch(/- Bob \(Brom\): \{"dice":"d20\+STR","rolls":"\[\d+\]\+2","total":\d+,"for":"forcing the grate"\}/u);
    expect(checkPrompt).toContain('- Carol plays {"character":"Cy","modifiers":"WIS +1"}');

    // Bob and Carol play a turn each, so the round waits for all three.
    await act('bob', 'I wedge the grate open');
    await act('carol', 'I listen at the vault door');

    // A whisper: Carol alone reads the answer; nothing appears in the channel.
    const publicBefore = world.botMessages(channel).length;
    const whisper = await world.discord
      .slashCommand({ channel, user: 'carol', name: 'whisper', options: { text: 'I read the Duke’s letter on the desk' } })
      .reply((view) => view.original !== null && !view.original.loading && !view.original.content.includes(WRITING_MARK));
    expect(privately(whisper)).toContain('Only you notice it');
    expect(world.botMessages(channel)).toHaveLength(publicBefore);

    // A round: the DM waits for everyone who has been playing, on one line, then answers the round in one turn.
    const config = await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'config', options: { rounds: 'on', round_seconds: 60 } }).reply(announced);
    expect(config.followUps[0]?.content).toContain('Rounds are on');
    const roundBefore = narratives().length;
    nextNarrative = UNCOMFORTABLE;
    world.discord.userMessage({ channel, user: 'alice', content: 'I pick the lock' });
    const waitingLine = () => world.botMessages(channel).find((message) => message.content.startsWith('⏳ *The round waits for'));
    // The line is a channel message, written within the channel's budget (5 writes per 5 s) that the turns just
    // before it may have spent: it can take up to a window to appear, and again to be edited.
    await world.discord.waitFor(() => (waitingLine()?.content === '⏳ *The round waits for: Bob, Carol*' ? true : undefined), { description: 'the round line', timeoutMs: 10_000 });
    world.discord.userMessage({ channel, user: 'bob', content: 'I keep watch on the stairs' });
    await world.discord.waitFor(() => (waitingLine()?.content === '⏳ *The round waits for: Carol*' ? true : undefined), { description: 'the round line, updated', timeoutMs: 10_000 });
    expect(narratives()).toHaveLength(roundBefore);
    world.discord.userMessage({ channel, user: 'carol', content: 'I hum to cover the noise' });
    await world.discord.waitFor(() => (narratives().length === roundBefore + 1 ? true : undefined), { description: 'the round answered' });
    const round = narratives().at(-1);
    expect(round === undefined ? [] : actionsAskedFor(round)).toEqual(['Alice: I pick the lock', 'Bob: I keep watch on the stairs', 'Carol: I hum to cover the noise']);
    // The round's DM keeps Carol's whisper, as a secret.
    expect(narratives().at(-1)?.messages[1]?.content).toContain('## Private whispers (secret)');
    const roundTurn = await world.discord.waitFor(
      () => turnMessages(world.discord, channel).find((message) => message.content.startsWith('The guard turns') && optionButtons(message).length > 0),
      { description: 'the round turn with its buttons' },
    );
    await settle();

    // The X-card: Bob taps it, privately; the table sees only "The scene shifts." and the round played again.
    const tap = await world.discord.slashCommand({ channel, user: 'bob', name: 'x' }).reply();
    expect(privately(tap)).toContain('X-card tapped');
    await world.discord.waitFor(() => (world.discord.message(roundTurn.id)?.content === '*The scene shifts.*' ? true : undefined), { description: 'the turn withdrawn' });
    await world.discord.waitFor(() => (narratives().length === roundBefore + 2 ? true : undefined), { description: 'the round played again' });
    const replay = narratives().at(-1);
    expect(replay === undefined ? [] : actionsAskedFor(replay)).toHaveLength(3);
    expect(replay?.messages.map((message) => message.content).join('\n')).not.toContain('drowned sister');
    await waitForOptions(world, channel);
    await settle();
    expect(world.botMessages(channel).some((message) => message.content.includes('drowned sister'))).toBe(false);

    // A recap: the story so far, to Carol alone, with her own whisper marked private.
    const recap = await world.discord.slashCommand({ channel, user: 'carol', name: 'recap' }).reply();
    expect(recap.ephemeral).toBe(true);
    const embed = recap.original?.embeds[0];
    expect(embed?.title).toBe('📜 The story so far');
    expect(embed?.description).toContain('Alice, Bob, Carol');
    expect(embed?.fields?.find((field) => field.name.includes('Your whispers'))?.value).toContain('the Duke’s letter');
    expect(JSON.stringify(embed)).not.toContain('drowned sister');
    expect(refusedRequests(world)).toEqual([]);
  });
});
