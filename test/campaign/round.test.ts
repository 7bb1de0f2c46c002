import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUND_SECONDS, roundDeadline, roundWaitsFor } from '../../src/campaign/round.ts';
import type { Campaign, StoredTurn } from '../../src/campaign/types.ts';
import type { PlayerAction } from '../../src/dm/types.ts';

const party = [
  { playerId: 'ana', name: 'Ana' },
  { playerId: 'bo', name: 'Bo' },
  { playerId: 'cy', name: 'Cy' },
  { playerId: 'di', name: 'Di' },
];
const campaign = { campaignId: 'c1', party } as unknown as Campaign;

function act(playerId: string): PlayerAction {
  return { id: `${playerId}-${Math.random()}`, playerId, playerName: playerId, text: 'I act', source: 'message' };
}

function turn(number: number, actors: string[]): StoredTurn {
  return { campaignId: 'c1', number, kind: 'turn', status: 'complete', actions: actors.map(act) } as unknown as StoredTurn;
}

describe('a round', () => {
  it('waits for the party members who acted in the last three turns and have nothing waiting', () => {
    // Di last acted four turns ago: the round does not wait for a player who has left the table.
    const turns = [turn(1, ['di']), turn(2, ['ana']), turn(3, ['bo']), turn(4, ['cy'])];
    expect(roundWaitsFor(campaign, turns, [act('ana')]).map((member) => member.name)).toEqual(['Bo', 'Cy']);
    expect(roundWaitsFor(campaign, turns, [act('ana'), act('bo'), act('cy')])).toEqual([]);
  });

  it('waits for nobody when nobody has played yet', () => {
    expect(roundWaitsFor(campaign, [], [act('ana')])).toEqual([]);
  });

  it('ends its wait at its time limit after the first action', () => {
    expect(roundDeadline(1000, undefined)).toBe(1000 + DEFAULT_ROUND_SECONDS * 1000);
    expect(roundDeadline(1000, 10)).toBe(11_000);
  });
});
