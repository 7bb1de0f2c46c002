import type { PlayerAction } from '../dm/types.ts';

// The bounds of one turn's batch. The waiting list (actions acknowledged and not yet answered, kept ones included)
// is held to the same bounds, so a busy channel can neither build an unbounded prompt nor an unbounded backlog.

export const MAX_ACTIONS_PER_TURN = 10;
export const MAX_CHARACTERS_PER_TURN = 4000;
/** One action: a full Discord message (2000), and no more, since Nitro users can send 4000. */
export const MAX_ACTION_CHARACTERS = 2000;

/** Whether one more action fits behind those already waiting. */
export function hasRoomFor(waiting: readonly PlayerAction[], action: PlayerAction): boolean {
  return waiting.length < MAX_ACTIONS_PER_TURN && characters(waiting) + action.text.length <= MAX_CHARACTERS_PER_TURN;
}

/** The oldest waiting actions that fit in one turn (always at least one), and the rest. */
export function takeBatch(waiting: readonly PlayerAction[]): { batch: PlayerAction[]; rest: PlayerAction[] } {
  let count = 0;
  let total = 0;
  for (const action of waiting) {
    if (count > 0 && (count >= MAX_ACTIONS_PER_TURN || total + action.text.length > MAX_CHARACTERS_PER_TURN)) break;
    count += 1;
    total += action.text.length;
  }
  return { batch: waiting.slice(0, count), rest: waiting.slice(count) };
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
