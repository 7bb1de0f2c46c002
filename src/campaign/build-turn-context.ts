import type { PlayerAction, SceneMetadata, TurnContext } from '../dm/types.ts';
import type { Campaign, StoredTurn } from './types.ts';

/** Turns kept verbatim once older ones are folded into the campaign's running summary. */
export const RECENT_TURNS_IN_PROMPT = 6;
/**
 * Folding waits until this many turns are not yet in the summary, so one summary call covers several turns.
 * It is also the prompt's hard bound if folding keeps failing.
 */
export const FOLD_WHEN_UNSUMMARISED = 9;

/** Whether a stored turn is one of this campaign's. Turns stored before campaigns had ids carry '' and are the current campaign's. */
export function belongsTo(turn: StoredTurn, campaign: Campaign): boolean {
  return turn.campaignId === campaign.campaignId || turn.campaignId === '';
}

/** This campaign's delivered turns (narrations included), oldest first. */
export function deliveredTurns(campaign: Campaign, turns: readonly StoredTurn[]): StoredTurn[] {
  return turns.filter((turn) => belongsTo(turn, campaign) && turn.status === 'complete').sort((first, second) => first.number - second.number);
}

/** Delivered turns of this campaign that the running summary does not cover yet, oldest first. */
export function unsummarisedTurns(campaign: Campaign, turns: readonly StoredTurn[]): StoredTurn[] {
  return deliveredTurns(campaign, turns).filter((turn) => turn.number > campaign.summarisedThroughTurn);
}

export function buildTurnContext(input: {
  turnId: string;
  campaign: Campaign;
  scene: SceneMetadata | undefined;
  recentTurns: StoredTurn[];
  actions: PlayerAction[];
  opening: boolean;
  streaming: boolean;
}): TurnContext {
  const { campaign } = input;
  return {
    turnId: input.turnId,
    campaign: {
      id: campaign.campaignId,
      premise: campaign.premise,
      tone: campaign.tone,
      summary: campaign.summary,
      party: campaign.party,
    },
    opening: input.opening,
    scene: input.scene ?? null,
    rules: { length: campaign.settings.length, limits: campaign.settings.limits },
    recentTurns: unsummarisedTurns(campaign, input.recentTurns)
      .slice(-FOLD_WHEN_UNSUMMARISED)
      .map((turn) => ({ kind: turn.kind, actions: turn.actions, narrative: turn.narrative, response: turn.response })),
    actions: input.actions,
    streaming: input.streaming,
  };
}
