import type { PlayerAction } from '../dm/types.ts';
import type { Campaign } from './types.ts';

/** Anyone who acts joins the party; a changed display name is picked up. */
export function joinParty(campaign: Campaign, actions: PlayerAction[]): Campaign {
  const party = [...campaign.party];
  for (const action of actions) {
    const member = party.find((existing) => existing.playerId === action.playerId);
    if (member === undefined) party.push({ playerId: action.playerId, name: action.playerName });
    else if (member.name !== action.playerName) party[party.indexOf(member)] = { ...member, name: action.playerName };
  }
  return { ...campaign, party };
}
