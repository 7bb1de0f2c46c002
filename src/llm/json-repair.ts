// Models asked for JSON in the prompt (no structured output) wrap it in code fences, put a sentence before or after
// it, or leave a trailing comma. These are the repairs worth making; anything worse is treated as no answer.

export type JsonParseResult = { ok: true; value: unknown; repaired: boolean } | { ok: false; message: string };

export function parseJsonLeniently(text: string): JsonParseResult {
  const strict = tryParse(text.trim());
  if (strict.ok) return { ok: true, value: strict.value, repaired: false };

  const candidate = removeTrailingCommas(cutToOuterValue(stripCodeFence(text)));
  const repaired = tryParse(candidate);
  if (repaired.ok) return { ok: true, value: repaired.value, repaired: true };
  return { ok: false, message: `not valid JSON, even after repair: ${strict.message}` };
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** The inside of the first ``` block (an unclosed block runs to the end), or the text itself without one. */
export function stripCodeFence(text: string): string {
  const fenced = /```[\w-]*[^\S\n]*\n?([\s\S]*?)(?:```|$)/.exec(text);
  return fenced?.[1] ?? text;
}

/** From the first `{` or `[` to the bracket that closes it, skipping brackets inside strings. */
export function cutToOuterValue(text: string): string {
  const start = text.search(/[{[]/);
  if (start === -1) return text;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let index = start; index < text.length; index += 1) {
    const character = text[index];
    if (inString) {
      if (escaped) escaped = false;
      else if (character === '\\') escaped = true;
      else if (character === '"') inString = false;
    } else if (character === '"') inString = true;
    else if (character === '{' || character === '[') depth += 1;
    else if (character === '}' || character === ']') {
      depth -= 1;
      if (depth === 0) return text.slice(start, index + 1);
    }
  }
  // Unbalanced: keep everything up to the last closing bracket and let the parser judge.
  const end = Math.max(text.lastIndexOf('}'), text.lastIndexOf(']'));
  return end > start ? text.slice(start, end + 1) : text.slice(start);
}

/** Drops a comma that is followed (after whitespace) by `}` or `]`, outside strings. */
export function removeTrailingCommas(text: string): string {
  let result = '';
  let inString = false;
  let escaped = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index] ?? '';
    if (inString) {
      if (escaped) escaped = false;
      else if (character === '\\') escaped = true;
      else if (character === '"') inString = false;
    } else if (character === '"') inString = true;
    else if (character === ',' && closesNext(text, index + 1)) continue;
    result += character;
  }
  return result;
}

function closesNext(text: string, from: number): boolean {
  let index = from;
  while (index < text.length && /\s/.test(text[index] ?? '')) index += 1;
  return text[index] === '}' || text[index] === ']';
}
