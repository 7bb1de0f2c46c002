import { DiceRoll, Parser } from '@dice-roller/rpg-dice-roller';
import type { Ability } from '../dm/types.ts';
import { isAbility } from './character-sheet.ts';

// Dice expressions from players, checked before a single die is rolled: the library will happily roll a pool of a
// million dice (and print every one), so the pool is measured on the parsed notation first. Abilities (`d20+DEX`)
// are the player's modifiers, put in as plain numbers; everything else is the library's notation.

export const MAX_DICE = 100;
export const MAX_SIDES = 1000;
/** Longer than any sensible roll; keeps the parser's work and the echoed text small. */
export const MAX_EXPRESSION_CHARACTERS = 100;
/** The rolls as shown; exploding dice can add many, and the message must stay well within Discord's 2000. */
const MAX_ROLLS_CHARACTERS = 600;

export const DICE_EXAMPLES = '`2d6+3`, `4d6kh3` (keep the highest 3), `2d20kl1` (disadvantage), `3d6!` (exploding) or `d20+DEX`';

/** Words the notation itself uses (math functions); any other word of three letters or more must be an ability. */
const NOTATION_WORDS = new Set(['abs', 'ceil', 'cos', 'exp', 'floor', 'log', 'max', 'min', 'pow', 'round', 'sign', 'sin', 'sqrt', 'tan']);

/** No description comments (`#` and `[…]`), no markdown or mentions: only what dice notation needs. */
const ALLOWED_CHARACTERS = /^[0-9A-Za-z+\-*/%^(){}<>=!,.\s]+$/;

export type CheckedExpression = { expression: string; abilities: Ability[] };

export type Checked = { ok: true; checked: CheckedExpression } | { ok: false; problem: string };

export type Rolled = { ok: true; rolls: string; total: number } | { ok: false; problem: string };

/** Whether `text` is a roll we will make: syntax, the size of the pool and the abilities it names. Rolls nothing. */
export function checkExpression(text: string): Checked {
  const expression = text.replace(/\s+/g, ' ').trim();
  if (expression === '') return refuse('Give the dice to roll.');
  if (expression.length > MAX_EXPRESSION_CHARACTERS) return refuse(`That expression is too long (at most ${MAX_EXPRESSION_CHARACTERS} characters).`);
  if (!ALLOWED_CHARACTERS.test(expression)) return refuse(`\`${shownExpression(expression)}\` has characters dice notation does not use.`);
  const abilities: Ability[] = [];
  for (const match of expression.matchAll(/[A-Za-z]+/g)) {
    const word = match[0];
    if (word.length < 3 || NOTATION_WORDS.has(word.toLowerCase())) continue;
    const ability = word.toUpperCase();
    if (!isAbility(ability)) return refuse(`"${word}" is neither dice notation nor an ability (STR, DEX, CON, INT, WIS, CHA).`);
    const before = expression[(match.index ?? 0) - 1];
    if (before !== undefined && /[0-9.]/.test(before)) return refuse(`Write ${ability} apart from the number before it, as in \`d20+${ability}\`.`);
    if (!abilities.includes(ability)) abilities.push(ability);
  }
  // The parser refuses numbers past its own range with a syntax error; a player who asked for a billion dice should
  // hear that it is too many, not that the notation is wrong.
  for (const match of expression.matchAll(/(\d+)\s*d/gi)) if (Number(match[1]) > MAX_DICE) return refuse(`That is more than ${MAX_DICE} dice at once.`);
  for (const match of expression.matchAll(/d\s*(\d+)/gi)) if (Number(match[1]) > MAX_SIDES) return refuse(`A die has at most ${MAX_SIDES} sides.`);
  const measured = measure(withAbilities(expression, () => 0));
  if (!measured.ok) return measured;
  return { ok: true, checked: { expression, abilities } };
}

