import type { ZodType } from 'zod';
import type { SceneMetadata } from '../dm/types.ts';
import type { TokenUsage } from '../llm/types.ts';
import type { Logger } from '../logger.ts';
import { createKeyv } from './create-keyv.ts';
import type { StoreConnection } from './create-keyv.ts';
import {
  campaignSchema,
  inProgressIndexSchema,
  optionSetSchema,
  recentTurnsSchema,
  sceneMetadataSchema,
  usageTotalsSchema,
} from './schemas.ts';
import type { TurnReference } from './schemas.ts';
import {
  campaignKey,
  channelUsageKey,
  guildUsageKey,
  inProgressKey,
  OPTION_SET_TTL_MS,
  optionSetKey,
  RECENT_TURNS_KEPT,
  recentTurnsKey,
  sceneKey,
} from './store-keys.ts';
import type { CampaignStore, StoredTurn, UsageTotals } from './types.ts';

// Read-modify-write keys (a channel's turns, the in-progress index, usage totals) are serialised by an
// in-process lock. That is enough because one guild lives on one gateway shard, so every write about a channel
// comes from one process (DESIGN §3). The in-progress index is the one key shared by all processes on a redis:
// two processes updating it at the same instant can lose one entry, which at worst leaves a crashed turn
// unmarked after a restart; the turn's own record (in its channel's list) is always right.

export async function createCampaignStore(options: { url: string; logger: Logger }): Promise<CampaignStore> {
  const connection = await createKeyv(options);
  return buildCampaignStore(connection, options.logger);
}

function buildCampaignStore(connection: StoreConnection, logger: Logger): CampaignStore {
  const { keyv } = connection;
  const lock = createKeyedLock();

  async function read<T>(key: string, schema: ZodType<T>): Promise<T | undefined> {
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

  async function updateInProgressIndex(update: (references: TurnReference[]) => TurnReference[]): Promise<void> {
    await lock.run(inProgressKey, async () => {
      const references = (await read(inProgressKey, inProgressIndexSchema)) ?? [];
      await write(inProgressKey, update(references));
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

    getScene: (channelId) => read(sceneKey(channelId), sceneMetadataSchema),
    saveScene: (channelId, scene: SceneMetadata) => write(sceneKey(channelId), scene),

    getRecentTurns: async (channelId) => (await read(recentTurnsKey(channelId), recentTurnsSchema)) ?? [],

    startOver: (channelId) => {
      const key = recentTurnsKey(channelId);
      return lock.run(key, async () => {
        const turns = (await read(key, recentTurnsSchema)) ?? [];
        // Buttons of the previous campaign stay in Discord: they must answer "that choice has passed".
        for (const turn of turns) {
          const optionSet = await read(optionSetKey(turn.turnId), optionSetSchema);
          if (optionSet?.live) await write(optionSetKey(turn.turnId), { ...optionSet, live: false }, OPTION_SET_TTL_MS);
        }
        await keyv.delete(key);
        await keyv.delete(sceneKey(channelId));
        await updateInProgressIndex((references) => references.filter((reference) => reference.channelId !== channelId));
      });
    },

    saveTurn: (turn) => {
      const key = recentTurnsKey(turn.channelId);
      // The index is updated inside the channel's lock, so two saves of one turn reach the index in their order.
      return lock.run(key, async () => {
        const turns = (await read(key, recentTurnsSchema)) ?? [];
        const position = turns.findIndex((stored) => stored.turnId === turn.turnId);
        if (position === -1) turns.push(turn);
        else turns[position] = turn;
        const dropped = turns.splice(0, Math.max(0, turns.length - RECENT_TURNS_KEPT));
        await write(key, turns);

        // A turn that fell off the list can no longer be found, so it leaves the index whatever its status.
        const leaving = new Set(dropped.map((stored) => stored.turnId));
        if (turn.status !== 'in_progress') leaving.add(turn.turnId);
        const staysInProgress = turn.status === 'in_progress' && !leaving.has(turn.turnId);
        await updateInProgressIndex((references) => {
          const kept = references.filter(
            (reference) => !(reference.channelId === turn.channelId && leaving.has(reference.turnId)),
          );
          const listed = kept.some((reference) => reference.turnId === turn.turnId);
          if (staysInProgress && !listed) kept.push({ channelId: turn.channelId, turnId: turn.turnId });
          return kept;
        });
      });
    },

    getOptionSet: (turnId) => read(optionSetKey(turnId), optionSetSchema),
    saveOptionSet: (optionSet) => write(optionSetKey(optionSet.turnId), optionSet, OPTION_SET_TTL_MS),

    listTurnsInProgress: async () => {
      const references = (await read(inProgressKey, inProgressIndexSchema)) ?? [];
      const turnsByChannel = new Map<string, StoredTurn[]>();
      const found: StoredTurn[] = [];
      for (const reference of references) {
        let turns = turnsByChannel.get(reference.channelId);
        if (turns === undefined) {
          turns = (await read(recentTurnsKey(reference.channelId), recentTurnsSchema)) ?? [];
          turnsByChannel.set(reference.channelId, turns);
        }
        // The index can briefly lag the turn's own record (a save between the two writes): the record wins.
        const turn = turns.find((stored) => stored.turnId === reference.turnId);
        if (turn?.status === 'in_progress') found.push(turn);
      }
      return found;
    },

    // Call once per turn with the turn's summed usage: each call counts one turn.
    addUsage: async (scope, usage) => {
      await addToTotals(guildUsageKey(scope.guildId), usage);
      await addToTotals(channelUsageKey(scope.channelId), usage);
    },
    getUsage: async (scope) => {
      const key = scope.kind === 'guild' ? guildUsageKey(scope.id) : channelUsageKey(scope.id);
      return (await read(key, usageTotalsSchema)) ?? emptyTotals();
    },

    close: async () => {
      // Let writes already under way finish, so a shutdown does not lose the turn being saved.
      await lock.idle();
      await connection.close();
    },
  };
}

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
