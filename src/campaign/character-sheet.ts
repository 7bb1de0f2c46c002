import { ABILITIES, type Ability, type CharacterSheet } from '../dm/types.ts';

// A player's sheet as `/character set` builds it. Every field goes into every phase's prompt, so each is short and
// bounded; the modifiers feed rolls (`/roll d20+DEX`), so they are plain integers in a range the common d20 games
// use, never the player's raw text.

export const CHARACTER_NAME_MAX = 40;
export const CHARACTER_CONCEPT_MAX = 100;
export const CHARACTER_DESCRIPTION_MAX = 300;
export const MODIFIER_MIN = -5;
export const MODIFIER_MAX = 10;

export const MODIFIERS_EXAMPLE = 'STR +2 DEX +3 WIS -1';

export type SheetChanges = {
  name?: string | null | undefined;
  concept?: string | null | undefined;
  description?: string | null | undefined;
  modifiers?: string | null | undefined;
};

export type SheetResult = { ok: true; sheet: CharacterSheet } | { ok: false; problem: string };

/**
 * Parses `STR +2 DEX +3 WIS -1` (commas, colons and `=` allowed, any case). An empty text clears the modifiers;
 * an ability named twice, an unknown ability or a value out of range is refused with what was wrong.
 */
export function parseModifiers(text: string): { ok: true; modifiers: Partial<Record<Ability, number>> } | { ok: false; problem: string } {
  const modifiers: Partial<Record<Ability, number>> = {};
  const trimmed = text.trim();
  if (trimmed === '' || /^(none|-)$/i.test(trimmed)) return { ok: true, modifiers };
  const pattern = /([A-Za-z]+)\s*[:=]?\s*([+-]?\s*\d+)/y;
  let position = 0;
  const skip = () => {
    while (position < trimmed.length && /[\s,;]/.test(trimmed[position] ?? '')) position += 1;
  };
  skip();
  while (position < trimmed.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(trimmed);
    if (match === null) return { ok: false, problem: `I could not read the modifiers at "${trimmed.slice(position, position + 20)}". Write them like \`${MODIFIERS_EXAMPLE}\`.` };
    const name = (match[1] ?? '').toUpperCase();
    if (!isAbility(name)) return { ok: false, problem: `"${match[1]}" is not an ability. Use ${ABILITIES.join(', ')}, for example \`${MODIFIERS_EXAMPLE}\`.` };
    if (modifiers[name] !== undefined) return { ok: false, problem: `${name} is given twice.` };
    const value = Number((match[2] ?? '').replace(/\s+/g, ''));
    if (!Number.isInteger(value) || value < MODIFIER_MIN || value > MODIFIER_MAX) {
      return { ok: false, problem: `${name} ${match[2]} is out of range: each modifier is from ${MODIFIER_MIN} to +${MODIFIER_MAX}.` };
    }
    modifiers[name] = value;
    position = pattern.lastIndex;
    skip();
  }
  return { ok: true, modifiers };
}

/** The sheet after `changes` (a field left out keeps its value); a new sheet needs a name. */
export function applySheetChanges(existing: CharacterSheet | undefined, changes: SheetChanges): SheetResult {
  const name = changes.name == null ? existing?.name : oneLine(changes.name);
  if (name === undefined) return { ok: false, problem: 'Your character needs a name first, for example `/character set name: Vex`.' };
  if (name === '') return { ok: false, problem: 'A character name cannot be empty. Give one, for example `/character set name: Vex`.' };
  if (name.length > CHARACTER_NAME_MAX) return { ok: false, problem: `A character name is at most ${CHARACTER_NAME_MAX} characters.` };
  const concept = changes.concept == null ? (existing?.concept ?? '') : oneLine(changes.concept);
  if (concept.length > CHARACTER_CONCEPT_MAX) return { ok: false, problem: `A concept is at most ${CHARACTER_CONCEPT_MAX} characters.` };
  const description = changes.description == null ? (existing?.description ?? '') : oneLine(changes.description);
  if (description.length > CHARACTER_DESCRIPTION_MAX) return { ok: false, problem: `A description is at most ${CHARACTER_DESCRIPTION_MAX} characters.` };
  let modifiers = existing?.modifiers ?? {};
  if (changes.modifiers != null) {
    const parsed = parseModifiers(changes.modifiers);
    if (!parsed.ok) return parsed;
    modifiers = parsed.modifiers;
  }
  return { ok: true, sheet: { name, concept, description, modifiers } };
}

/** `STR +2 DEX +3 WIS -1`, in the fixed order of the abilities; '' when none. */
export function describeModifiers(modifiers: Partial<Record<Ability, number>>): string {
  return ABILITIES.filter((ability) => modifiers[ability] !== undefined)
    .map((ability) => `${ability} ${signed(modifiers[ability] ?? 0)}`)
    .join(' ');
}

export function signed(value: number): string {
  return value >= 0 ? `+${value}` : `${value}`;
}

export function isAbility(text: string): text is Ability {
  return (ABILITIES as readonly string[]).includes(text);
}

/** Sheet fields are shown on one line and quoted in the prompt: line breaks become spaces. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
