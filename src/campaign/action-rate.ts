// How often one player may act: at most `perMinute` accepted actions in any 60 s (ACTIONS_PER_MINUTE_PER_PLAYER; 0 is
// unlimited), so that one player flooding a table cannot spend its budget alone nor crowd the others out of a turn.
//
// The rules. A player is known by guild and user: the same person at two tables of a server shares one allowance (one
// guild lives in one process, so the count is whole). Only actions a table took count: a refused one (too long, the
// batch full, the budget spent, too fast itself) costs nothing, so a refusal never lengthens the wait it announces.
// `take` decides and counts in one step, inside the table's queue task just before the action is stored.
//
// Memory only: a restart forgets the last minute, which at worst lets a player act `perMinute` times more once. The
// map is bounded: a player's entry is worth keeping for one window, entries are kept in the order they were last
// written (oldest first, so forgetting is from the front), and never more than `MAX_PLAYERS`.

export const RATE_WINDOW_MS = 60_000;
/** Players remembered at most; past this the oldest are forgotten (at worst one of them may act again sooner). */
const MAX_PLAYERS = 20_000;

export type ActionRate = {
  readonly perMinute: number;
  /** null: taken and counted; otherwise when the player may act again. */
  take(player: { guildId: string; playerId: string }): Date | null;
};

/** When someone whose accepted actions were at `times` (oldest first) may act again at `now`: null for now. */
export function nextActionAt(times: readonly number[], now: number, perMinute: number, windowMs = RATE_WINDOW_MS): number | null {
  if (perMinute <= 0) return null;
  const recent = times.filter((time) => now - time < windowMs);
  if (recent.length < perMinute) return null;
  // The oldest action that keeps the window full must leave it.
  return (recent[recent.length - perMinute] ?? now) + windowMs;
}

export function createActionRate(options: { perMinute: number; now?: () => number; maxPlayers?: number }): ActionRate {
  const { perMinute } = options;
  const now = options.now ?? Date.now;
  const maxPlayers = options.maxPlayers ?? MAX_PLAYERS;
  /** Accepted actions of the last window, oldest first, by player; the map ordered by last write. */
  const actions = new Map<string, number[]>();

  function forgetOld(at: number): void {
    for (const [key, times] of actions) {
      const newest = times.at(-1) ?? 0;
      if (at - newest < RATE_WINDOW_MS && actions.size <= maxPlayers) return;
      actions.delete(key);
    }
  }

  return {
    perMinute,
    take({ guildId, playerId }) {
      if (perMinute <= 0) return null;
      const at = now();
      forgetOld(at);
      const key = `${guildId}:${playerId}`;
      const times = actions.get(key) ?? [];
      const next = nextActionAt(times, at, perMinute);
      if (next !== null) return new Date(next);
      const kept = [...times.filter((time) => at - time < RATE_WINDOW_MS), at].slice(-perMinute);
      actions.delete(key);
      actions.set(key, kept);
      forgetOld(at);
      return null;
    },
  };
}
