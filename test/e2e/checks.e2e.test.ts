import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmResponder, phaseOf, SAMPLE_OPTIONS } from '../support/dm-script.ts';
import type { InteractionView } from '../support/discord-emulator/index.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';

// Checks the DM calls for, as players see them: a button that shows its die, a click that rolls in public with the
// clicker's modifier, the next turn's prompt carrying the result, two players on one check button at once, and a model
// that gives no checks getting plain buttons. The real bot (discord.js, openai SDK, SQLite) against the Discord
// emulator and the fake OpenAI server.

const CHECK_OPTIONS = {
  options: [
    { text: 'Sneak past the guard', check: { ability: 'DEX', dice: 'd20', difficulty: 15 } },
    { text: 'Wait for the patrol to pass', check: null },
    { text: 'Bribe the guard', check: { ability: 'CHA', dice: 'd20', difficulty: null } },
  ],
};

const CHECK_LABELS = ['🎲 Sneak past the guard (d20+DEX)', 'Wait for the patrol to pass', '🎲 Bribe the guard (d20+CHA)'];

let world: BotWorld;
let tavernId: string;
/** What the options phase answers: checks, or the plain list of a model that gives none. */
let optionsAnswer: unknown = CHECK_OPTIONS;

function narrativeRequests(): RecordedRequest[] {
  return world.openai.requests.filter((request) => phaseOf(request) === 'narrative');
}

function promptOf(request: RecordedRequest | undefined): string {
  return request?.messages[1]?.content ?? '';
}

async function settle(): Promise<void> {
  await world.bot.tables.of(tavernId).idle();
}

/** The click's public line: the follow-up of a click that started a turn, or the reply of one queued for the next. */
function publicLine(view: InteractionView): string {
  expect(view.ephemeral).toBe(false);
  return view.followUps[0]?.content ?? view.original?.content.split('\n')[0] ?? '';
}

function clickAnswered(view: InteractionView): boolean {
  return view.followUps.length > 0 || view.acknowledgement?.type === 4;
}

beforeAll(async () => {
  world = await startBotWorld();
  tavernId = world.discord.channels['tavern']?.id ?? '';
  world.openai.respondWith(dmResponder({ options: () => reply.json(optionsAnswer) }));
  const start = world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A heist in the Duke’s vault' } });
  await start.reply(announced);
  await waitForOptions(world, 'tavern');
  await settle();
  const sheet = world.discord.slashCommand({ channel: 'tavern', user: 'alice', name: 'character', subcommand: 'set', options: { name: 'Vex', modifiers: 'DEX +3 CHA -1' } });
  expect((await sheet.reply()).ephemeral).toBe(true);
});

afterAll(async () => {
  await world?.close();
});

