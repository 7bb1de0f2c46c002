import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCampaignStore } from '../../src/campaign/keyv-campaign-store.ts';
import type { Budgets } from '../../src/campaign/spending.ts';
import { createSpendingLedger, type BudgetWait } from '../../src/campaign/spending-ledger.ts';
import type { Campaign, CampaignStore } from '../../src/campaign/types.ts';
import type { TurnUsage } from '../../src/dm/types.ts';

// The ledger on a real SQLite store, with its clock in the test's hands.

const logger = pino({ level: 'silent' });
const models = { narrative: 'big', response: 'big', options: 'small', metadata: 'small' };
const GUILD = '1300000000000000001';
const TAVERN = '1200000000000000001';
const CELLAR = '1200000000000000002';

/** 1000 + 100 + 500 + 50 = 1650 tokens. */
const TURN: TurnUsage = {
  narrative: { promptTokens: 1000, cachedPromptTokens: 900, completionTokens: 100 },
  options: { promptTokens: 500, cachedPromptTokens: 0, completionTokens: 50 },
};

let directory: string;
let store: CampaignStore;
let time: number;
let waits: BudgetWait[];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'spending-'));
  store = await createCampaignStore({ url: `sqlite://${join(directory, 'dm.sqlite')}`, logger });
  time = Date.parse('2025-03-10T22:00:00Z');
  waits = [];
});

afterEach(async () => {
  vi.useRealTimers();
  await store.close();
  await rm(directory, { recursive: true, force: true });
});

function ledger(budgets: Partial<Budgets> = {}) {
  return createSpendingLedger({
    store,
    budgets: { dailyTokensPerGuild: 0, dailyTokensPerChannel: 0, actionsPerMinutePerPlayer: 0, ...budgets },
    models,
    prices: new Map([['big', { input: 1, cachedInput: 0.5, output: 2 }]]),
    logger,
    onWait: (wait) => void waits.push(wait),
    now: () => time,
  });
}

