import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ACTIONS_PER_TURN, MAX_CHARACTERS_PER_TURN, takeBatch } from '../../src/campaign/action-batch.ts';
import type { PlayerAction } from '../../src/dm/types.ts';

function action(playerId: string, index: number, length = 20): PlayerAction {
  return { id: `${playerId}-${index}`, playerId, playerName: playerId, text: 'x'.repeat(length), source: 'message' };
}

describe('the batch of a turn', () => {
  it('does not let one flooding player take more than half of it while others wait', () => {
    const waiting = [...Array.from({ length: 8 }, (_, index) => action('ana', index)), action('bo', 0), action('cy', 0)];
    const { batch, rest } = takeBatch(waiting);
    expect(batch.map((taken) => taken.id)).toEqual(['ana-0', 'ana-1', 'bo-0', 'cy-0']);
    // Ana's later actions wait, first in line, in their order.
    expect(rest.map((left) => left.id)).toEqual(['ana-2', 'ana-3', 'ana-4', 'ana-5', 'ana-6', 'ana-7']);
  });

  it('lets a player alone at the table fill the batch', () => {
    const waiting = Array.from({ length: 12 }, (_, index) => action('ana', index));
    expect(takeBatch(waiting).batch).toHaveLength(MAX_ACTIONS_PER_TURN);
  });

  it('keeps its bounds, its order and every action, and is fair, for any waiting list', () => {
    const waitingLists = fc
      .array(fc.record({ player: fc.constantFrom('ana', 'bo', 'cy', 'di'), length: fc.integer({ min: 0, max: 2000 }) }), { maxLength: 10 })
      .map((entries) => entries.map((entry, index) => action(entry.player, index, entry.length)));
    fc.assert(
      fc.property(waitingLists, (waiting) => {
        const { batch, rest } = takeBatch(waiting);
        expect([...batch, ...rest].map((taken) => taken.id).sort()).toEqual(waiting.map((taken) => taken.id).sort());
        const order = (list: PlayerAction[]) => list.map((taken) => waiting.indexOf(taken));
        expect(order(batch)).toEqual([...order(batch)].sort((left, right) => left - right));
        expect(order(rest)).toEqual([...order(rest)].sort((left, right) => left - right));
        if (waiting.length > 0) expect(batch.length).toBeGreaterThan(0);
        expect(batch.length).toBeLessThanOrEqual(MAX_ACTIONS_PER_TURN);
        if (batch.length > 1) expect(batch.reduce((total, taken) => total + taken.text.length, 0)).toBeLessThanOrEqual(MAX_CHARACTERS_PER_TURN);
        if (new Set(waiting.map((taken) => taken.playerId)).size > 1) {
          for (const player of new Set(batch.map((taken) => taken.playerId))) {
            const mine = batch.filter((taken) => taken.playerId === player).length;
            expect(mine).toBeLessThanOrEqual(Math.max(1, batch.length - mine));
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
