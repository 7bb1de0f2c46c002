import type { PlayerAction } from '../dm/types.ts';
import { createTurnId } from './turn-id.ts';
import type { Campaign, StoredTurn, TurnSnapshot } from './types.ts';

/** A turn (or a GM narration) as it begins: numbered after the campaign's last delivered turn, not yet delivered. */
export function newTurn(input: {
  campaign: Campaign;
  kind: StoredTurn['kind'];
  actions: PlayerAction[];
  narrative?: string;
  before: TurnSnapshot;
}): StoredTurn {
  const { campaign } = input;
  return {
    turnId: createTurnId(),
    campaignId: campaign.campaignId,
    channelId: campaign.channelId,
    guildId: campaign.guildId,
    kind: input.kind,
    number: campaign.turnCount + 1,
    status: 'in_progress',
    actions: input.actions,
    narrative: input.narrative ?? '',
    response: '',
    options: [],
    usage: {},
    messageIds: [],
    startedAt: new Date().toISOString(),
    finishedAt: null,
    before: input.before,
  };
}
