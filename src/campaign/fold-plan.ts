import type { PastTurn } from '../dm/types.ts';
import { FOLD_WHEN_UNSUMMARISED, RECENT_TURNS_IN_PROMPT, unsummarisedTurns } from './build-turn-context.ts';
import type { Campaign, StoredTurn } from './types.ts';

export type Summariser = (input: { premise: string; summary: string; turns: PastTurn[] }) => Promise<string>;

/**
 * Real memory over long campaigns: once enough delivered turns have piled up outside the summary, the oldest of them
 * are folded into it, leaving the last RECENT_TURNS_IN_PROMPT verbatim. The summary is written by the model while the
 * table goes on, so a fold is planned from one state and applied only if that state still holds (foldStillApplies):
 * every delivered turn is folded exactly once, in order, and `summarisedThroughTurn` never skips one.
 */
export type FoldPlan = {
  campaignId: string;
  /** `summarisedThroughTurn` when the fold was planned: the fold continues exactly from there. */
  fromTurn: number;
  throughTurn: number;
  turnIds: string[];
  premise: string;
  summary: string;
  turns: PastTurn[];
};

/** At most this many turns in one fold: a summary that fell far behind catches up in steps the summariser can take. */
export const TURNS_PER_FOLD_AT_MOST = 12;

export function planFold(campaign: Campaign, turns: readonly StoredTurn[]): FoldPlan | null {
  const unsummarised = unsummarisedTurns(campaign, turns);
  if (unsummarised.length < FOLD_WHEN_UNSUMMARISED) return null;
  const toFold = unsummarised.slice(0, Math.min(unsummarised.length - RECENT_TURNS_IN_PROMPT, TURNS_PER_FOLD_AT_MOST));
  const last = toFold.at(-1);
  // Folding must start right after what the summary covers; a gap (a turn lost from the list) is never papered over.
  if (last === undefined || toFold[0]?.number !== campaign.summarisedThroughTurn + 1) return null;
  return {
    campaignId: campaign.campaignId,
    fromTurn: campaign.summarisedThroughTurn,
    throughTurn: last.number,
    turnIds: toFold.map((turn) => turn.turnId),
    premise: campaign.premise,
    summary: campaign.summary,
    turns: toFold.map((turn) => ({ kind: turn.kind, actions: turn.actions, narrative: turn.narrative, response: turn.response })),
  };
}

/**
 * The summary fell behind the channel's recent turns: the turn it must fold next has already dropped out of them (the
 * summariser failed or was slow while many turns, delivered or not, were written). The campaign's log still has it.
 */
export function foldFellBehind(campaign: Campaign, turns: readonly StoredTurn[]): boolean {
  const next = unsummarisedTurns(campaign, turns)[0];
  return next !== undefined && next.number > campaign.summarisedThroughTurn + 1;
}

/**
 * The table still is as the plan saw it: same campaign, same summary, and the folded turns still delivered. A folded
 * turn no longer among the recent turns counts as delivered: undo, reroll and the X-card only reach turns in that list.
 */
export function foldStillApplies(plan: FoldPlan, campaign: Campaign | undefined, turns: readonly StoredTurn[]): boolean {
  if (campaign === undefined || campaign.campaignId !== plan.campaignId || campaign.summarisedThroughTurn !== plan.fromTurn) return false;
  return plan.turnIds.every((turnId) => turns.every((turn) => turn.turnId !== turnId || turn.status === 'complete'));
}
