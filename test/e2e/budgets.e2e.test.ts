import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import type { InteractionView, MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { createGate } from '../support/gate.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';

// Spending has a ceiling: daily token budgets per server and per table, and a per-player rate, as players and GMs
// live them through the real bot (discord.js, openai SDK, SQLite) against the Discord emulator and the fake model,
// which reports fixed usage per phase. One campaign per channel: tavern (the table's budget, the wait, a restart),
// dungeon (the rate), general (the server's budget, spent last).

const PREMISES = { tavern: 'The drowned bell of Vell', dungeon: 'The sunken chapel', general: 'Smugglers under the marsh' } as const;
type Channel = keyof typeof PREMISES;

/** Per phase, as the provider reports it. A turn costs 1100 + 1150 + 1230 + 1270 = 4750 tokens. */
const USAGE = {
  narrative: { promptTokens: 1000, cachedTokens: 800, completionTokens: 100 },
  response: { promptTokens: 1100, cachedTokens: 1000, completionTokens: 50 },
  options: { promptTokens: 1200, cachedTokens: 0, completionTokens: 30 },
  metadata: { promptTokens: 1200, cachedTokens: 0, completionTokens: 70 },
};
const TURN_TOKENS = 4750;
const CHANNEL_CEILING = 10 * TURN_TOKENS;
/** Reached by the seventh turn of the server (three in tavern, three in dungeon, the opening of general). */
const GUILD_BUDGET = 7 * TURN_TOKENS - 1;

let world: BotWorld;
let releaseTurn: (() => void) | null = null;

const idOf = (channel: Channel): string => world.discord.channels[channel]?.id ?? '';

function narrativeRequests(channel: Channel): RecordedRequest[] {
  return world.openai.requests.filter((request) => phaseOf(request) === 'narrative' && (request.messages[1]?.content ?? '').includes(PREMISES[channel]));
}

function gm(channel: Channel, subcommand: string, options?: Record<string, string | number>) {
  return world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand, ...(options === undefined ? {} : { options }) });
}

async function privateAnswer(handle: ReturnType<typeof gm>): Promise<InteractionView> {
  const view = await handle.reply((current) => current.original !== null && !current.original.loading, { timeoutMs: 20_000 });
  expect(view.ephemeral).toBe(true);
  return view;
}

function act(channel: Channel, user: string, action: string) {
  return world.discord.slashCommand({ channel, user, name: 'act', options: { action } }).reply(undefined, { timeoutMs: 20_000 });
}

async function settle(channel: Channel): Promise<void> {
  await world.bot.tables.of(idOf(channel)).idle();
}

async function startCampaign(channel: Channel): Promise<void> {
  await gm(channel, 'start', { premise: PREMISES[channel], tone: 'grim' }).reply(announced, { timeoutMs: 20_000 });
  await waitForOptions(world, channel);
  await settle(channel);
}

function fields(view: InteractionView): Record<string, string> {
  return Object.fromEntries((view.original?.embeds[0]?.fields ?? []).map((field) => [field.name, field.value]));
}

function posted(channel: Channel, text: string): MessageSnapshot[] {
  return world.botMessages(channel).filter((message) => message.content.includes(text));
}

/** `<t:UNIX:R>` of a text: the reset is always a UTC midnight within the next day. */
function resetIn(text: string | undefined): number {
  const match = /<t:(\d+):R> \(at <t:(\d+):t>\)/.exec(text ?? '');
  expect(match, text).not.toBeNull();
  const unix = Number(match?.[1]);
  expect(Number(match?.[2])).toBe(unix);
  expect(unix % 86_400).toBe(0);
  expect(unix * 1000 - Date.now()).toBeGreaterThan(0);
  expect(unix * 1000 - Date.now()).toBeLessThanOrEqual(86_400_000);
  return unix;
}

