import { describe, expect, it } from 'vitest';
import { checkNotation, rollCheck, withCheckRolled } from '../../src/campaign/option-check.ts';
import type { PlayerAction } from '../../src/dm/types.ts';

const sneak = { ability: 'DEX' as const, dice: 'd20', difficulty: 15 };

function dieOf(rolls: string): number {
  return Number(/^\[(\d+)\]/.exec(rolls)?.[1]);
}

describe('rolling a check on a click', () => {
  it("adds the clicker's modifier and judges the total against the difficulty", () => {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const result = rollCheck(sneak, { DEX: 3 });
      if (result === null) throw new Error('a d20+DEX check must roll');
      const die = dieOf(result.rolls);
      expect(die).toBeGreaterThanOrEqual(1);
      expect(die).toBeLessThanOrEqual(20);
      expect(result.rolls).toBe(`[${die}]+3`);
      expect(result.total).toBe(die + 3);
      expect(result.success).toBe(die + 3 >= 15);
      expect(result.expression).toBe('d20+DEX');
    }
  });

  it('rolls +0 without a sheet or without that ability, and leaves the judging to the DM without a difficulty', () => {
    const bare = rollCheck({ ability: 'STR', dice: 'd20', difficulty: null }, {});
    expect(bare?.rolls).toMatch(/^\[\d+\]\+0$/);
    expect(bare?.total).toBe(dieOf(bare?.rolls ?? ''));
    expect(bare?.success).toBeNull();
    const negative = rollCheck({ ability: 'WIS', dice: 'd20', difficulty: 10 }, { WIS: -1 });
    expect(negative?.rolls).toMatch(/^\[\d+\]-1$/);
    expect(checkNotation({ ability: null, dice: '2d6', difficulty: null })).toBe('2d6');
  });

  it("puts the roll on the clicker's action, with their character's name", () => {
    const action: PlayerAction = { id: 'c1', playerId: 'p1', playerName: 'Alice', text: 'Sneak past the guard', source: 'option', choice: { turnId: 't', index: 0 } };
    const rolled = withCheckRolled(action, sneak, { name: 'Vex', concept: '', description: '', modifiers: { DEX: 3 } });
    expect(rolled.check?.characterName).toBe('Vex');
    expect(rolled.check?.total).toBe(dieOf(rolled.check?.rolls ?? '') + 3);
    expect(withCheckRolled(action, sneak, undefined).check?.characterName).toBeUndefined();
    expect(withCheckRolled(action, { ability: null, dice: 'banana', difficulty: null }, undefined)).toBe(action);
  });
});