/**
 * Rolls a checked expression with the roller's modifiers (every ability it names must be in `modifiers`). The pool
 * is measured again after the modifiers are in, so nothing larger than what was checked is ever rolled.
 */
export function rollExpression(checked: CheckedExpression, modifiers: Partial<Record<Ability, number>>): Rolled {
  const notation = withAbilities(checked.expression, (ability) => modifiers[ability] ?? 0);
  const measured = measure(notation);
  if (!measured.ok) return measured;
  let roll: DiceRoll;
  try {
    roll = new DiceRoll(notation);
  } catch {
    return refuse(`\`${shownExpression(checked.expression)}\` cannot be rolled.`);
  }
  const total = roll.total;
  if (!Number.isFinite(total) || Math.abs(total) > Number.MAX_SAFE_INTEGER) return refuse('That roll gives a number too large to show.');
  return { ok: true, rolls: shortened(rollsOf(roll)), total };
}

/** Puts each ability's modifier in as a number, folding signs so `d20+DEX` with DEX -1 reads `d20-1`. */
function withAbilities(expression: string, modifierOf: (ability: Ability) => number): string {
  return expression.replace(/([+-]?)(\s*)([A-Za-z]{3,})/g, (whole, sign: string, space: string, word: string) => {
    const ability = word.toUpperCase();
    if (!isAbility(ability)) return whole;
    const value = modifierOf(ability);
    if (sign === '') return value < 0 ? `(${value})` : `${value}`;
    const negative = (sign === '-') !== (value < 0);
    return `${negative ? '-' : '+'}${space}${Math.abs(value)}`;
  });
}

type Measured = { ok: true } | { ok: false; problem: string };

/** The pool as the parser sees it: dice counted over every group, sides of each die. */
function measure(notation: string): Measured {
  let parsed: unknown[];
  try {
    parsed = Parser.parse(notation);
  } catch {
    return refuse(`\`${shownExpression(notation)}\` is not dice notation I can read.`);
  }
  let dice = 0;
  let largest = 0;
  const visit = (item: unknown): void => {
    if (Array.isArray(item)) {
      item.forEach(visit);
      return;
    }
    if (typeof item !== 'object' || item === null) return;
    if ('expressions' in item) visit((item as { expressions: unknown }).expressions);
    if ('qty' in item && 'sides' in item) {
      const { qty, sides } = item as { qty: unknown; sides: unknown };
      dice += typeof qty === 'number' ? qty : Number.POSITIVE_INFINITY;
      // Percentile dice have 100 sides, fudge dice 3; a number the library did not give is refused as too large.
      const count = typeof sides === 'number' ? sides : sides === '%' ? 100 : String(sides).startsWith('F') ? 3 : Number.POSITIVE_INFINITY;
      largest = Math.max(largest, count);
    }
  };
  visit(parsed);
  if (dice === 0) return refuse('There are no dice in that expression.');
  if (dice > MAX_DICE) return refuse(`That is more than ${MAX_DICE} dice at once.`);
  if (largest > MAX_SIDES) return refuse(`A die has at most ${MAX_SIDES} sides.`);
  return { ok: true };
}

/** The library's own account of the dice (`[14, 3d]+3`): its output without the notation and the total. */
function rollsOf(roll: DiceRoll): string {
  const output = roll.output;
  const start = output.indexOf(': ');
  const end = output.lastIndexOf(' = ');
  return start !== -1 && end > start ? output.slice(start + 2, end) : roll.rolls.map(String).join('');
}

function shortened(rolls: string): string {
  return rolls.length <= MAX_ROLLS_CHARACTERS ? rolls : `${rolls.slice(0, MAX_ROLLS_CHARACTERS - 1)}…`;
}

function shownExpression(expression: string): string {
  return expression.replaceAll('`', "'").slice(0, MAX_EXPRESSION_CHARACTERS);
}

function refuse(problem: string): { ok: false; problem: string } {
  return { ok: false, problem };
}
