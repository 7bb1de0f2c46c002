import type { Ability, CharacterSheet, CheckResult, OptionCheck, PlayerAction } from '../dm/types.ts';
import { checkExpression, rollExpression } from './dice.ts';

// A check the DM called for on an option is rolled here, in code, when a player clicks it: the model only named what
// is tested and how hard. The clicker's modifier comes from their sheet; without a sheet, or without that ability on
// it, the modifier is +0 (unlike `/roll d20+DEX`, which refuses): the DM asked for the roll, and a click is no place
// for a form to fill in.

/** `d20+DEX`, or the bare dice when no ability is tested: what the button shows and the roll line repeats. */
export function checkNotation(check: OptionCheck): string {
  return check.ability === null ? check.dice : `${check.dice}+${check.ability}`;
}

/** Null only when the stored check cannot be rolled (a record edited by hand): the click then counts as a plain choice. */
export function rollCheck(check: OptionCheck, modifiers: Partial<Record<Ability, number>>): CheckResult | null {
  const expression = checkNotation(check);
  const checked = checkExpression(expression);
  if (!checked.ok) return null;
  const rolled = rollExpression(checked.checked, modifiers);
  if (!rolled.ok) return null;
  return {
    expression,
    rolls: rolled.rolls,
    total: rolled.total,
    difficulty: check.difficulty,
    success: check.difficulty === null ? null : rolled.total >= check.difficulty,
  };
}

/** The clicked action with its check rolled for the clicker (their sheet, if any, gives the modifier and the name). */
export function withCheckRolled(action: PlayerAction, check: OptionCheck, sheet: CharacterSheet | undefined): PlayerAction {
  const result = rollCheck(check, sheet?.modifiers ?? {});
  if (result === null) return action;
  return { ...action, check: sheet === undefined ? result : { ...result, characterName: sheet.name } };
}
