import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createActionRate } from '../../src/campaign/action-rate.ts';
import { createSpendingLedger, type BudgetWait } from '../../src/campaign/spending-ledger.ts';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import { reply } from '../support/fake-openai.ts';
import { MODELS, useTableWorld } from '../support/table-world.ts';

// The table with budgets: a turn that would start on a spent budget never reaches the model, and starts by itself once
// the UTC day turns. The ledger's clock is set just before midnight, so the real timer of the reset fires in a second.

const logger = pino({ level: 'silent' });
const world = useTableWorld('table-budgets');
const CHANNEL = '1200000000000000001';
const GUILD = '1300000000000000001';

/** A spending ledger with a channel's daily budget (0: none), no rate, and no one told of waits. */
function quietLedger(dailyTokensPerChannel: number) {
  return createSpendingLedger({
    store: world.store,
    budgets: { dailyTokensPerGuild: 0, dailyTokensPerChannel, actionsPerMinutePerPlayer: 0 },
    models: MODELS,
    prices: new Map(),
    logger,
    onWait: () => undefined,
  });
}

describe('a table with a daily budget', () => {
  it('keeps its turn from the model while the budget is spent, tells its players once, and plays it after the reset', async () => {
    // 300 ms before a UTC midnight, in the ledger's eyes.
    const midnight = Math.ceil(Date.now() / 86_400_000) * 86_400_000 + 86_400_000;
    const offset = midnight - 300 - Date.now();
    const waits: BudgetWait[] = [];
    const spending = createSpendingLedger({
      store: world.store,
      budgets: { dailyTokensPerGuild: 0, dailyTokensPerChannel: 100, actionsPerMinutePerPlayer: 0 },
      models: MODELS,
      prices: new Map(),
      logger,
      onWait: (wait) => void waits.push(wait),
      now: () => Date.now() + offset,
    });
    // The table spent its day before this campaign.
    await spending.recordTurn({ guildId: GUILD, channelId: CHANNEL, usage: { narrative: { promptTokens: 90, cachedPromptTokens: 0, completionTokens: 10 } } });
    const tables = world.openTables({ spending, actionRate: createActionRate({ perMinute: 0 }) });
    const table = tables.of(CHANNEL);

    expect((await table.start({ guildId: GUILD, premise: 'Pirates', tone: 'grim', startedBy: 'gm' })).status).toBe('started');
    await table.idle();
    expect(world.fake.requests).toHaveLength(0);
    expect(waits).toEqual([
      { channelId: CHANNEL, guildId: GUILD, spent: { scope: 'channel', used: 100, budget: 100, resetAt: new Date(midnight) }, waiting: 0, opening: true },
    ]);
    expect(spending.isWaiting(CHANNEL)).toBe(true);
    // A player's action is refused, and nothing is stored.
    const refused = await table.submit({ id: 'a1', playerId: 'p1', playerName: 'Alice', text: 'I wait', source: 'message' });
    expect(refused).toEqual({ status: 'budget_spent', scope: 'channel', resetAt: new Date(midnight), turn: expect.any(String) });
    expect(await world.store.getWaiting(CHANNEL)).toEqual([]);

    // The day turns: the opening is played without anyone asking again.
    await expect.poll(() => world.fake.requests.filter((request) => phaseOf(request) === 'narrative').length, { timeout: 5000 }).toBe(1);
    await table.idle();
    expect((await world.store.getCampaign(CHANNEL))?.turnCount).toBe(1);
    expect(spending.isWaiting(CHANNEL)).toBe(false);
    expect(waits).toHaveLength(1);
  });

  it("warns the operator once when the model's server reports no token usage, which the budgets cannot count", async () => {
    const spending = quietLedger(1000);
    const warnings: string[] = [];
    const watched = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(String(JSON.parse(line).msg)) });
    const base = dmResponder();
    world.fake.respondWith((request) => {
      const chosen = base(request);
      return 'kind' in chosen && chosen.kind === 'text' ? { ...chosen, usage: 'none' } : chosen;
    });
    const tables = world.openTables({ spending, logger: watched });
    const table = tables.of(CHANNEL);
    await table.start({ guildId: GUILD, premise: 'Pirates', tone: 'grim', startedBy: 'gm' });
    await table.idle();
    await table.submit({ id: 'a1', playerId: 'p1', playerName: 'Alice', text: 'I climb', source: 'message' });
    await table.idle();
    expect(warnings.filter((message) => message.includes('reported no token usage'))).toHaveLength(1);
    expect(await spending.spent({ guildId: GUILD, channelId: CHANNEL, tableDailyTokens: undefined })).toBeNull();
  });

  it('counts the tokens of a turn that failed after its narrative, but not as a turn', async () => {
    const spending = quietLedger(0);
    const base = dmResponder();
    let failResponses = false;
    world.fake.respondWith((request) => {
      if (phaseOf(request) === 'narrative') return reply.text('The deck tilts.', { usage: { promptTokens: 700, completionTokens: 40 } });
      if (failResponses && phaseOf(request) === 'response') return reply.serverError();
      return base(request);
    });
    const tables = world.openTables({ spending });
    const table = tables.of(CHANNEL);
    await table.start({ guildId: GUILD, premise: 'Pirates', tone: 'grim', startedBy: 'gm' });
    await table.idle();
    const before = await spending.report({ guildId: GUILD, channelId: CHANNEL, tableDailyTokens: undefined });
    failResponses = true;
    await table.submit({ id: 'a1', playerId: 'p1', playerName: 'Alice', text: 'I climb the mast', source: 'message' });
    await table.idle();
    // The turn failed (its action is kept), and its narrative's tokens are spent all the same.
    expect(await world.store.getWaiting(CHANNEL)).toEqual([expect.objectContaining({ id: 'a1' })]);
    await expect
      .poll(async () => (await spending.report({ guildId: GUILD, channelId: CHANNEL, tableDailyTokens: undefined })).channel.today.tokens)
      .toBe(before.channel.today.tokens + 740);
    const after = await spending.report({ guildId: GUILD, channelId: CHANNEL, tableDailyTokens: undefined });
    expect(after.channel.today.record.turns).toBe(before.channel.today.record.turns);
    expect(after.guild.today.tokens).toBe(before.guild.today.tokens + 740);
  });

  it("counts every delivered turn once, with its phases' models, and a summary fold for the table that folded it", async () => {
    const spending = createSpendingLedger({
      store: world.store,
      budgets: { dailyTokensPerGuild: 0, dailyTokensPerChannel: 0, actionsPerMinutePerPlayer: 0 },
      models: { ...MODELS, options: 'small', metadata: 'small' },
      prices: new Map(),
      logger,
      onWait: () => undefined,
    });
    const folded: string[] = [];
    const tables = world.openTables({
      summarise: async (input, channelId) => {
        folded.push(channelId);
        await spending.recordSummary({ channelId, model: 'small', usage: { promptTokens: 500, cachedPromptTokens: 0, completionTokens: 100 } });
        return `${input.summary} and more`;
      },
      spending,
    });
    const table = tables.of(CHANNEL);
    await table.start({ guildId: GUILD, premise: 'Pirates', tone: 'grim', startedBy: 'gm' });
    await table.idle();
    // Nine turns outside the summary: the oldest are folded once.
    for (let index = 1; index <= 9; index += 1) {
      await table.submit({ id: `a${index}`, playerId: 'p1', playerName: 'Alice', text: `action ${index}`, source: 'message' });
      await table.idle();
    }
    expect(folded).toEqual([CHANNEL]);
    const report = await spending.report({ guildId: GUILD, channelId: CHANNEL, tableDailyTokens: undefined });
    expect(report.channel.today.record.turns).toBe(10);
    expect(report.guild.month.record.turns).toBe(10);
    expect(report.channel.today.record.lines.map((line) => `${line.phase}/${line.model}`)).toEqual([
      'narrative/m',
      'response/m',
      'options/small',
      'metadata/small',
      'summary/small',
    ]);
    expect(report.channel.today.record.lines.at(-1)).toMatchObject({ promptTokens: 500, completionTokens: 100 });
    // One table in the guild: the same tokens, counted once in each.
    expect(report.channel.today.tokens).toBeGreaterThan(0);
    expect(report.guild.today.tokens).toBe(report.channel.today.tokens);
  });

  it("refuses a player's action past the per-minute rate, counting only the actions it took", async () => {
    const tables = world.openTables({ actionRate: createActionRate({ perMinute: 1 }) });
    const table = tables.of(CHANNEL);
    await table.start({ guildId: GUILD, premise: 'Pirates', tone: 'grim', startedBy: 'gm' });
    await table.idle();
    const action = (id: string, text: string) => ({ id, playerId: 'p1', playerName: 'Alice', text, source: 'message' as const });
    // Too long: refused before the rate is asked, so it costs nothing of it.
    expect((await table.submit(action('a0', 'x'.repeat(5000)))).status).toBe('too_long');
    expect((await table.submit(action('a1', 'I climb the mast'))).status).toMatch(/^(started|queued)$/);
    const fast = await table.submit(action('a2', 'I jump'));
    expect(fast).toMatchObject({ status: 'too_fast', perMinute: 1 });
    if (fast.status === 'too_fast') expect(fast.retryAt.getTime() - Date.now()).toBeGreaterThan(55_000);
    await table.idle();
    expect(world.fake.requests.filter((request) => phaseOf(request) === 'narrative').at(-1)?.messages[1]?.content).not.toContain('I jump');
  });
});
