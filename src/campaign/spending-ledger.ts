import type { PhaseModels } from '../dm/orchestrator.ts';
import type { TurnUsage } from '../dm/types.ts';
import type { TokenUsage } from '../llm/types.ts';
import type { Logger } from '../logger.ts';
import {
  addToRecord,
  channelBudget,
  costOf,
  emptyRecord,
  linesOfTurn,
  nextUtcDay,
  spentBudget,
  tokensOf,
  utcDay,
  utcMonth,
  type Budgets,
  type ModelPrice,
  type SpendingLine,
  type SpendingRecord,
  type SpendingScope,
  type SpentBudget,
} from './spending.ts';
import type { CampaignStore, SpendingKey } from './types.ts';

// What the model costs, per guild and per channel, per UTC day and month, and the daily budgets checked against it.
// One ledger per process, shared by every table.
//
// Who writes. The ledger is the only writer of the spending keys. One guild lives on one gateway shard, so one
// process counts a guild and its channels; the ledger keeps the records of the current day and month it has used in
// memory, written through to the store, so a budget check costs no read after the first of the day. Additions to
// one key are chained in call order, each on the record the previous one left, so two turns that end together are
// both counted. A write that fails is logged and forgotten from memory: the store stays the truth.
//
// What counts. The provider's own report of each call: a turn once, when its last phase (metadata) has reported; a
// summary fold when it is written. A call that failed reports nothing and is not counted. A budget counts prompt
// (cached included) and completion tokens. Days and months are UTC: every budget is whole again at 00:00 UTC.
//
// Budgets are checked before the model is called, never during a turn: the turn that crosses a budget finishes.
// With no budget set (0), nothing is read at all.
//
// Waiting for the budget. A table whose next turn would start with its budget spent keeps its actions waiting and
// asks the ledger to wake it: at the reset (one timer for all such tables: they reset together) or when a GM changes
// the table's budget. Its players are told once per table, budget and day (`onWait`); a table woken by a GM that
// still finds the same budget spent is not announced again. A waiting table must not be let go (tables.ts asks
// `isWaiting`): the ledger holds its wake-up. Memory only: after a restart the table's recovery checks again, and
// tells its players again.
//
// What survives a restart: everything counted (the store). The cache is rebuilt from the store on first use.

/** Past midnight by this much before a waiting table looks again: the clock of the check must be in the new day. */
const RESET_SLACK_MS = 1000;

export type BudgetWait = { channelId: string; guildId: string; spent: SpentBudget; waiting: number; opening: boolean };

export type PeriodSpending = { record: SpendingRecord; tokens: number; cost: { dollars: number; unpriced: string[] } | null };

export type SpendingReport = {
  day: string;
  month: string;
  resetAt: Date;
  /** Budgets in tokens a day, 0 unlimited. The channel's is the table's own when it has one, else the ceiling. */
  channel: { budget: number; today: PeriodSpending; month: PeriodSpending };
  guild: { budget: number; today: PeriodSpending; month: PeriodSpending };
  tableDailyTokens: number | undefined;
  budgets: Budgets;
};

export type SpendingLedger = {
  /** The operator's ceilings. */
  readonly budgets: Budgets;
  /** The budget that keeps this table from playing today, or null. */
  spent(input: { guildId: string; channelId: string; tableDailyTokens: number | undefined }): Promise<SpentBudget | null>;
  /** Once per delivered turn; `unfinished`: a turn that failed or was stopped, whose tokens count but not the turn. */
  recordTurn(input: { guildId: string; channelId: string; usage: TurnUsage; unfinished?: boolean }): Promise<void>;
  /** A summary fold of the channel's campaign. Never rejects: a failure is logged. */
  recordSummary(input: { channelId: string; model: string; usage: TokenUsage | undefined }): Promise<void>;
  /** A whisper's private answer: tokens like a turn's, but not a turn. */
  recordWhisper(input: { guildId: string; channelId: string; model: string; usage: TokenUsage | undefined }): Promise<void>;
  report(input: { guildId: string; channelId: string; tableDailyTokens: number | undefined }): Promise<SpendingReport>;
  /** The table's turn waits for its budget: `wake` is called at the reset or when a GM changes the table's budget. */
  waitForBudget(input: BudgetWait & { wake(): void }): void;
  isWaiting(channelId: string): boolean;
  /** A GM changed the table's budget: a table waiting for it looks again now. */
  budgetChanged(channelId: string): void;
};

