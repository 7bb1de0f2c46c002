import { describe, expect, it } from 'vitest';
import { checkExpression, MAX_DICE, MAX_SIDES, rollExpression } from '../../src/campaign/dice.ts';

function checked(text: string) {
  const result = checkExpression(text);
  if (!result.ok) throw new Error(`refused ${text}: ${result.problem}`);
  return result.checked;
}

function problemOf(text: string): string {
  const result = checkExpression(text);
  if (result.ok) throw new Error(`accepted ${text}`);
  return result.problem;
}

describe('dice expressions', () => {
  it.each(['2d6+3', '4d6kh3', '2d20kl1', '3d6!', 'd%', '4dF', '{2d6, 1d20}kh1', 'floor(d20/2)', `${MAX_DICE}d${MAX_SIDES}`, '50d6+50d6'])('accepts %s and rolls it within its range', (text) => {
    const rolled = rollExpression(checked(text), {});
    expect(rolled.ok).toBe(true);
    if (rolled.ok) expect(Number.isInteger(rolled.total)).toBe(true);
  });

  it('shows each die and the total, as the library rolled them', () => {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const rolled = rollExpression(checked('2d6+3'), {});
      if (!rolled.ok) throw new Error(rolled.problem);
      const dice = /^\[(\d), (\d)\]\+3$/.exec(rolled.rolls);
      expect(dice).not.toBeNull();
      expect(Number(dice?.[1]) + Number(dice?.[2]) + 3).toBe(rolled.total);
    }
  });

  it.each([
    ['999d9999', `more than ${MAX_DICE} dice`],
    ['101d6', `more than ${MAX_DICE} dice`],
    ['60d6+41d6', `more than ${MAX_DICE} dice`],
    ['{60d6,41d6}kh1', `more than ${MAX_DICE} dice`],
    ['d1001', `at most ${MAX_SIDES} sides`],
    ['99999999999999999d6', `more than ${MAX_DICE} dice`],
    ['', 'Give the dice'],
    ['   ', 'Give the dice'],
    ['2d6+', 'not dice notation'],
    ['1e9d6', 'not dice notation'],
    ['hello', 'neither dice notation nor an ability'],
    ['d20+LUCK', 'neither dice notation nor an ability'],
    ['2d6 # a comment', 'characters dice notation does not use'],
    ['2d6 [fire]', 'characters dice notation does not use'],
    ['<@123> d6', 'characters dice notation does not use'],
    ['7', 'no dice'],
    ['3DEX', 'apart from the number'],
    [`${'1+'.repeat(60)}d6`, 'too long'],
  ])('refuses %j before rolling (%s)', (text, expected) => {
    expect(problemOf(text)).toContain(expected);
  });

  it('names the abilities it uses, and puts in the roller’s modifiers with the signs folded', () => {
    expect(checked('d20+DEX').abilities).toEqual(['DEX']);
    expect(checked('d20 + str - wis').abilities).toEqual(['STR', 'WIS']);
    for (let attempt = 0; attempt < 30; attempt += 1) {
      const plus = rollExpression(checked('d20+DEX'), { DEX: 3 });
      const minus = rollExpression(checked('d20+DEX'), { DEX: -1 });
      const twice = rollExpression(checked('d20-WIS'), { WIS: -2 });
      if (!plus.ok || !minus.ok || !twice.ok) throw new Error('refused');
      expect(plus.rolls).toMatch(/^\[\d+\]\+3$/);
      expect(minus.rolls).toMatch(/^\[\d+\]-1$/);
      expect(twice.rolls).toMatch(/^\[\d+\]\+2$/);
      expect(plus.total).toBeGreaterThanOrEqual(4);
      expect(plus.total).toBeLessThanOrEqual(23);
    }
  });

  it('refuses what the library itself cannot roll, or a total too large to show', () => {
    const looping = rollExpression(checked('1d1!'), {});
    expect(looping.ok).toBe(false);
    const huge = rollExpression(checked('9**9**9*d6'), {});
    expect(huge.ok).toBe(false);
  });
});