describe('a check the DM calls for', () => {
  it('shows its die on the button', async () => {
    const last = await waitForOptions(world, 'tavern');
    expect(last.buttons.map((button) => button.label)).toEqual(CHECK_LABELS);
  });

  it("rolls for the clicker with their character's modifier, in public, and the next turn's prompt has the result", async () => {
    const last = await waitForOptions(world, 'tavern');
    const before = narrativeRequests().length;
    const click = world.discord.clickButton({ channel: 'tavern', user: 'alice', messageId: last.id, customId: last.buttons[0]?.customId ?? '' });
    const line = publicLine(await click.reply(clickAnswered));
    const match = /^🎲 \*\*Alice \(Vex\)\*\* chooses: Sneak past the guard — d20\+DEX: \[(\d+)\]\+3 = \*\*(\d+)\*\* vs DC 15: (success|failure)$/u.exec(line);
    expect(match, line).not.toBeNull();
    const die = Number(match?.[1]);
    const total = Number(match?.[2]);
    expect(total).toBe(die + 3);
    const result = total >= 15 ? 'success' : 'failure';
    expect(match?.[3]).toBe(result);

    await world.discord.waitFor(() => narrativeRequests().length > before, { description: 'the turn after the check' });
    const prompt = promptOf(narrativeRequests()[before]);
    expect(prompt).toContain(
      `- Alice: "Sneak past the guard" (a check rolled by the bot, not by you; the outcome follows it: ` +
        `{"dice":"d20+DEX","rolls":"[${die}]+3","total":${total},"difficulty":15,"result":"${result}"})`,
    );
    await waitForOptions(world, 'tavern', 0);
    await settle();
    // The retired buttons keep their die, and the chosen one its mark.
    expect(world.discord.message(last.id)?.buttons.map((button) => button.label)).toEqual([`✓ ${CHECK_LABELS[0]}`, ...CHECK_LABELS.slice(1)]);
  });

  it('gives two players who click the same check at once each their own roll, and answers both', async () => {
    const last = await waitForOptions(world, 'tavern');
    const before = narrativeRequests().length;
    const customId = last.buttons[2]?.customId ?? '';
    const clicks = [
      { name: 'Bob', handle: world.discord.clickButton({ channel: 'tavern', user: 'bob', messageId: last.id, customId }) },
      { name: 'Carol', handle: world.discord.clickButton({ channel: 'tavern', user: 'carol', messageId: last.id, customId }) },
    ];
    const views = await Promise.all(clicks.map((click) => click.handle.reply(clickAnswered)));
    // Exactly as plain clicks: whichever the bot takes first starts the turn, the other waits for the next one.
    expect(views.map((view) => view.acknowledgement?.type).sort()).toEqual([4, 7]);
    const rolled = clicks.map((click, index) => {
      const view = views[index];
      if (view === undefined) throw new Error('every click is answered');
      const line = publicLine(view);
      // No sheet: the modifier is +0, and without a difficulty the DM judges the total.
      const match = new RegExp(`^🎲 \\*\\*${click.name}\\*\\* chooses: Bribe the guard — d20\\+CHA: \\[(\\d+)\\]\\+0 = \\*\\*(\\d+)\\*\\*$`, 'u').exec(line);
      expect(match, line).not.toBeNull();
      expect(Number(match?.[2])).toBe(Number(match?.[1]));
      return { name: click.name, total: Number(match?.[2]), queued: view.acknowledgement?.type === 4 };
    });
    const queued = views.find((view) => view.acknowledgement?.type === 4);
    expect(queued?.original?.content).toContain('\n-# The DM will answer this with the next turn.');

    await world.discord.waitFor(() => narrativeRequests().length >= before + 2, { timeoutMs: 15_000, description: 'the turn of each click' });
    const prompts = narrativeRequests().slice(before, before + 2).map(promptOf);
    for (const [index, roll] of rolled.entries()) {
      const line = `- ${roll.name}: "Bribe the guard" (a check rolled by the bot, not by you; the outcome follows it: ` +
        `{"dice":"d20+CHA","rolls":"[${roll.total}]+0","total":${roll.total},"result":"no difficulty: judge the total"})`;
      expect(prompts[roll.queued ? 1 : 0], `click ${index}`).toContain(line);
    }
    await waitForOptions(world, 'tavern', 0);
    await settle();
  });

  it('gives plain buttons when the model gives no checks, and a plain click rolls nothing', async () => {
    optionsAnswer = { options: SAMPLE_OPTIONS };
    const before = narrativeRequests().length;
    await world.discord.slashCommand({ channel: 'tavern', user: 'bob', name: 'act', options: { action: 'I look for another way in' } }).reply();
    await world.discord.waitFor(() => narrativeRequests().length > before, { description: 'a turn with plain options' });
    await settle();
    const last = await waitForOptions(world, 'tavern');
    expect(last.buttons.map((button) => button.label)).toEqual(SAMPLE_OPTIONS);
    const click = world.discord.clickButton({ channel: 'tavern', user: 'alice', messageId: last.id, customId: last.buttons[0]?.customId ?? '' });
    expect(publicLine(await click.reply(clickAnswered))).toBe(`**Alice** chooses: ${SAMPLE_OPTIONS[0]}`);
    await world.discord.waitFor(() => narrativeRequests().length > before + 1, { description: 'the turn after a plain click' });
    const prompt = promptOf(narrativeRequests().at(-1));
    expect(prompt).toContain(`- Alice: ${JSON.stringify(SAMPLE_OPTIONS[0])}`);
    expect(prompt).not.toContain(`${JSON.stringify(SAMPLE_OPTIONS[0])} (a check`);
    await waitForOptions(world, 'tavern', 0);
    await settle();
    expect(refusedRequests(world)).toEqual([]);
  });
});
