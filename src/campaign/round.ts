import type { PlayerAction } from '../dm/types.ts';
import { deliveredTurns } from './build-turn-context.ts';
import type { Campaign, StoredTurn } from './types.ts';

// Round mode (`/gm config rounds:on`): the DM waits until everyone who has been playing has acted, or until the
// round's time runs out, and then answers the whole round in one turn. Pure: the table keeps the clock.

export const DEFAULT_ROUND_SECONDS = 60;
export const ROUND_SECONDS_RANGE = { min: 10, max: 600 } as const;
/** Who "has been playing": the party members with an action of their own in this many of the latest turns. */
export const ROUND_LOOKBACK_TURNS = 3;

export type RoundMember = { playerId: string; name: string };

/** The party members the round still waits for: they acted in the latest turns and have no action waiting. */
export function roundWaitsFor(campaign: Campaign, turns: readonly StoredTurn[], waiting: readonly PlayerAction[]): RoundMember[] {
  const played = deliveredTurns(campaign, turns).filter((turn) => turn.kind === 'turn' && turn.actions.length > 0);
  const recent = new Set(played.slice(-ROUND_LOOKBACK_TURNS).flatMap((turn) => turn.actions.map((action) => action.playerId)));
  const ready = new Set(waiting.map((action) => action.playerId));
  return campaign.party.filter((member) => recent.has(member.playerId) && !ready.has(member.playerId)).map(({ playerId, name }) => ({ playerId, name }));
}

/** When a round opened at `openedAt` stops waiting. */
export function roundDeadline(openedAt: number, roundSeconds: number | undefined): number {
  return openedAt + (roundSeconds ?? DEFAULT_ROUND_SECONDS) * 1000;
}
