import { RECENT_TURNS_KEPT, SNAPSHOTS_KEPT } from './store-keys.ts';
import type { StoredTurn } from './types.ts';

/**
 * A channel's recent turns after `changed` is written: each changed turn replaces the stored one with its id or comes
 * last, the oldest are dropped past RECENT_TURNS_KEPT, and snapshots are kept only as far back as undo reaches (older
 * ones would only make every write bigger). The store and the table's cache of it (table-store.ts) apply the same rule.
 */
export function mergeRecentTurns(stored: readonly StoredTurn[], changed: readonly StoredTurn[]): StoredTurn[] {
  const turns = [...stored];
  for (const turn of changed) {
    const position = turns.findIndex((kept) => kept.turnId === turn.turnId);
    if (position === -1) turns.push(turn);
    else turns[position] = turn;
  }
  turns.splice(0, Math.max(0, turns.length - RECENT_TURNS_KEPT));
  return turns.map((turn, index) => (index < turns.length - SNAPSHOTS_KEPT && turn.before !== undefined ? { ...turn, before: undefined } : turn));
}
