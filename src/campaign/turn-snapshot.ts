import type { SceneMetadata } from '../dm/types.ts';
import type { Campaign, TurnSnapshot } from './types.ts';

/** The part of the table a turn can change, as the turn found it. */
export function takeSnapshot(campaign: Campaign, scene: SceneMetadata | null, previousOptionsTurnId: string | null): TurnSnapshot {
  return {
    scene,
    summary: campaign.summary,
    summarisedThroughTurn: campaign.summarisedThroughTurn,
    party: campaign.party,
    turnCount: campaign.turnCount,
    previousOptionsTurnId,
  };
}

/** The campaign as it was before the snapshot's turn; settings, status and the log stay as they are now. */
export function campaignBefore(campaign: Campaign, snapshot: TurnSnapshot): Campaign {
  return {
    ...campaign,
    summary: snapshot.summary,
    summarisedThroughTurn: snapshot.summarisedThroughTurn,
    party: snapshot.party,
    turnCount: snapshot.turnCount,
    updatedAt: new Date().toISOString(),
  };
}
