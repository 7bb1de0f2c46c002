import type { PlayerAction } from '../dm/types.ts';
import { createTurnId } from './turn-id.ts';
import type { Campaign, StoredTurn } from './types.ts';

/** A turn that has been asked for and not yet delivered: what a crash or a shutdown leaves to be answered again. */
export function newTurn(campaign: Campaign, actions: PlayerAction[]): StoredTurn {
  return {
    turnId: createTurnId(),
    channelId: campaign.channelId,
    guildId: campaign.guildId,
    number: campaign.turnCount + 1,
    status: 'in_progress',
    actions,
    narrative: '',
    response: '',
    options: [],
    usage: {},
    messageIds: [],
    startedAt: new Date().toISOString(),
    finishedAt: null,
  };
}
