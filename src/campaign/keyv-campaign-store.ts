import type { ZodType } from 'zod';
import type { Keyv } from 'keyv';
import type { PlayerAction } from '../dm/types.ts';
import type { TokenUsage } from '../llm/types.ts';
import type { Logger } from '../logger.ts';
import { createKeyv } from './create-keyv.ts';
import type { StoreConnection } from './create-keyv.ts';
import { mergeRecentTurns } from './recent-turns.ts';
import { StoreUnreachableError } from './store-failure.ts';
import {
  campaignSchema,
  characterSheetsSchema,
  loreEntriesSchema,
  storedWhispersSchema,
  optionSetSchema,
  recentTurnsSchema,
  spendingRecordSchema,
  storedRollsSchema,
  storedSceneSchema,
  storedTurnSchema,
  tablesIndexSchema,
  usageTotalsSchema,
  waitingActionsSchema,
} from './schemas.ts';
import {
  campaignKey,
  channelUsageKey,
  charactersKey,
  guildUsageKey,
  logEntryKey,
  loreKey,
  whispersKey,
  OPTION_SET_TTL_MS,
  optionSetKey,
  recentTurnsKey,
  rollsKey,
  sceneKey,
  spendingKey,
  spendingTtlMs,
  guildTablesKey,
  legacyTablesKey,
  waitingKey,
} from './store-keys.ts';
import type { CampaignStore, StoredTurn, TableReference, UsageTotals } from './types.ts';

// Plain reads and writes; the table owner (table.ts) is the only writer of a channel's records and decides the order.
// Read-modify-write keys (a channel's turns, a guild's index of tables, usage totals) are also serialised by an
// in-process lock, so two writes never interleave inside one process. Across processes no key is read-modify-written
// by two of them: a guild lives on one gateway shard and so in one process, and every such key belongs to one guild
// or one of its channels. The spending keys (per UTC day and month) are added to by the spending ledger, which chains
// its own writes of each key (spending-ledger.ts). The index older versions kept for every table is only read.

/** The four calls the store makes, each failure turned into StoreUnreachableError (so callers can say what failed). */
function reportingUnreachable(keyv: Keyv<unknown>) {
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw new StoreUnreachableError(error);
    }
  };
  return {
    get: (key: string) => guard(() => keyv.get(key)),
    getMany: (keys: string[]) => guard(() => keyv.getMany(keys)),
    set: (key: string, value: unknown, ttl?: number) => guard(() => keyv.set(key, value, ttl)),
    delete: (key: string) => guard(() => keyv.delete(key)),
  };
}

export async function createCampaignStore(options: { url: string; logger: Logger }): Promise<CampaignStore> {
  const connection = await createKeyv(options);
  return buildCampaignStore(connection, options.logger);
}