export function createSpendingLedger(options: {
  store: CampaignStore;
  budgets: Budgets;
  models: PhaseModels;
  prices: ReadonlyMap<string, ModelPrice>;
  logger: Logger;
  /** Tells a table's players that its turn waits for a budget (worded by whoever knows the channel). */
  onWait(wait: BudgetWait): void;
  now?: () => number;
}): SpendingLedger {
  const { store, budgets, models, prices, logger } = options;
  const now = options.now ?? Date.now;
  const logged = logger.child({ module: 'spending' });

  /** Records of the current day and month, by `scope:id:period`; a pending addition is part of its promise. */
  const cache = new Map<string, Promise<SpendingRecord>>();
  let cachedDay = '';

  const waits = new Map<string, () => void>();
  /** The last notice per channel (`scope:day`), so a table is told once per budget and day. */
  const noticed = new Map<string, string>();
  let resetTimer: NodeJS.Timeout | null = null;

  function keysOf(scope: SpendingScope, id: string, at: Date): [day: SpendingKey, month: SpendingKey] {
    return [
      { scope, id, period: utcDay(at) },
      { scope, id, period: utcMonth(at) },
    ];
  }

  function forgetPastPeriods(at: Date): void {
    const day = utcDay(at);
    if (day === cachedDay) return;
    cachedDay = day;
    const month = utcMonth(at);
    for (const id of cache.keys()) if (!id.endsWith(`:${day}`) && !id.endsWith(`:${month}`)) cache.delete(id);
  }

  function recordOf(key: SpendingKey): Promise<SpendingRecord> {
    const id = `${key.scope}:${key.id}:${key.period}`;
    const cached = cache.get(id);
    if (cached !== undefined) return cached;
    const loaded = store.getSpending(key).then((record) => record ?? emptyRecord());
    remember(id, loaded);
    return loaded;
  }

  function remember(id: string, record: Promise<SpendingRecord>): void {
    cache.set(id, record);
    record.catch(() => {
      if (cache.get(id) === record) cache.delete(id);
    });
  }

  async function add(keys: SpendingKey[], lines: SpendingLine[], turns: number): Promise<void> {
    forgetPastPeriods(new Date(now()));
    await Promise.all(
      keys.map(async (key) => {
        const next = recordOf(key).then(async (record) => {
          const updated = addToRecord(record, lines, turns);
          await store.saveSpending(key, updated);
          return updated;
        });
        remember(`${key.scope}:${key.id}:${key.period}`, next);
        await next.catch((error: unknown) => logged.warn({ err: error, key }, 'could not record spending'));
      }),
    );
  }

  async function usedToday(scope: SpendingScope, id: string, at: Date): Promise<number> {
    return tokensOf(await recordOf({ scope, id, period: utcDay(at) }));
  }

  function periodSpending(record: SpendingRecord): PeriodSpending {
    return { record, tokens: tokensOf(record), cost: prices.size === 0 ? null : costOf(record, prices) };
  }

  function wakeAll(): void {
    resetTimer = null;
    noticed.clear();
    const woken = [...waits.values()];
    waits.clear();
    for (const wake of woken) wake();
  }

  return {
    budgets,

    async spent({ guildId, channelId, tableDailyTokens }) {
      const channel = channelBudget(tableDailyTokens, budgets.dailyTokensPerChannel);
      const guild = budgets.dailyTokensPerGuild;
      if (channel === 0 && guild === 0) return null;
      const at = new Date(now());
      forgetPastPeriods(at);
      try {
        const [channelUsed, guildUsed] = await Promise.all([
          channel === 0 ? 0 : usedToday('channel', channelId, at),
          guild === 0 ? 0 : usedToday('guild', guildId, at),
        ]);
        return spentBudget({ now: at, channel: { used: channelUsed, budget: channel }, guild: { used: guildUsed, budget: guild } });
      } catch (error) {
        // A store that cannot be read must not silence every table: play goes on, and the failure is logged.
        logged.warn({ err: error, channelId }, 'could not read spending; the budget is not checked');
        return null;
      }
    },

    async recordTurn({ guildId, channelId, usage, unfinished }) {
      const lines = linesOfTurn(usage, models);
      const at = new Date(now());
      await add([...keysOf('guild', guildId, at), ...keysOf('channel', channelId, at)], lines, unfinished === true ? 0 : 1);
    },

    async recordSummary({ channelId, model, usage }) {
      if (usage === undefined) return;
      const campaign = await store.getCampaign(channelId).catch((error: unknown) => {
        logged.warn({ err: error, channelId }, 'could not find the guild of a summary; its tokens are not counted');
        return undefined;
      });
      if (campaign === undefined) return;
      const at = new Date(now());
      const lines: SpendingLine[] = [{ phase: 'summary', model, ...usage }];
      await add([...keysOf('guild', campaign.guildId, at), ...keysOf('channel', channelId, at)], lines, 0);
    },

    async recordWhisper({ guildId, channelId, model, usage }) {
      if (usage === undefined) return;
      const at = new Date(now());
      await add([...keysOf('guild', guildId, at), ...keysOf('channel', channelId, at)], [{ phase: 'whisper', model, ...usage }], 0);
    },

    async report({ guildId, channelId, tableDailyTokens }) {
      const at = new Date(now());
      forgetPastPeriods(at);
      const [channelDay, channelMonth] = keysOf('channel', channelId, at);
      const [guildDay, guildMonth] = keysOf('guild', guildId, at);
      const [channelToday, channelThisMonth, guildToday, guildThisMonth] = await Promise.all([
        recordOf(channelDay),
        recordOf(channelMonth),
        recordOf(guildDay),
        recordOf(guildMonth),
      ]);
      return {
        day: utcDay(at),
        month: utcMonth(at),
        resetAt: nextUtcDay(at),
        channel: {
          budget: channelBudget(tableDailyTokens, budgets.dailyTokensPerChannel),
          today: periodSpending(channelToday),
          month: periodSpending(channelThisMonth),
        },
        guild: { budget: budgets.dailyTokensPerGuild, today: periodSpending(guildToday), month: periodSpending(guildThisMonth) },
        tableDailyTokens,
        budgets,
      };
    },

    waitForBudget({ wake, ...wait }) {
      const at = now();
      const day = utcDay(new Date(at));
      waits.set(wait.channelId, wake);
      for (const [channelId, key] of noticed) if (!key.endsWith(`:${day}`)) noticed.delete(channelId);
      const key = `${wait.spent.scope}:${day}`;
      if (noticed.get(wait.channelId) !== key) {
        noticed.set(wait.channelId, key);
        options.onWait(wait);
      }
      if (resetTimer === null) {
        resetTimer = setTimeout(wakeAll, Math.max(0, wait.spent.resetAt.getTime() - at) + RESET_SLACK_MS);
        resetTimer.unref();
      }
    },

    isWaiting: (channelId) => waits.has(channelId),

    budgetChanged(channelId) {
      // A GM can change only the table's own budget: a wait for the guild's is not announced again.
      if (noticed.get(channelId)?.startsWith('channel:') === true) noticed.delete(channelId);
      const wake = waits.get(channelId);
      if (wake === undefined) return;
      waits.delete(channelId);
      wake();
    },
  };
}
