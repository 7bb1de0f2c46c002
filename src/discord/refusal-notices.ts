// Which refused channel messages get a public notice ("Name: The DM already has a full table…").
//
// The rule: at most one public notice per player per turn. A turn is told apart by the campaign's id and its count of
// delivered turns (`turnCount`), which the table puts in its refusal: the count grows when a turn (or a GM narration) is
// delivered, so from one delivery to the next exactly one turn is written, and the notice's own words ("hold that
// thought until this turn ends") stay true until it does. Once the player has had a notice for a turn, their later
// refusals in that turn post nothing: no message, no request to Discord, nothing spent of the channel's write budget
// that the DM's streaming text needs. A new notice is allowed once that turn has been delivered (the count moved, or a
// new campaign began), or at the latest after `QUIET_MS`, so a turn that never delivers (stopped by the GM, a model
// that keeps failing) cannot silence a player for good. Whatever the reason of the refusal (full, too long, restarting),
// it is the same one notice: a flood is a flood.
//
// Why the count and not `table.isBusy()`: a busy table cannot tell one turn from the next when a turn starts straight
// after the previous one delivers (the waiting list is full: the usual case in a flood), and the intake only looks at
// the table when a message arrives.
//
// Memory is bounded: an entry is worth keeping only for `QUIET_MS`, so entries older than that are dropped (the map is
// kept in the order entries were written, oldest first, so dropping is from the front), and the map never holds more
// than `MAX_ENTRIES` (the oldest go first; at worst a player gets a second notice in a turn).

/** After this long a player may get a notice again even if the turn has not been delivered. */
export const QUIET_MS = 60_000;
/** Players remembered at most, over all channels. */
export const MAX_ENTRIES = 10_000;

export type RefusalNotices = {
  /** Whether this refusal gets a public notice; when it does, the player's later refusals in `turn` do not. */
  shouldPost(input: { channelId: string; playerId: string; turn: string }): boolean;
  /** Players remembered now (for tests). */
  size(): number;
};

type Entry = { turn: string; at: number };

export function createRefusalNotices(options: { quietMs?: number; maxEntries?: number; now?: () => number } = {}): RefusalNotices {
  const quietMs = options.quietMs ?? QUIET_MS;
  const maxEntries = options.maxEntries ?? MAX_ENTRIES;
  const now = options.now ?? Date.now;
  /** By channel and player; oldest written first. */
  const noticed = new Map<string, Entry>();

  function forgetOld(at: number): void {
    for (const [key, entry] of noticed) {
      if (at - entry.at < quietMs && noticed.size <= maxEntries) return;
      noticed.delete(key);
    }
  }

  return {
    shouldPost({ channelId, playerId, turn }) {
      const at = now();
      forgetOld(at);
      const key = `${channelId}:${playerId}`;
      const entry = noticed.get(key);
      if (entry !== undefined && entry.turn === turn) return false;
      // Deleted first so that the entry moves to the end: the map stays ordered by time.
      noticed.delete(key);
      noticed.set(key, { turn, at });
      forgetOld(at);
      return true;
    },
    size: () => noticed.size,
  };
}
