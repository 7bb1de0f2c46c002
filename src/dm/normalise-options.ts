import { z } from 'zod';
import { ABILITIES, type Ability, type OptionCheck } from './types.ts';

// The model's options become 3-5 distinct, trimmed, non-empty actions whatever it returned,
// so a turn never fails or shows a broken row of buttons because of phase 3. An option may carry a check the DM
// calls for (what is tested, the dice, a difficulty); a check the model garbled is mended or dropped, never the turn.

export const MINIMUM_OPTIONS = 3;
export const MAXIMUM_OPTIONS = 5;
/** Full option text kept for the prompt; Discord labels are shortened separately. */
export const MAXIMUM_OPTION_LENGTH = 300;

export const SAFE_DEFAULT_OPTIONS = [
  'Look around carefully',
  'Talk to whoever is nearby',
  'Press on ahead',
  'Take a moment to rest and regroup',
  'Search for anything useful',
];

/**
 * What phase 3 asks for. Strict structured output can express it (every field present, nullable rather than
 * optional), and it still reads what small models send instead: the plain list of strings of before checks, an
 * option without its `check`, a check with a field missing or of the wrong type, an item that is neither. Such a part
 * becomes "no check" or is dropped, so one bad item never costs the turn its other options.
 */
export const optionsOutputSchema = z.object({
  options: z.preprocess(
    // Items that are neither text nor an option object are dropped before validation rather than caught after it: a
    // `.catch` here would put a `default` into the JSON schema, a keyword strict structured output refuses.
    (items) => (Array.isArray(items) ? items.filter(isOptionLike) : items),
    z.array(
      z.union([
        z.string(),
        z.object({
          text: z.string(),
          check: z
            .object({
              ability: z.string().nullable().catch(null).describe('STR, DEX, CON, INT, WIS or CHA; null when no ability applies'),
              dice: z.string().nullable().catch(null).describe('dice notation without modifiers, such as d20'),
              difficulty: z.number().nullable().catch(null).describe('the total to reach; null to judge the total yourself'),
            })
            .nullable()
            .catch(null),
        }),
      ]),
    ),
  ),
});

export type OptionsOutput = z.infer<typeof optionsOutputSchema>;

function isOptionLike(item: unknown): boolean {
  return typeof item === 'string' || (typeof item === 'object' && item !== null && typeof (item as { text?: unknown }).text === 'string');
}

export type OptionChoices = {
  options: string[];
  /** Beside `options`, index for index; undefined when no option is a check, so such a turn is exactly as before. */
  checks: (OptionCheck | null)[] | undefined;
};

/** Dice a check may use: the common polyhedral set, a few at most, so a button stays readable and a roll small. */
const CHECK_DICE_SIDES = new Set([4, 6, 8, 10, 12, 20, 100]);
const CHECK_DICE_MAX = 10;
const DEFAULT_CHECK_DICE = 'd20';
/** Beyond this, a difficulty is no longer a test of luck and skill but a typo. */
export const CHECK_DIFFICULTY_MAX = 40;

/** `normaliseOptionChoices` without the checks, for callers that need only the texts. */
export function normaliseOptions(candidates: readonly unknown[], { lastIsCut = false }: { lastIsCut?: boolean } = {}): string[] {
  return normaliseOptionChoices(candidates, { lastIsCut }).options;
}

/**
 * `lastIsCut`: the model was stopped by the token cap inside the list, so its last item is most likely half an option
 * ("Sea" for "Search the cellar") and is left out; the safe defaults make up the minimum as ever. A candidate is a
 * string or `{ text, check }`; anything else is skipped.
 */
export function normaliseOptionChoices(candidates: readonly unknown[], { lastIsCut = false }: { lastIsCut?: boolean } = {}): OptionChoices {
  if (lastIsCut) candidates = candidates.slice(0, -1);
  const options: string[] = [];
  const checks: (OptionCheck | null)[] = [];
  const seen = new Set<string>();
  const add = (candidate: string, check: OptionCheck | null): void => {
    const option = cleanOption(candidate);
    const key = option.toLocaleLowerCase();
    if (option === '' || seen.has(key) || options.length >= MAXIMUM_OPTIONS) return;
    seen.add(key);
    options.push(option);
    checks.push(check);
  };
  for (const candidate of candidates) {
    if (typeof candidate === 'string') add(candidate, null);
    else if (typeof candidate === 'object' && candidate !== null && 'text' in candidate && typeof candidate.text === 'string') {
      add(candidate.text, 'check' in candidate ? normaliseCheck(candidate.check) : null);
    }
  }
  for (const fallback of SAFE_DEFAULT_OPTIONS) {
    if (options.length >= MINIMUM_OPTIONS) break;
    add(fallback, null);
  }
  return { options, checks: checks.some((check) => check !== null) ? checks : undefined };
}

/**
 * A check as the model wrote it, made one the table can roll: an ability it names in any case or in full
 * ("dexterity"), dice it can read (else a d20, the check most games mean), a difficulty in range (else none, and the
 * DM judges). A check naming nothing at all is no check: strict output may fill every field with null.
 */
export function normaliseCheck(raw: unknown): OptionCheck | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const fields = raw as { ability?: unknown; dice?: unknown; difficulty?: unknown };
  let ability = abilityOf(fields.ability);
  let diceText = typeof fields.dice === 'string' ? fields.dice.replace(/\s+/g, '').toLowerCase() : '';
  // Models write the whole roll into `dice` ("d20+DEX") although told the modifier is added for them.
  const withAbility = /^(.*?)\+([a-z]{3,})$/.exec(diceText);
  if (withAbility !== null && abilityOf(withAbility[2]) !== null) {
    ability ??= abilityOf(withAbility[2]);
    diceText = withAbility[1] ?? '';
  }
  const difficulty = typeof fields.difficulty === 'number' && Number.isFinite(fields.difficulty) ? Math.round(fields.difficulty) : null;
  const dice = diceOf(diceText);
  if (ability === null && dice === null && difficulty === null) return null;
  return { ability, dice: dice ?? DEFAULT_CHECK_DICE, difficulty: difficulty !== null && difficulty >= 1 && difficulty <= CHECK_DIFFICULTY_MAX ? difficulty : null };
}

function abilityOf(value: unknown): Ability | null {
  if (typeof value !== 'string') return null;
  const short = value.trim().slice(0, 3).toUpperCase();
  return (ABILITIES as readonly string[]).includes(short) ? (short as Ability) : null;
}

function diceOf(text: string): string | null {
  const match = /^(\d{0,2})d(\d{1,3})$/.exec(text);
  if (match === null) return null;
  const count = match[1] === '' ? 1 : Number(match[1]);
  const sides = Number(match[2]);
  if (count < 1 || count > CHECK_DICE_MAX || !CHECK_DICE_SIDES.has(sides)) return null;
  return `${count === 1 ? '' : count}d${sides}`;
}

function cleanOption(text: string): string {
  const cleaned = text
    .replace(/\s+/g, ' ')
    .trim()
    // Models number or bullet their lists even when told not to.
    .replace(/^(?:\d+[.)]|[-*•])\s+/, '')
    .replace(/^["'“]+|["'”]+$/g, '')
    .trim();
  if (cleaned.length <= MAXIMUM_OPTION_LENGTH) return cleaned;
  // Never half an emoji: a cut between a surrogate pair's halves is text Discord and JSON stores can refuse.
  const cut = cleaned.slice(0, MAXIMUM_OPTION_LENGTH - 1).replace(/[\uD800-\uDBFF]$/u, '');
  return `${cut.trimEnd()}…`;
}
