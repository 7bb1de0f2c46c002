import type { Summariser } from './fold-plan.ts';
import { createTable, type Table, type TableDependencies } from './table.ts';

/**
 * A table unused this long, with nothing in its queue, is let go (its state is all in the store): a bot in many servers
 * sees messages in many channels that never hold a campaign.
 */
const IDLE_TABLE_MS = 10 * 60 * 1000;
const SWEEP_EVERY_MS = 60 * 1000;

/** After the grace period, how long aborted turns get to write their "interrupted" mark. */
const ABORT_SETTLE_MS = 1500;
/** At shutdown, how long the last store writes may take once the turns have stopped (they take milliseconds). */
const WRITES_SETTLE_MS = 500;

export type Tables = {
  /** The owner of one channel's campaign (created on first use; one per channel for the life of the process). */
  of(channelId: string): Table;
  /**
   * At start-up: every table with a campaign in these guilds (the ones this process's shards own) answers what a crash
   * or a restart left unanswered. Another process's guilds are never touched.
   */
  recover(guildIds: readonly string[]): Promise<void>;
  /** Takes no new actions, lets running turns finish for `graceMs`, then interrupts them (answered at the next start). */
  shutdown(graceMs: number): Promise<void>;
  /** What the metrics' gauges show: tables in memory, tables playing, actions waiting in them. Reads nothing. */
  stats(): { loaded: number; playing: number; waitingActions: number };
};

/** What every table shares; each table adds its channel. */
type TablesDependencies = Omit<TableDependencies, 'channelId' | 'isShuttingDown' | 'summarise'> & {
  /** Told the channel, so that what a summary costs is counted for it. */
  summarise(input: Parameters<Summariser>[0], channelId: string): ReturnType<Summariser>;
};

export function createTables(dependencies: TablesDependencies): Tables {
  const tables = new Map<string, Table>();
  let shuttingDown = false;

  function of(channelId: string): Table {
    let table = tables.get(channelId);
    if (table === undefined) {
      table = createTable({
        ...dependencies,
        channelId,
        isShuttingDown: () => shuttingDown,
        summarise: (input) => dependencies.summarise(input, channelId),
      });
      tables.set(channelId, table);
    }
    return table;
  }

  // Letting go is safe because a table holds nothing the store does not: callers ask `of()` for each request and
  // never keep a table across an await, so the next request simply gets a fresh one.
  const sweep = setInterval(() => {
    for (const [channelId, table] of tables) {
      // A table waiting for its budget is woken through the ledger, which holds this very table.
      if (table.isIdleFor(IDLE_TABLE_MS) && dependencies.spending?.isWaiting(channelId) !== true) tables.delete(channelId);
    }
  }, SWEEP_EVERY_MS);
  sweep.unref();

  return {
    of,
    stats() {
      let playing = 0;
      let waitingActions = 0;
      for (const table of tables.values()) {
        if (table.isBusy()) playing += 1;
        waitingActions += table.waitingCount();
      }
      return { loaded: tables.size, playing, waitingActions };
    },
    async recover(guildIds) {
      const known = await dependencies.store.listTables(guildIds);
      for (const { channelId, guildId } of known) {
        await of(channelId)
          .recover(guildId)
          .catch((error: unknown) => dependencies.logger.error({ err: error, channelId }, 'could not recover a table'));
      }
    },
    async shutdown(graceMs) {
      shuttingDown = true;
      clearInterval(sweep);
      const turnsEnded = () => Promise.allSettled([...tables.values()].map((table) => table.whenTurnEnds()));
      await Promise.race([turnsEnded(), sleep(graceMs)]);
      for (const table of tables.values()) table.abortForShutdown();
      await Promise.race([turnsEnded(), sleep(ABORT_SETTLE_MS)]);
      // Waiting actions were stored before they were acknowledged; these are the turns' own last records.
      await Promise.race([Promise.allSettled([...tables.values()].map((table) => table.whenWritten())), sleep(WRITES_SETTLE_MS)]);
    },
  };
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds).unref());
}
