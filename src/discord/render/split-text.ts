// Splitting long text into Discord messages (docs/architecture.md: Discord's limits): at a paragraph boundary, else a sentence or line
// boundary, else between words; a hard cut only inside a single "word" longer than a whole piece.
//
// Lengths are JS string lengths (UTF-16 code units). Discord counts characters, and a code unit count is never
// smaller, so a piece that fits here fits there; cuts never fall inside a surrogate pair or a grapheme.
//
// Every cut is decided from the text before the cut and the whitespace right after it, and only once what is
// left exceeds a piece. So splitting while text streams in gives the same pieces as splitting it at the end, and
// a piece once frozen (sent as a finished message) never has to change.

const paragraphRank = 4;
const sentenceOrLineRank = 3;
const wordRank = 2;
const noBoundary = 0;

/** A cut only this far into the piece or further is preferred: a paragraph at 10% makes a tiny message. */
const preferredFillRatio = 0.5;

const whitespace = /\s/u;
const sentenceEnd = /[.!?…。！？]/u;
/** Closing marks that may follow the end of a sentence: quotes, brackets, markdown emphasis. */
const sentenceCloser = /["'”’»)\]}*_~`」』）】〕》〉]/u;
const ideograph = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30FC]/u;
/** Characters that must not start a line in CJK typesetting, nor a message. */
const cjkNoLineStart = /[、。，．！？：；」』）】〉》〕］｝’”…‥,.!?:;)\]}]/u;
/** Characters that must not end a line in CJK typesetting. */
const cjkNoLineEnd = /[「『（【〈《〔［｛‘“(\[{]/u;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Splits the whole text into pieces of at most `maxLength`; whitespace at the cuts and the ends is dropped. */
export function splitText(text: string, maxLength: number): string[] {
  const { frozen, frozenUpTo } = freezeOverflow(text, 0, maxLength);
  const tail = unfrozenTail(text, frozenUpTo);
  return tail === '' ? frozen : [...frozen, tail];
}

export type FreezeResult = {
  /** Pieces newly cut off, in order; each is final and at most `maxLength` long. */
  frozen: string[];
  /** Offset in the text where the unfrozen tail starts. */
  frozenUpTo: number;
};

/**
 * The streaming form. `text` is everything so far (it only ever grows by appending) and `frozenUpTo` where the
 * previous call left off. Cuts pieces off the tail only while the tail is longer than `maxLength`.
 */
export function freezeOverflow(text: string, frozenUpTo: number, maxLength: number): FreezeResult {
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new RangeError(`maxLength must be at least 2: ${maxLength}`);
  const frozen: string[] = [];
  let start = frozenUpTo;
  for (let cut = nextCut(text, start, maxLength); cut !== null; cut = nextCut(text, start, maxLength)) {
    frozen.push(text.slice(cut.pieceStart, cut.pieceEnd));
    start = cut.nextStart;
  }
  return { frozen, frozenUpTo: start };
}

/** The text after the frozen pieces, as it is shown: without whitespace at either end, nor half a character. */
export function unfrozenTail(text: string, frozenUpTo: number): string {
  return text.slice(frozenUpTo, arrivedLength(text)).trim();
}

/**
 * The length of the text without a high surrogate at its very end: a stream may deliver a character outside the BMP
 * (an emoji, a rare ideograph) in two chunks, and until its second half arrives the first is not a character yet.
 * Cutting or showing it would decide from half a character (found by test/discord-render/fuzz.test.ts: a hard cut
 * before "”🏽" and a cut before an ideograph such as 𠀀 came out differently streamed than split at the end, and
 * the shown tail carried a lone surrogate).
 */
function arrivedLength(text: string): number {
  return isHighSurrogate(text.charCodeAt(text.length - 1)) ? text.length - 1 : text.length;
}

type Cut = { pieceStart: number; pieceEnd: number; nextStart: number };

function nextCut(text: string, from: number, maxLength: number): Cut | null {
  const start = skipWhitespace(text, from);
  // Only text that has fully arrived counts, so the character right after any cut considered is whole.
  const end = trimEndBefore(text, arrivedLength(text), start);
  if (end - start <= maxLength) return null;

  const cut = bestBoundary(text, start, maxLength) ?? hardCut(text, start, maxLength);
  return { pieceStart: start, pieceEnd: trimEndBefore(text, cut, start), nextStart: skipWhitespace(text, cut) };
}

/** The best place to cut in (start, start + maxLength]; null when there is no boundary at all. */
function bestBoundary(text: string, start: number, maxLength: number): number | null {
  const limit = start + maxLength;
  const insideFence = fenceStates(text, start, limit);
  // A cut inside a ``` block breaks its rendering in both messages, so boundaries outside a block come first.
  for (const allowInsideFence of [false, true]) {
    const largestAtLeast = new Map<number, number>();
    for (let position = limit; position > start; position -= 1) {
      if (!allowInsideFence && insideFence[position - start]) continue;
      const rank = boundaryRank(text, position);
      for (let wanted = wordRank; wanted <= rank; wanted += 1) {
        if (!largestAtLeast.has(wanted)) largestAtLeast.set(wanted, position);
      }
      if (largestAtLeast.has(paragraphRank)) break;
    }
    const preferredFrom = start + Math.ceil(maxLength * preferredFillRatio);
    for (const rank of [paragraphRank, sentenceOrLineRank, wordRank]) {
      const position = largestAtLeast.get(rank);
      if (position !== undefined && position >= preferredFrom) return position;
    }
    for (const rank of [paragraphRank, sentenceOrLineRank, wordRank]) {
      const position = largestAtLeast.get(rank);
      if (position !== undefined) return position;
    }
  }
  return null;
}

/** How good a cut right before `text[position]` is. */
function boundaryRank(text: string, position: number): number {
  if (isLowSurrogate(text.charCodeAt(position))) return noBoundary;
  const after = text[position] ?? '';
  const before = text[position - 1] ?? '';
  if (whitespace.test(after)) {
    // Cut only where a run of whitespace begins, so the piece ends on a visible character.
    if (whitespace.test(before)) return noBoundary;
    const newlines = countNewlines(text, position);
    if (newlines >= 2) return paragraphRank;
    if (newlines === 1 || endsSentence(text, position)) return sentenceOrLineRank;
    return wordRank;
  }
  if (whitespace.test(before)) return noBoundary;
  // Chinese and Japanese have no spaces: a sentence ends after 。！？ and words may break between ideographs.
  const afterCharacter = codePointAt(text, position);
  const beforeCharacter = codePointBefore(text, position);
  if (cjkNoLineStart.test(afterCharacter) || sentenceCloser.test(afterCharacter)) return noBoundary;
  if (!ideograph.test(afterCharacter) && !ideograph.test(beforeCharacter)) return noBoundary;
  // A mark, a skin tone, a variation selector or a ZWJ after an ideograph belongs to it: cutting there would start
  // the next message with a lone mark or a bare skin-tone swatch (found by test/discord-render/fuzz.test.ts).
  if (joinsGrapheme(beforeCharacter, afterCharacter)) return noBoundary;
  if (endsSentence(text, position)) return sentenceOrLineRank;
  if (cjkNoLineEnd.test(beforeCharacter)) return noBoundary;
  return wordRank;
}

/**
 * Whether two adjacent characters form one grapheme. Only used where one of them is an ideograph, and there the pair
 * alone decides it: the rules that look further back (emoji ZWJ sequences, flags, Indic conjuncts) never involve one.
 */
function joinsGrapheme(before: string, after: string): boolean {
  const pair = before + after;
  return graphemes.segment(pair).containing(0)?.segment.length === pair.length;
}

function endsSentence(text: string, position: number): boolean {
  let index = position - 1;
  while (index >= 0 && sentenceCloser.test(text[index] ?? '')) index -= 1;
  return sentenceEnd.test(text[index] ?? '');
}

function countNewlines(text: string, position: number): number {
  let newlines = 0;
  for (let index = position; index < text.length && whitespace.test(text[index] ?? ''); index += 1) {
    if (text[index] === '\n') newlines += 1;
  }
  return newlines;
}

/** For each offset 0..limit-start: whether a cut there falls inside a ``` code block opened in this piece. */
function fenceStates(text: string, start: number, limit: number): boolean[] {
  const states = new Array<boolean>(limit - start + 1).fill(false);
  let open = false;
  let index = start;
  while (index <= limit) {
    states[index - start] = open;
    if (text.startsWith('```', index)) {
      // The three backticks belong together: never cut between them.
      for (const inside of [index + 1, index + 2]) if (inside <= limit) states[inside - start] = true;
      open = !open;
      index += 3;
    } else {
      index += 1;
    }
  }
  return states;
}

/** A single "word" longer than a piece: cut at the last grapheme boundary that fits. */
function hardCut(text: string, start: number, maxLength: number): number {
  // Two code units past the limit, so the character right after a candidate cut is whole and can tell whether
  // it extends the grapheme before it (a skin tone, a combining mark).
  let cut = start;
  for (const { index } of graphemes.segment(text.slice(start, start + maxLength + 2))) {
    if (index > maxLength) break;
    cut = start + index;
  }
  if (cut > start) return cut;
  // One grapheme longer than a whole piece (a pathological combining sequence): keep at least code points whole.
  const position = start + maxLength;
  return isLowSurrogate(text.charCodeAt(position)) ? position - 1 : position;
}

function skipWhitespace(text: string, from: number): number {
  let index = from;
  while (index < text.length && whitespace.test(text[index] ?? '')) index += 1;
  return index;
}

function trimEndBefore(text: string, end: number, floor: number): number {
  let index = end;
  while (index > floor && whitespace.test(text[index - 1] ?? '')) index -= 1;
  return index;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * The character at `position`, from its code units. Not String.prototype.codePointAt: V8's optimised codePointAt
 * (Node 24) pairs a high surrogate at the end of a sliced string with the code unit after the slice in its parent
 * string, a character the text does not contain (seen while fuzzing; also reported in stablyai/orca#13782).
 */
function codePointAt(text: string, position: number): string {
  const first = text.charCodeAt(position);
  if (Number.isNaN(first)) return '';
  const pairEnd = isHighSurrogate(first) && isLowSurrogate(text.charCodeAt(position + 1)) ? position + 2 : position + 1;
  return text.slice(position, pairEnd);
}

function codePointBefore(text: string, position: number): string {
  const last = text.charCodeAt(position - 1);
  const from = isLowSurrogate(last) && position >= 2 ? position - 2 : position - 1;
  return text.slice(from, position);
}