beforeAll(async () => {
  world = await startBotWorld({
    environment: {
      DM_OPTIONS_MODEL: 'gpt-4.1-nano',
      DM_METADATA_MODEL: 'gpt-4.1-nano',
      LLM_PRICES: 'gpt-4.1-mini=0.40/0.10/1.60',
      DAILY_TOKENS_PER_CHANNEL: String(CHANNEL_CEILING),
      DAILY_TOKENS_PER_GUILD: String(GUILD_BUDGET),
      ACTIONS_PER_MINUTE_PER_PLAYER: '2',
    },
  });
  const base = dmResponder();
  world.openai.respondWith((request) => {
    const phase = phaseOf(request);
    if (phase === 'narrative') {
      const gate = releaseTurn === null ? null : createGate();
      if (gate !== null) releaseTurn = () => gate.open();
      return reply.text('The bell tolls under the water. Rain hammers the shutters.', {
        chunkDelayMs: 2,
        usage: USAGE.narrative,
        ...(gate === null ? {} : { hold: { until: gate.until, afterChunks: 3 } }),
      });
    }
    const chosen = base(request);
    return phase === 'response' || phase === 'options' || phase === 'metadata' ? { ...chosen, usage: USAGE[phase] } : chosen;
  });
}, 30_000);

afterAll(async () => {
  releaseTurn?.();
  await world?.close();
});

