// Models asked for JSON in the prompt (no structured output) wrap it in code fences, put a sentence before or after
// it, write JavaScript or Python instead of JSON (single quotes, unquoted keys, comments, trailing commas, True/None),
// or are cut at the token limit in the middle of it. The repair itself is jsonrepair's. This module finds the value in
// the reply first, which jsonrepair does not do: it reads the whole text as one document, so prose before the value
// is an error, and prose after it, or a text without any JSON, becomes strings in the result. And where the reply was
// cut, it keeps jsonrepair from inventing what the model never wrote.

import { jsonrepair } from 'jsonrepair';

/** `cut`: the value ran to the end of the text without being closed, so the text was most likely cut inside it. */
export type JsonParseResult = { ok: true; value: unknown; repaired: boolean; cut: boolean } | { ok: false; message: string };

/**
 * Strict JSON first (`repaired: false`), then the first object or array in the text, repaired. A value cut short is
 * kept as far as it got: `{"options": ["Run", "Hide", "Sea` gives `{"options": ["Run", "Hide", "Sea"]}`, the cut
 * item included (whether half an item is worth having is for the caller to judge). What was cut before it began is left out:
 * a key without its value (which jsonrepair would give the value null), an array or object opened but still empty.
 * A text without an object or array, or whose repair leaves an empty one, is no answer.
 */
