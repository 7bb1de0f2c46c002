import type { StoredTurn } from './types.ts';

/**
 * Whether a turn opens with a short "previously…": the table comes back after a long gap. The gap runs from the
 * last delivered turn (a GM narration counts: it already picked the story up again) to the moment this turn begins,
 * so a turn that fails and is played again later still recalls the story, and a reroll of that turn does too.
 * The opening has nothing to recall; a turn without a finish time (older records) is never taken for a gap.
 */
export function opensWithPreviously(input: {
  opening: boolean;
  lastDelivered: Pick<StoredTurn, 'finishedAt'> | undefined;
  nowMs: number;
  /** 0: never. */
  recapAfterMs: number;
}): boolean {
  if (input.opening || input.recapAfterMs <= 0) return false;
  const finishedAt = input.lastDelivered?.finishedAt;
  if (finishedAt === undefined || finishedAt === null) return false;
  const finishedMs = Date.parse(finishedAt);
  if (Number.isNaN(finishedMs)) return false;
  return input.nowMs - finishedMs >= input.recapAfterMs;
}