describe('budgets', () => {
  it('shows the GM, privately, what the table and the server spent today and this month, by phase and model, with the cost', async () => {
    await startCampaign('tavern');
    const view = await privateAnswer(gm('tavern', 'budget'));
    const embed = view.original?.embeds[0];
    expect(embed?.title).toMatch(/^🪙 Spending on \d{4}-\d{2}-\d{2} \(UTC\)$/);
    expect(embed?.description).toContain('**This table:** 4,750 tokens today, of 47,500 a day (the ceiling per channel)');
    expect(embed?.description).toContain('**This server:** 4,750 tokens today, of 33,249 a day');
    expect(embed?.description).toContain('Players may act 2 times a minute each.');
    resetIn(embed?.description);
    const month = new Date().toISOString().slice(0, 7);
    expect(Object.keys(fields(view))).toEqual(['This table, today', `This table, ${month}`, 'This server, today', `This server, ${month}`]);
    // gpt-4.1-mini: 200 + 100 uncached at $0.40, 800 + 1000 cached at $0.10, 150 out at $1.60 per million = $0.00054.
    expect(fields(view)['This table, today']).toBe(
      [
        '1 turn · **4,750 tokens** · ≈ $0.0005 (no price for `gpt-4.1-nano`)',
        'narrative · `gpt-4.1-mini`: 1,000 prompt (800 cached) · 100 completion',
        'response · `gpt-4.1-mini`: 1,100 prompt (1,000 cached) · 50 completion',
        'options · `gpt-4.1-nano`: 1,200 prompt (0 cached) · 30 completion',
        'metadata · `gpt-4.1-nano`: 1,200 prompt (0 cached) · 70 completion',
      ].join('\n'),
    );
    expect(fields(view)['This server, today']).toBe(fields(view)['This table, today']);
    // Nothing public: the players see none of it.
    expect(view.followUps).toEqual([]);
  });

  it("lets a GM lower the table's budget, never raise it past the operator's ceiling", async () => {
    const higher = await gm('tavern', 'budget', { daily_tokens: CHANNEL_CEILING + 1 }).reply();
    expect(higher.ephemeral).toBe(true);
    expect(higher.original?.content).toBe(
      "This table's budget can be at most 47,500 tokens a day: the ceiling the bot's operator set for every channel. Choose 47,500 or less (0 goes back to the ceiling).",
    );
    const lower = await privateAnswer(gm('tavern', 'budget', { daily_tokens: 2 * TURN_TOKENS - 1 }));
    expect(lower.original?.content).toBe('Saved: this table may spend 9,499 tokens a day.');
    expect(lower.original?.embeds[0]?.description).toContain("**This table:** 4,750 tokens today, of 9,499 a day (the table's own budget; ceiling 47,500)");
    expect(lower.followUps).toEqual([]);
  });

  it('keeps actions waiting when the budget runs out, tells the table once, refuses new actions without storing them, and plays on when the GM raises it', async () => {
    const tavern = idOf('tavern');
    // Alice's turn is held while Bob acts: his action is taken, the budget is not spent yet.
    releaseTurn = () => undefined;
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I pick the lock of the bell tower' });
    await world.discord.waitFor(() => narrativeRequests('tavern').length === 2, { timeoutMs: 10_000 });
    const bob = await act('tavern', 'bob', 'I keep watch on the stairs');
    expect(bob.original?.content).toContain('**Bob**: I keep watch on the stairs');
    expect(bob.ephemeral).toBe(false);
    const release = releaseTurn;
    releaseTurn = null;
    release();

    // Alice's turn brings the day's spending to 9,500 of 9,499: Bob's turn does not start, and the table says why.
    const notice = await world.discord.waitFor(() => posted('tavern', 'has used its token budget for today.**')[0], { timeoutMs: 20_000, description: 'the budget notice' });
    expect(notice.content).toMatch(
      /^⏳ \*\*This table has used its token budget for today\.\*\* The DM will answer the waiting action <t:\d+:R> \(at <t:\d+:t>\), when the budget resets, or as soon as a GM raises it with `\/gm budget`\.$/,
    );
    resetIn(notice.content);
    await settle('tavern');
    expect(narrativeRequests('tavern')).toHaveLength(2);
    expect((await world.bot.store.getWaiting(tavern)).map((action) => action.text)).toEqual(['I keep watch on the stairs']);

    // New actions are refused politely and nothing is stored: a message (one public notice per player for the turn),
    // /act and a click (privately).
    const turnMessage = await waitForOptions(world, 'tavern');
    world.discord.userMessage({ channel: 'tavern', user: 'carol', content: 'I hum a tune' });
    world.discord.userMessage({ channel: 'tavern', user: 'carol', content: 'I hum louder' });
    const refusal = await world.discord.waitFor(() => posted('tavern', 'Carol: ')[0], { timeoutMs: 10_000, description: "Carol's notice" });
    expect(refusal.content).toMatch(
      /^Carol: Sorry, this table has used its token budget for today\. The DM is listening again <t:\d+:R> \(at <t:\d+:t>\), when the budget resets, or sooner if a GM raises it with `\/gm budget`\.$/,
    );
    const refusedAct = await act('tavern', 'carol', 'I hum a third time');
    expect(refusedAct.ephemeral).toBe(true);
    expect(refusedAct.original?.content).toContain('Sorry, this table has used its token budget for today.');
    const click = await world.discord.clickButton({ channel: 'tavern', user: 'alice', messageId: turnMessage.id, customId: turnMessage.buttons[0]?.customId ?? '' }).reply();
    expect(click.ephemeral).toBe(true);
    expect(click.original?.content).toContain('Sorry, this table has used its token budget for today.');
    await settle('tavern');
    expect(posted('tavern', 'Carol: ')).toHaveLength(1);
    expect(posted('tavern', 'has used its token budget for today.**')).toHaveLength(1);
    expect((await world.bot.store.getWaiting(tavern)).map((action) => action.text)).toEqual(['I keep watch on the stairs']);
    expect(narrativeRequests('tavern')).toHaveLength(2);

    // The GM goes back to the operator's ceiling: the table hears it, and Bob's action is answered.
    const raised = await gm('tavern', 'budget', { daily_tokens: 0 }).reply(announced, { timeoutMs: 20_000 });
    expect(raised.original?.content).toBe('Saved: this table has no budget of its own; the ceiling of 47,500 tokens a day applies.');
    expect(raised.followUps.map((message) => message.content)).toEqual(["🪙 **The GM raised this table's token budget for today.** The DM is listening again."]);
    await world.discord.waitFor(() => narrativeRequests('tavern').length === 3, { timeoutMs: 20_000, description: "Bob's turn" });
    expect(narrativeRequests('tavern')[2]?.messages[1]?.content).toContain('I keep watch on the stairs');
    await settle('tavern');
    expect(await world.bot.store.getWaiting(tavern)).toEqual([]);
  });

  it("keeps what was spent and the table's own budget across a restart", async () => {
    await privateAnswer(gm('tavern', 'budget', { daily_tokens: 30_000 }));
    await world.restart();
    const view = await privateAnswer(gm('tavern', 'budget'));
    expect(view.original?.embeds[0]?.description).toContain("**This table:** 14,250 tokens today, of 30,000 a day (the table's own budget; ceiling 47,500)");
    expect(fields(view)['This table, today']).toMatch(/^3 turns · \*\*14,250 tokens\*\* · ≈ \$0\.0016 /);
  });

  it('refuses a player who acts faster than the rate, and says when they can act again', async () => {
    await startCampaign('dungeon');
    releaseTurn = () => undefined;
    const first = await act('dungeon', 'carol', 'I light a torch');
    expect(first.original?.content).toBe('**Carol**: I light a torch');
    const second = await act('dungeon', 'carol', 'I read the inscription');
    expect(second.original?.content).toContain('**Carol**: I read the inscription');
    const third = await act('dungeon', 'carol', 'I kick the altar');
    expect(third.ephemeral).toBe(true);
    expect(third.original?.content).toMatch(/^You are acting faster than the DM can follow \(2 actions a minute at most\)\. You can act again <t:(\d+):R>\.$/);
    const retryAt = Number(/<t:(\d+):R>/.exec(third.original?.content ?? '')?.[1]) * 1000;
    expect(retryAt - Date.now()).toBeGreaterThan(30_000);
    expect(retryAt - Date.now()).toBeLessThanOrEqual(60_000);
    // A message gets the same answer in public, once for the turn.
    world.discord.userMessage({ channel: 'dungeon', user: 'carol', content: 'I kick it again' });
    world.discord.userMessage({ channel: 'dungeon', user: 'carol', content: 'And again' });
    const notice = await world.discord.waitFor(() => posted('dungeon', 'Carol: ')[0], { timeoutMs: 10_000, description: "Carol's notice" });
    expect(notice.content).toMatch(/^Carol: You are acting faster than the DM can follow \(2 actions a minute at most\)\. You can act again <t:\d+:R>\.$/);
    // Another player is not slowed down by Carol.
    const alice = await act('dungeon', 'alice', 'I hold the door');
    expect(alice.original?.content).toContain('**Alice**: I hold the door');

    const release = releaseTurn;
    releaseTurn = null;
    release();
    await world.discord.waitFor(() => narrativeRequests('dungeon').length === 3, { timeoutMs: 20_000, description: 'the turn after' });
    await settle('dungeon');
    const answered = narrativeRequests('dungeon').map((request) => request.messages[1]?.content ?? '').join('\n');
    expect(answered).toContain('I read the inscription');
    expect(answered).toContain('I hold the door');
    expect(answered).not.toContain('I kick');
    expect(posted('dungeon', 'Carol: ')).toHaveLength(1);
  });

  it("refuses every table of the server once the server's budget is spent; a table's own budget cannot lift it", async () => {
    // Six turns so far (tavern three, dungeon three): the opening of general is the seventh, and reaches the budget.
    await startCampaign('general');
    world.discord.userMessage({ channel: 'general', user: 'bob', content: 'I wade into the marsh' });
    const refusal = await world.discord.waitFor(() => posted('general', 'Bob: ')[0], { timeoutMs: 10_000, description: "Bob's notice" });
    expect(refusal.content).toMatch(
      /^Bob: Sorry, this server has used its token budget for today\. The DM is listening again <t:\d+:R> \(at <t:\d+:t>\), when the budget resets\.$/,
    );
    resetIn(refusal.content);

    const raised = await privateAnswer(gm('tavern', 'budget', { daily_tokens: CHANNEL_CEILING }));
    expect(raised.original?.embeds[0]?.description).toContain('**This server:** 33,250 tokens today, of 33,249 a day');
    expect(raised.followUps).toEqual([]);
    const refused = await act('tavern', 'alice', 'I ring the bell');
    expect(refused.ephemeral).toBe(true);
    expect(refused.original?.content).toContain('Sorry, this server has used its token budget for today.');
    await settle('tavern');
    await settle('general');
    expect(narrativeRequests('general')).toHaveLength(1);
    expect(narrativeRequests('tavern')).toHaveLength(3);
    expect(refusedRequests(world)).toEqual([]);
  });
});
