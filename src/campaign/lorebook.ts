import type { LoreFact, PastTurn, PlayerAction } from '../dm/types.ts';
import type { LoreEntry } from './types.ts';

// The GM's lorebook (`/gm lore`): facts about places, people and things, each called into the prompt by its key words.
// A campaign can hold many more facts than a prompt should carry, so only the entries whose key words the table is
// talking about go in, within a small budget; the rest cost nothing. Keys and facts are the GM's words: bounded here,
// quoted where the prompt shows them (render-context.ts).

export const LORE_TEXT_MAX = 500;
/** One key word or phrase ("the Drowned Bell"): long enough for a name, short enough to be a key. */
export const LORE_KEY_MAX = 40;
/** Keys of one entry: a few spellings and nicknames; more would match nearly every turn. */
export const LORE_KEYS_PER_ENTRY = 10;
/** What the `key` option accepts in all (the comma-separated list). */
export const LORE_KEYS_TEXT_MAX = 200;
/** Entries per campaign: the whole lorebook is read at every turn, so it stays one small record. */
export const LORE_ENTRIES_MAX = 100;
/** Tokens (chars / 4) the lore section may take: a few facts, never a second campaign summary. */
export const LORE_TOKEN_BUDGET = 400;

export const LORE_EXAMPLE = '/gm lore add key: Vell, drowned bell text: The bell of Vell rang the night the city sank.';

export type LoreProblem = { ok: false; problem: string };

/** Splits the GM's comma-separated key words; duplicates (any case) and extra spaces go, bad keys are refused. */
export function parseLoreKeys(text: string): { ok: true; keys: string[] } | LoreProblem {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const key = part.replace(/\s+/g, ' ').trim();
    if (key === '') continue;
    if ([...key].length > LORE_KEY_MAX) return { ok: false, problem: `The key "${key.slice(0, LORE_KEY_MAX)}…" is too long: each key word or name is at most ${LORE_KEY_MAX} characters.` };
    if (!/[\p{L}\p{N}]/u.test(key)) return { ok: false, problem: `The key "${key}" has no letter or digit, so no story text could ever match it.` };
    const folded = fold(key);
    if (seen.has(folded)) continue;
    seen.add(folded);
    keys.push(key);
  }
  if (keys.length === 0) return { ok: false, problem: `Give at least one key word, separated by commas, for example \`${LORE_EXAMPLE}\`.` };
  if (keys.length > LORE_KEYS_PER_ENTRY) return { ok: false, problem: `An entry has at most ${LORE_KEYS_PER_ENTRY} key words; this one has ${keys.length}.` };
  return { ok: true, keys };
}

export type LoreAdded = { ok: true; entries: LoreEntry[]; entry: LoreEntry; replaced: boolean };

/**
 * The lorebook with a new fact. An entry with exactly the same key words is replaced rather than doubled, so a GM
 * corrects a fact by adding it again.
 */
export function addLore(entries: readonly LoreEntry[], request: { keys: string; text: string; at: string }): LoreAdded | LoreProblem {
  const parsed = parseLoreKeys(request.keys);
  if (!parsed.ok) return parsed;
  const text = request.text.trim();
  if (text === '') return { ok: false, problem: `The fact cannot be empty, for example \`${LORE_EXAMPLE}\`.` };
  if ([...text].length > LORE_TEXT_MAX) return { ok: false, problem: `A fact is at most ${LORE_TEXT_MAX} characters; this one has ${[...text].length}. Split it into two entries.` };
  const entry: LoreEntry = { keys: parsed.keys, text, addedAt: request.at };
  const same = entries.findIndex((existing) => sameKeys(existing.keys, parsed.keys));
  if (same !== -1) return { ok: true, entries: entries.map((existing, index) => (index === same ? entry : existing)), entry, replaced: true };
  if (entries.length >= LORE_ENTRIES_MAX) {
    return { ok: false, problem: `This campaign's lorebook is full (${LORE_ENTRIES_MAX} entries). Remove one with \`/gm lore remove key:\` first.` };
  }
  return { ok: true, entries: [...entries, entry], entry, replaced: false };
}

/** Every entry that has one of the given key words (any case) goes; the answer says which. */
export function removeLore(entries: readonly LoreEntry[], keys: string): { ok: true; entries: LoreEntry[]; removed: LoreEntry[] } | LoreProblem {
  const parsed = parseLoreKeys(keys);
  if (!parsed.ok) return parsed;
  const wanted = new Set(parsed.keys.map(fold));
  const removed = entries.filter((entry) => entry.keys.some((key) => wanted.has(fold(key))));
  return { ok: true, entries: entries.filter((entry) => !removed.includes(entry)), removed };
}

/** What the budget counts for one entry: its text, its keys and the JSON around them in the prompt (chars / 4). */
export function loreTokens(fact: LoreFact): number {
  return Math.ceil((fact.text.length + fact.keys.join(', ').length + 24) / 4);
}

/**
 * The entries the table is talking about, most relevant first, within `budgetTokens`. An entry is called by a key word
 * found as a whole word (any case) in this turn's actions or in the recent turns. Ranked: named in this turn's
 * actions before named only in earlier turns, then by how often its keys appear, then in the GM's order. An entry that
 * does not fit the budget stays out and a smaller, less relevant one may still go in: the budget is a ceiling.
 */
export function selectLore(input: {
  entries: readonly LoreEntry[];
  actions: readonly PlayerAction[];
  recentTurns: readonly PastTurn[];
  budgetTokens?: number;
}): LoreFact[] {
  const current = input.actions.map((action) => action.text).join('\n');
  const recent = input.recentTurns.flatMap((turn) => [...turn.actions.map((action) => action.text), turn.narrative, turn.response]).join('\n');
  const ranked = input.entries
    .map((entry, order) => {
      const inActions = countMatches(entry.keys, current);
      const inRecent = countMatches(entry.keys, recent);
      return { entry, order, inActions, matches: inActions + inRecent };
    })
    .filter((candidate) => candidate.matches > 0)
    .sort((first, second) => Number(second.inActions > 0) - Number(first.inActions > 0) || second.matches - first.matches || first.order - second.order);
  let left = input.budgetTokens ?? LORE_TOKEN_BUDGET;
  const chosen: LoreFact[] = [];
  for (const { entry } of ranked) {
    const cost = loreTokens(entry);
    if (cost > left) continue;
    left -= cost;
    chosen.push({ keys: entry.keys, text: entry.text });
  }
  return chosen;
}

/** How often any of the keys appears in `text` as a whole word or phrase, ignoring case. */
export function countMatches(keys: readonly string[], text: string): number {
  if (text === '') return 0;
  let count = 0;
  for (const key of keys) {
    const words = key.split(' ').map(escapeRegExp).join('\\s+');
    // Letters of any script count as word characters, so "Vell" is not found in "Vellum" nor "Ána" in "Ánam".
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])${words}(?![\\p{L}\\p{N}_])`, 'giu');
    count += [...text.matchAll(pattern)].length;
  }
  return count;
}

function sameKeys(first: readonly string[], second: readonly string[]): boolean {
  const folded = new Set(first.map(fold));
  return first.length === second.length && second.every((key) => folded.has(fold(key)));
}

function fold(key: string): string {
  return key.toLocaleLowerCase('en-US');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
