import type { PartyMember, PlayerAction } from '../dm/types.ts';

/** Anyone who acts joins the party; a changed display name is picked up. */
export function joinParty(party: readonly PartyMember[], actions: readonly PlayerAction[]): PartyMember[] {
  const joined = [...party];
  for (const action of actions) {
    const position = joined.findIndex((existing) => existing.playerId === action.playerId);
    const member = joined[position];
    if (member === undefined) joined.push({ playerId: action.playerId, name: action.playerName });
    else if (member.name !== action.playerName) joined[position] = { ...member, name: action.playerName };
  }
  return joined;
}