function buildCampaignStore(connection: StoreConnection, logger: Logger): CampaignStore {
  const keyv = reportingUnreachable(connection.keyv);
  const lock = createKeyedLock();

  async function read<T>(key: string, schema: ZodType<T, unknown>): Promise<T | undefined> {
    const value = await keyv.get(key);
    if (value === undefined) return undefined;
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    logger.warn({ key, issues: parsed.error.issues.slice(0, 5) }, 'stored value failed validation; treated as absent');
    return undefined;
  }

  async function write(key: string, value: unknown, ttlMilliseconds?: number): Promise<void> {
    await keyv.set(key, value, ttlMilliseconds);
  }

  async function updateTables(guildId: string, update: (tables: TableReference[]) => TableReference[]): Promise<void> {
    const key = guildTablesKey(guildId);
    await lock.run(key, async () => {
      const tables = update((await read(key, tablesIndexSchema)) ?? []);
      if (tables.length === 0) await keyv.delete(key);
      else await write(key, tables);
    });
  }

  async function addToTotals(key: string, usage: TokenUsage): Promise<void> {
    await lock.run(key, async () => {
      const totals = (await read(key, usageTotalsSchema)) ?? emptyTotals();
      await write(key, {
        promptTokens: totals.promptTokens + usage.promptTokens,
        completionTokens: totals.completionTokens + usage.completionTokens,
        cachedPromptTokens: totals.cachedPromptTokens + usage.cachedPromptTokens,
        turns: totals.turns + 1,
      } satisfies UsageTotals);
    });
  }

  return {
    getCampaign: (channelId) => read(campaignKey(channelId), campaignSchema),
    saveCampaign: (campaign) => write(campaignKey(campaign.channelId), campaign),

    getScene: (channelId) => read(sceneKey(channelId), storedSceneSchema),
    saveScene: (channelId, scene) => write(sceneKey(channelId), scene),
    deleteScene: async (channelId) => {
      await keyv.delete(sceneKey(channelId));
    },

    getRecentTurns: async (channelId) => (await read(recentTurnsKey(channelId), recentTurnsSchema)) ?? [],
    saveTurns: (channelId, changed) => {
      const key = recentTurnsKey(channelId);
      return lock.run(key, async () => {
        await write(key, mergeRecentTurns((await read(key, recentTurnsSchema)) ?? [], changed));
      });
    },
    deleteTurns: (channelId) => {
      const key = recentTurnsKey(channelId);
      return lock.run(key, async () => {
        await keyv.delete(key);
      });
    },

    getWaiting: async (channelId) => (await read(waitingKey(channelId), waitingActionsSchema)) ?? [],
    saveWaiting: async (channelId, actions: PlayerAction[]) => {
      if (actions.length === 0) await keyv.delete(waitingKey(channelId));
      else await write(waitingKey(channelId), actions);
    },

    getRolls: async (channelId) => (await read(rollsKey(channelId), storedRollsSchema)) ?? [],
    saveRolls: async (channelId, rolls) => {
      if (rolls.length === 0) await keyv.delete(rollsKey(channelId));
      else await write(rollsKey(channelId), rolls);
    },

    getCharacters: async (campaignId) => (await read(charactersKey(campaignId), characterSheetsSchema)) ?? {},
    saveCharacters: (campaignId, sheets) => write(charactersKey(campaignId), sheets),

    getLore: async (campaignId) => (await read(loreKey(campaignId), loreEntriesSchema)) ?? [],
    saveLore: async (campaignId, entries) => {
      if (entries.length === 0) await keyv.delete(loreKey(campaignId));
      else await write(loreKey(campaignId), entries);
    },
    getWhispers: async (campaignId) => (await read(whispersKey(campaignId), storedWhispersSchema)) ?? [],
    saveWhispers: async (campaignId, whispers) => {
      if (whispers.length === 0) await keyv.delete(whispersKey(campaignId));
      else await write(whispersKey(campaignId), whispers);
    },

    getOptionSet: (turnId) => read(optionSetKey(turnId), optionSetSchema),
    saveOptionSet: (optionSet) => write(optionSetKey(optionSet.turnId), optionSet, OPTION_SET_TTL_MS),

    saveLogEntry: (campaignId, index, turn) => write(logEntryKey(campaignId, index), { ...turn, before: undefined }),
    getLog: async (campaignId, length) => {
      const keys = Array.from({ length }, (_, index) => logEntryKey(campaignId, index));
      const entries: StoredTurn[] = [];
      // In slices: one request per entry would be slow on a long campaign, one request for all of them too big.
      for (let start = 0; start < keys.length; start += 100) {
        const values = await keyv.getMany(keys.slice(start, start + 100));
        for (const value of values) {
          const parsed = storedTurnSchema.safeParse(value);
          if (parsed.success) entries.push(parsed.data);
        }
      }
      return entries;
    },

    listTables: async (guildIds) => {
      const own = new Set(guildIds);
      const [legacy, ...perGuild] = await Promise.all([
        read(legacyTablesKey, tablesIndexSchema),
        ...guildIds.map((guildId) => read(guildTablesKey(guildId), tablesIndexSchema)),
      ]);
      const tables = perGuild.flatMap((listed) => listed ?? []);
      // An entry of the old shared index that this process owns is listed too; the table re-adds itself to its
      // guild's index when it recovers an unfinished campaign, so the old key is only ever read.
      for (const table of legacy ?? []) {
        if (own.has(table.guildId) && !tables.some((listed) => listed.channelId === table.channelId)) tables.push(table);
      }
      return tables;
    },
    addTable: (table) =>
      updateTables(table.guildId, (tables) => [...tables.filter((existing) => existing.channelId !== table.channelId), table]),
    removeTable: (table) => updateTables(table.guildId, (tables) => tables.filter((existing) => existing.channelId !== table.channelId)),

    // Call once per turn with the turn's summed usage: each call counts one turn.
    addUsage: async (scope, usage) => {
      await addToTotals(guildUsageKey(scope.guildId), usage);
      await addToTotals(channelUsageKey(scope.channelId), usage);
    },
    getUsage: async (scope) => {
      const key = scope.kind === 'guild' ? guildUsageKey(scope.id) : channelUsageKey(scope.id);
      return (await read(key, usageTotalsSchema)) ?? emptyTotals();
    },

    // The spending ledger adds to these in one process (spending-ledger.ts): here they are plain reads and writes.
    getSpending: ({ scope, id, period }) => read(spendingKey(scope, id, period), spendingRecordSchema),
    saveSpending: ({ scope, id, period }, record) => write(spendingKey(scope, id, period), record, spendingTtlMs(period)),

    ping: async () => {
      // A key nobody writes: the read goes to the database (Keyv has no cache) and costs one indexed lookup.
      await keyv.get(PING_KEY);
    },

    close: async () => {
      // Let writes already under way finish, so a shutdown does not lose the turn being saved.
      await lock.idle();
      await connection.close();
    },
  };
}

/** Read by ping(), never written. */
const PING_KEY = 'dm:v1:ping';

function emptyTotals(): UsageTotals {
  return { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0, turns: 0 };
}

/** Runs tasks for the same key one after another, in call order; tasks for other keys run freely. */
function createKeyedLock() {
  const tails = new Map<string, Promise<void>>();

  return {
    async run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      let release = () => {};
      const current = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => current);
      tails.set(key, tail);
      await previous;
      try {
        return await task();
      } finally {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    async idle(): Promise<void> {
      while (tails.size > 0) await Promise.all(tails.values());
    },
  };
}
