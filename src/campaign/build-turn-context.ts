import type { PlayerAction, SceneMetadata, TurnContext } from '../dm/types.ts';
import type { Campaign, StoredTurn } from './types.ts';

/** Turns kept verbatim once older ones are folded into the campaign's running summary. */
export const RECENT_TURNS_IN_PROMPT = 6;
/**
 * Folding waits until this many turns are not yet in the summary, so one summary call covers several turns.
 * It is also the prompt's hard bound if folding keeps failing.
 */
export const FOLD_WHEN_UNSUMMARISED = 9;

export function buildTurnContext(input: {
  turnId: string;
  campaign: Campaign;
  scene: SceneMetadata | undefined;
  recentTurns: StoredTurn[];
  actions: PlayerAction[];
  streaming: boolean;
}): TurnContext {
  const unsummarised = input.recentTurns.filter(
    (turn) => turn.status === 'complete' && turn.number > input.campaign.summarisedThroughTurn,
  );
  return {
    turnId: input.turnId,
    campaign: {
      id: input.campaign.channelId,
      premise: input.campaign.premise,
      tone: input.campaign.tone,
      summary: input.campaign.summary,
      party: input.campaign.party,
    },
    scene: input.scene ?? null,
    recentTurns: unsummarised.slice(-FOLD_WHEN_UNSUMMARISED).map((turn) => ({
      actions: turn.actions,
      narrative: turn.narrative,
      response: turn.response,
    })),
    actions: input.actions,
    streaming: input.streaming,
  };
}