export function parseJsonLeniently(text: string): JsonParseResult {
  const strict = tryParse(text.trim());
  if (strict.ok) return { ok: true, value: strict.value, repaired: false, cut: false };

  let problem = 'no JSON object or array in the text';
  for (const candidate of valueCandidates(text)) {
    const repaired = tryRepair(candidate);
    if (!repaired.ok) problem = repaired.message;
    else if (isEmptyContainer(repaired.value)) problem = 'nothing left after repair';
    else return { ok: true, value: repaired.value, repaired: true, cut: candidate.openContainers > 0 };
  }
  return { ok: false, message: `not valid JSON, even after repair (${problem}): ${strict.message}` };
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** A stretch of the reply to repair; `openContainers` > 0 when the reply ends inside that many arrays or objects. */
type Candidate = { text: string; openContainers: number };

function tryParse(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

function tryRepair(candidate: Candidate): Parsed {
  let repaired: string;
  try {
    repaired = jsonrepair(candidate.text);
  } catch (error) {
    // JSONRepairError: something jsonrepair could not make sense of.
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  const parsed = tryParse(repaired);
  if (parsed.ok && candidate.openContainers > 0) pruneCut(parsed.value, candidate);
  return parsed;
}

/**
 * Where the value probably is, best guess first: inside the first ``` block if there is one (so that brackets in a
 * sentence before it do not count), from the first `{` or `[` to the bracket that closes it. When nothing closes it,
 * the reply was most likely cut at the token limit and the rest of the text is the value as far as it got; failing
 * that, a bracket is missing and prose follows, so up to the last closing bracket.
 */
function valueCandidates(text: string): Candidate[] {
  const body = stripCodeFence(text);
  // A ``` after the value has begun may be inside one of its strings (`{"options": ["```…` cut there), not around
  // it: the text as it is comes next.
  return body === text ? candidatesIn(text) : [...candidatesIn(body), ...candidatesIn(text)];
}

function candidatesIn(body: string): Candidate[] {
  const start = body.search(/[{[]/);
  if (start === -1) return [];
  const value = body.slice(start);
  const scan = scanValue(value);
  if (scan.end !== undefined) return [{ text: value.slice(0, scan.end), openContainers: 0 }];
  const cut = { text: closeCutString(value, scan), openContainers: scan.depth };
  const lastClosing = Math.max(value.lastIndexOf('}'), value.lastIndexOf(']'));
  return lastClosing > 0 ? [cut, { text: value.slice(0, lastClosing + 1), openContainers: 0 }] : [cut];
}

/** The inside of the first ``` block (an unclosed block runs to the end), or the text itself without one. */
export function stripCodeFence(text: string): string {
  const fenced = /```[\w-]*[^\S\n]*\n?([\s\S]*?)(?:```|$)/.exec(text);
  return fenced?.[1] ?? text;
}

type Scan = {
  /** The index just after the bracket that closes the value; undefined when the text ends first. */
  end: number | undefined;
  /** How many arrays and objects are open where the text ends. */
  depth: number;
  /** The quote of the string the text ends in, if it does. */
  openQuote: string | undefined;
  /** Where the last escape sequence in a string began (its backslash). */
  lastEscape: number | undefined;
};

/** Follows the brackets from the one the text starts with, skipping those inside '…' and "…" strings. */
function scanValue(text: string): Scan {
  let depth = 0;
  let quote: string | undefined;
  let escaped = false;
  let lastEscape: number | undefined;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (quote !== undefined) {
      if (escaped) escaped = false;
      else if (character === '\\') {
        escaped = true;
        lastEscape = index;
      } else if (character === quote) quote = undefined;
    } else if (character === '"' || character === "'") quote = character;
    else if (character === '{' || character === '[') depth += 1;
    else if (character === '}' || character === ']') {
      depth -= 1;
      if (depth === 0) return { end: index + 1, depth, openQuote: undefined, lastEscape };
    }
  }
  return { end: undefined, depth, openQuote: quote, lastEscape };
}

/**
 * A value cut inside a "…" string gets its closing quote here, an escape sequence cut in half dropped. jsonrepair
 * guesses where an unclosed string should have ended, and when the cut falls just after a delimiter (`,` `:` `/` `[`)
 * it ends the string at its first delimiter and reads the rest as more values: `["Run", "Search the room, then look,`
 * would give three options, `{"text": "Vel, the smuggler:` a key "the smuggler". Closing a string known to be cut is
 * the workaround its maintainer suggests (josdejong/jsonrepair#130). A '…' string is left to jsonrepair: the quote
 * may be an apostrophe in an unquoted word.
 */
function closeCutString(value: string, scan: Scan): string {
  if (scan.openQuote !== '"') return value;
  const halfEscape = scan.lastEscape !== undefined && /^\\(?:u[0-9a-fA-F]{0,3})?$/.test(value.slice(scan.lastEscape));
  return `${halfEscape ? value.slice(0, scan.lastEscape) : value}"`;
}

type Container = unknown[] | Record<string, unknown>;

/**
 * Removes, in place, what jsonrepair made up where the reply was cut. The open arrays and objects are the last
 * member of one another, from the root down; the cut is in the innermost. A key cut before its value (`"b": ` or
 * `"b`) has there the value null, which the model never wrote: it goes, unless the text ends with a null of its own.
 * Then every open container left empty goes, innermost first (the root is left to the caller). An object with keys
 * like "1", which JavaScript puts first whatever the order in the text, is left as it is.
 */
function pruneCut(root: unknown, candidate: Candidate): void {
  const open: Container[] = [];
  let current = root;
  while (open.length < candidate.openContainers && isContainer(current) && !hasIndexKeys(current)) {
    open.push(current);
    current = lastMember(current);
  }
  // Fewer than counted (a bracket in a comment, say): jsonrepair read the text otherwise; better to leave it.
  if (open.length < candidate.openContainers) return;

  const innermost = open.at(-1);
  if (innermost !== undefined && !Array.isArray(innermost) && lastMember(innermost) === null && !/(?:null|None|undefined)[\s,]*$/.test(candidate.text)) {
    removeLastMember(innermost);
  }
  for (let level = open.length - 1; level > 0; level -= 1) {
    const container = open[level];
    const parent = open[level - 1];
    if (container === undefined || parent === undefined || !isEmptyContainer(container)) break;
    removeLastMember(parent);
  }
}

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function hasIndexKeys(container: Container): boolean {
  return !Array.isArray(container) && Object.keys(container).some((key) => /^(?:0|[1-9]\d*)$/.test(key));
}

function lastMember(container: Container): unknown {
  if (Array.isArray(container)) return container.at(-1);
  const key = Object.keys(container).at(-1);
  return key === undefined ? undefined : container[key];
}

function removeLastMember(container: Container): void {
  if (Array.isArray(container)) {
    container.pop();
    return;
  }
  const key = Object.keys(container).at(-1);
  if (key !== undefined) delete container[key];
}

function isEmptyContainer(value: unknown): boolean {
  return isContainer(value) && Object.keys(value).length === 0;
}