describe('the spending ledger', () => {
  it('counts turns per UTC day and month for the channel and the guild, and the store keeps them across a restart', async () => {
    const spending = ledger();
    await Promise.all([
      spending.recordTurn({ guildId: GUILD, channelId: TAVERN, usage: TURN }),
      spending.recordTurn({ guildId: GUILD, channelId: TAVERN, usage: TURN }),
      spending.recordTurn({ guildId: GUILD, channelId: CELLAR, usage: TURN }),
    ]);
    const report = await spending.report({ guildId: GUILD, channelId: TAVERN, tableDailyTokens: undefined });
    expect(report.day).toBe('2025-03-10');
    expect(report.month).toBe('2025-03');
    expect(report.resetAt.toISOString()).toBe('2025-03-11T00:00:00.000Z');
    expect(report.channel.today.tokens).toBe(3300);
    expect(report.channel.today.record.turns).toBe(2);
    expect(report.guild.today.tokens).toBe(4950);
    expect(report.guild.month.record.turns).toBe(3);
    expect(report.channel.today.record.lines).toEqual([
      { phase: 'narrative', model: 'big', promptTokens: 2000, cachedPromptTokens: 1800, completionTokens: 200 },
      { phase: 'options', model: 'small', promptTokens: 1000, cachedPromptTokens: 0, completionTokens: 100 },
    ]);
    // big: 200 uncached at $1, 1800 cached at $0.50, 200 out at $2 per million; small has no price.
    expect(report.channel.today.cost?.dollars).toBeCloseTo((200 * 1 + 1800 * 0.5 + 200 * 2) / 1_000_000, 12);
    expect(report.channel.today.cost?.unpriced).toEqual(['small']);

    // A new day: today starts empty, the month goes on. A new process reads the same from the store.
    time = Date.parse('2025-03-11T00:00:05Z');
    const restarted = ledger();
    await restarted.recordTurn({ guildId: GUILD, channelId: TAVERN, usage: TURN });
    const next = await restarted.report({ guildId: GUILD, channelId: TAVERN, tableDailyTokens: undefined });
    expect(next.channel.today.tokens).toBe(1650);
    expect(next.channel.month.tokens).toBe(4950);
    expect(next.guild.month.record.turns).toBe(4);
    expect(await store.getSpending({ scope: 'guild', id: GUILD, period: '2025-03-10' })).toMatchObject({ turns: 3 });
  });

  it('counts a summary fold for its channel and guild, without counting a turn', async () => {
    const spending = ledger();
    const campaign: Campaign = {
      campaignId: 'c1',
      channelId: TAVERN,
      guildId: GUILD,
      status: 'active',
      premise: 'Smugglers',
      tone: 'grim',
      summary: '',
      summarisedThroughTurn: 0,
      party: [],
      settings: { streaming: null, messages: 'actions', length: 'normal', limits: '' },
      startedBy: 'gm',
      createdAt: '2025-03-10T20:00:00Z',
      updatedAt: '2025-03-10T20:00:00Z',
      turnCount: 9,
      logLength: 9,
    };
    await store.saveCampaign(campaign);
    await spending.recordSummary({ channelId: TAVERN, model: 'small', usage: { promptTokens: 300, cachedPromptTokens: 0, completionTokens: 80 } });
    await spending.recordSummary({ channelId: TAVERN, model: 'small', usage: undefined });
    const report = await spending.report({ guildId: GUILD, channelId: TAVERN, tableDailyTokens: undefined });
    expect(report.guild.today.record).toEqual({
      turns: 0,
      lines: [{ phase: 'summary', model: 'small', promptTokens: 300, cachedPromptTokens: 0, completionTokens: 80 }],
    });
  });

  it("finds the table's budget, then the guild's, spent once today's tokens reach them; the next day they are whole", async () => {
    const spending = ledger({ dailyTokensPerChannel: 10_000, dailyTokensPerGuild: 4000 });
    const check = (channelId: string, tableDailyTokens?: number) => spending.spent({ guildId: GUILD, channelId, tableDailyTokens });
    expect(await check(TAVERN)).toBeNull();
    await spending.recordTurn({ guildId: GUILD, channelId: TAVERN, usage: TURN });
    expect(await check(TAVERN)).toBeNull();
    expect(await check(TAVERN, 1650)).toMatchObject({ scope: 'channel', used: 1650, budget: 1650 });
    await spending.recordTurn({ guildId: GUILD, channelId: TAVERN, usage: TURN });
    await spending.recordTurn({ guildId: GUILD, channelId: CELLAR, usage: TURN });
    expect(await check(CELLAR)).toEqual({ scope: 'guild', used: 4950, budget: 4000, resetAt: new Date('2025-03-11T00:00:00Z') });
    time = Date.parse('2025-03-11T00:00:00Z');
    expect(await check(CELLAR)).toBeNull();
  });

  it('reads nothing when no budget is set', async () => {
    const spending = ledger();
    const read = vi.spyOn(store, 'getSpending');
    expect(await spending.spent({ guildId: GUILD, channelId: TAVERN, tableDailyTokens: undefined })).toBeNull();
    expect(read).not.toHaveBeenCalled();
  });

  it('wakes a waiting table at the reset, and tells its players once per budget and day', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const spending = ledger({ dailyTokensPerChannel: 1000 });
    await spending.recordTurn({ guildId: GUILD, channelId: TAVERN, usage: TURN });
    const spent = await spending.spent({ guildId: GUILD, channelId: TAVERN, tableDailyTokens: undefined });
    expect(spent).not.toBeNull();
    if (spent === null) return;
    let woken = 0;
    const wait = { channelId: TAVERN, guildId: GUILD, spent, waiting: 2, opening: false, wake: () => void (woken += 1) };
    spending.waitForBudget(wait);
    spending.waitForBudget(wait);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ channelId: TAVERN, waiting: 2, spent: { scope: 'channel' } });
    expect(spending.isWaiting(TAVERN)).toBe(true);

    // Two hours to midnight.
    vi.advanceTimersByTime(2 * 60 * 60 * 1000 - 1);
    expect(woken).toBe(0);
    vi.advanceTimersByTime(1001);
    expect(woken).toBe(1);
    expect(spending.isWaiting(TAVERN)).toBe(false);

    // The next day the same budget spent again is news.
    time = Date.parse('2025-03-11T09:00:00Z');
    spending.waitForBudget({ ...wait, spent: { ...spent, resetAt: new Date('2025-03-12T00:00:00Z') } });
    expect(waits).toHaveLength(2);
  });

  it("wakes a waiting table when a GM changes its budget, and tells again when the table's budget runs out again", () => {
    const spending = ledger({ dailyTokensPerChannel: 1000 });
    const resetAt = new Date('2025-03-11T00:00:00Z');
    let woken = 0;
    const wait = (scope: 'channel' | 'guild') => ({
      channelId: TAVERN,
      guildId: GUILD,
      spent: { scope, used: 1000, budget: 1000, resetAt },
      waiting: 1,
      opening: false,
      wake: () => void (woken += 1),
    });
    spending.budgetChanged(TAVERN);
    expect(woken).toBe(0);
    spending.waitForBudget(wait('channel'));
    spending.budgetChanged(TAVERN);
    expect(woken).toBe(1);
    spending.waitForBudget(wait('channel'));
    expect(waits).toHaveLength(2);
    // Now the guild's: a GM cannot change it, so waking the table again does not repeat its notice.
    spending.budgetChanged(TAVERN);
    spending.waitForBudget(wait('guild'));
    spending.budgetChanged(TAVERN);
    spending.waitForBudget(wait('guild'));
    expect(waits.map((notice) => notice.spent.scope)).toEqual(['channel', 'channel', 'guild']);
  });
});
