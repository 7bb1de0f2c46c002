import type { RecordedRequest } from './fake-openai.ts';

/**
 * The fake's imitation of a provider's prefix cache: how much of a prompt it shares with an earlier request to the same
 * model and cache key. Each group's prompts are kept in sorted order, because the longest prefix a string shares with
 * any string of a sorted set is the one it shares with a neighbour of its own place in that order: a prompt is compared
 * with two earlier ones, not with every one kept, so a bench's burst of requests is not slowed by its own fake model.
 */
export class PromptPrefixCache {
  readonly #groups = new Map<string, { text: string; record: RecordedRequest }[]>();

  /** Characters at the start of `record`'s prompt that an earlier prompt of its group had too. */
  sharedCharacters(record: RecordedRequest): number {
    const entries = this.#groups.get(groupOf(record)) ?? [];
    const text = promptTextOf(record);
    const place = insertionPoint(entries, text);
    const before = entries[place - 1]?.text;
    const after = entries[place]?.text;
    return Math.max(before === undefined ? 0 : commonPrefixLength(text, before), after === undefined ? 0 : commonPrefixLength(text, after));
  }

  add(record: RecordedRequest): void {
    const group = groupOf(record);
    const entries = this.#groups.get(group) ?? [];
    const text = promptTextOf(record);
    entries.splice(insertionPoint(entries, text), 0, { text, record });
    this.#groups.set(group, entries);
  }

  remove(record: RecordedRequest): void {
    const entries = this.#groups.get(groupOf(record));
    const index = entries?.findIndex((entry) => entry.record === record) ?? -1;
    if (index >= 0) entries?.splice(index, 1);
  }

  clear(): void {
    this.#groups.clear();
  }
}

const groupOf = (record: RecordedRequest): string => JSON.stringify([record.model, record.body.prompt_cache_key ?? null]);

/** Each request's messages as one string, made once. */
const promptTexts = new WeakMap<RecordedRequest, string>();

export function promptTextOf(record: RecordedRequest): string {
  let text = promptTexts.get(record);
  if (text === undefined) {
    text = JSON.stringify(record.messages);
    promptTexts.set(record, text);
  }
  return text;
}

/** The first index whose text is not below `text` (code-unit order, as commonPrefixLength compares). */
function insertionPoint(entries: readonly { text: string }[], text: string): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle]?.text ?? '') < text) low = middle + 1;
    else high = middle;
  }
  return low;
}

function commonPrefixLength(first: string, second: string): number {
  const limit = Math.min(first.length, second.length);
  let index = 0;
  // Block by block first (a native comparison), then character by character inside the block that differs: prompts
  // share thousands of characters (the persona).
  while (index + PREFIX_BLOCK <= limit && first.slice(index, index + PREFIX_BLOCK) === second.slice(index, index + PREFIX_BLOCK)) index += PREFIX_BLOCK;
  while (index < limit && first.charCodeAt(index) === second.charCodeAt(index)) index += 1;
  return index;
}

const PREFIX_BLOCK = 256;
