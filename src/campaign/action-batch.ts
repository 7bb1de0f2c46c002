import type { PlayerAction } from '../dm/types.ts';

// The bounds of one turn's batch. A new action is accepted only while the waiting list (acknowledged, not yet answered,
// kept ones included) is within the same bounds, so a busy channel can neither build an unbounded prompt nor an
// unbounded backlog. The running turn's batch is not counted: if that turn fails and its actions go back in front, the
// list holds up to two batches, and the next two turns answer them (takeBatch takes one batch at a time).

export const MAX_ACTIONS_PER_TURN = 10;
export const MAX_CHARACTERS_PER_TURN = 4000;
/** One action: a full Discord message (2000), and no more, since Nitro users can send 4000. */
export const MAX_ACTION_CHARACTERS = 2000;

/** How many of the waiting places one player may hold: a flood from one player leaves room for the others. */
export const MAX_WAITING_PER_PLAYER = MAX_ACTIONS_PER_TURN / 2;

/** Whether one more action fits behind those already waiting, within the table's bounds and the player's share. */
export function hasRoomFor(waiting: readonly PlayerAction[], action: PlayerAction): boolean {
  const mine = waiting.filter((waitingAction) => waitingAction.playerId === action.playerId).length;
  return (
    waiting.length < MAX_ACTIONS_PER_TURN &&
    mine < MAX_WAITING_PER_PLAYER &&
    characters(waiting) + action.text.length <= MAX_CHARACTERS_PER_TURN
  );
}

/**
 * The oldest waiting actions that fit in one turn (always at least one), and the rest, in their order. Fair: while
 * other players wait, no player takes more than half of the batch (one action each at least); a flooding player's
 * later actions stay waiting, first in line for the next turn, and the room goes to the others.
 */
export function takeBatch(waiting: readonly PlayerAction[]): { batch: PlayerAction[]; rest: PlayerAction[] } {
  const heldBack = new Set<string>();
  for (;;) {
    const batch = oldestThatFit(waiting.filter((action) => !heldBack.has(action.id)));
    const greedy = overShare(batch, waiting);
    if (greedy === null) {
      const taken = new Set(batch.map((action) => action.id));
      return { batch, rest: waiting.filter((action) => !taken.has(action.id)) };
    }
    const newest = batch.filter((action) => action.playerId === greedy).at(-1);
    if (newest === undefined) throw new Error('a player over their share has an action in the batch');
    heldBack.add(newest.id);
  }
}

function oldestThatFit(actions: readonly PlayerAction[]): PlayerAction[] {
  let count = 0;
  let total = 0;
  for (const action of actions) {
    if (count > 0 && (count >= MAX_ACTIONS_PER_TURN || total + action.text.length > MAX_CHARACTERS_PER_TURN)) break;
    count += 1;
    total += action.text.length;
  }
  return actions.slice(0, count);
}

/** A player holding more than half of the batch (and more than one action) while someone else has an action waiting. */
function overShare(batch: readonly PlayerAction[], waiting: readonly PlayerAction[]): string | null {
  const players = new Set(waiting.map((action) => action.playerId));
  if (players.size < 2) return null;
  const counts = new Map<string, number>();
  for (const action of batch) counts.set(action.playerId, (counts.get(action.playerId) ?? 0) + 1);
  for (const [playerId, count] of counts) {
    if (count > Math.max(1, batch.length - count)) return playerId;
  }
  return null;
}

/** Each action once, the first occurrence kept: a crash between two writes can leave an action in two places. */
export function uniqueActions(actions: readonly PlayerAction[]): PlayerAction[] {
  const seen = new Set<string>();
  return actions.filter((action) => {
    if (seen.has(action.id)) return false;
    seen.add(action.id);
    return true;
  });
}

function characters(actions: readonly PlayerAction[]): number {
  return actions.reduce((total, action) => total + action.text.length, 0);
}
