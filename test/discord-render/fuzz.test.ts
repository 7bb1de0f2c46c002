import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { BUTTON_LABEL_LIMIT, BUTTONS_PER_ROW_LIMIT, CUSTOM_ID_LIMIT, MESSAGE_CONTENT_LIMIT, MESSAGE_SPLIT_SIZE } from '../../src/constants.ts';
import { decodeCustomId } from '../../src/discord/custom-id.ts';
import { shortenLabel } from '../../src/discord/render/button-label.ts';
import { createChannelWriteScheduler } from '../../src/discord/render/channel-write-scheduler.ts';
import { buildOptionRow } from '../../src/discord/render/option-buttons.ts';
import { freezeOverflow, splitText, unfrozenTail } from '../../src/discord/render/split-text.ts';
import { SILENT_TURN_TEXT, WRITING_MARK, createTurnRenderer } from '../../src/discord/render/turn-renderer.ts';
import type { TurnEvent } from '../../src/dm/types.ts';
import { createFakeChannel, type ChannelRequest } from './fake-channel.ts';

// Property-based tests of the renderer's pure parts and of the turn renderer, on generated text of every kind a
// model (or a player quoted by it) can produce: what Discord accepts (docs/architecture.md: Discord's limits) and
// what players read (nothing lost, duplicated or reordered; no broken character; no ping).
//
// The runs are deterministic (a fixed seed per property), so a failure reproduces; FUZZ_SEED=<n> explores others.

const seed = process.env['FUZZ_SEED'] === undefined ? 20_250_115 : Number(process.env['FUZZ_SEED']);
const logger = pino({ level: 'silent' });
const timestamp = '2025-01-15T10:30:00.000Z';
const maxTextLength = 6000;

const runs = {
  splitText: 3000,
  streaming: 2000,
  codeUnits: 1000,
  smallSizes: 1500,
  graphemes: 1500,
  shortenLabel: 3000,
  optionRow: 2000,
  illFormedLabels: 1000,
  renderer: 400,
  interrupted: 300,
};

// ── Text generators ──────────────────────────────────────────────────────────────────────────────────────────

const words = fc.constantFrom('the', 'tavern', 'falls', 'silent', 'a', 'hooded', 'figure', 'steps', 'inside', 'I', 'sword', 'Ærøskøbing', 'naïve');
const whitespaceRuns = fc.oneof(
  fc.constantFrom(' ', ' ', ' ', '  ', '\n', '\n\n', '\n\n\n', '\t', '\r\n', '\r\n\r\n', ' \n ', '\u00a0', '\u3000', '\u2028', '\u202f', '\ufeff'),
  fc.integer({ min: 1, max: 60 }).map((count) => '\n'.repeat(count)),
  fc.string({ unit: fc.constantFrom(' ', '\n', '\t', '\u00a0', '\u2003'), minLength: 1, maxLength: 30 }),
);
const punctuation = fc.constantFrom('.', '!', '?', '…', ',', ';', ':', '—', '."', '!”', '.*', '?)', '.**', '._', '。', '！', '、', '」', '「', '(', '"', '’');
const emoji = fc.constantFrom(
  '👨‍👩‍👧‍👦', // ZWJ family
  '👩🏽‍❤️‍💋‍👨🏿', // ZWJ with skin tones
  '🏳️‍🌈',
  '🏴‍☠️',
  '🇺🇸', // flags: regional indicator pairs
  '🇫🇷',
  '🇯🇵🇰🇷🇨🇳', // a run of flags, whose pairing depends on the count before
  '🇦', // a lone regional indicator
  '🏴󠁧󠁢󠁳󠁣󠁴󠁿', // tag sequence
  '👍🏽', // skin tones
  '👋🏿',
  '🧑🏻‍🚀',
  '🏽', // a lone skin-tone modifier
  '❤️',
  '🗡️',
  '🐉',
  '1️⃣',
  '\u{1F9D9}\u200D\u2642\uFE0F',
);
const combining = fc.oneof(
  fc.constantFrom('e\u0301', 'a\u0308\u0304', 'Z̷̧̛̖͓̦̝̓͊ͅ', 'ก\u0e49\u0e33', 'अ\u094d\u0937', '\u0301', '\u20dd', 'ﾞ'),
  // A base with a pile of marks: one grapheme, up to a few hundred code units.
  fc
    .tuple(fc.constantFrom('a', 'o', '漢', 'ب', ' '), fc.string({ unit: fc.constantFrom('\u0300', '\u0301', '\u0327', '\u0336', '\u035c', '\u0489'), minLength: 1, maxLength: 300 }))
    .map(([base, marks]) => base + marks),
);
const rightToLeft = fc.constantFrom(
  'مرحبا بالعالم',
  'بِسْمِ ٱللَّٰهِ',
  'الفارس يرفع سيفه.',
  'שלום עולם',
  'הַדְּרָקוֹן יָשֵׁן!',
  '\u200f', // right-to-left mark
  '\u200e',
  '\u202e', // right-to-left override
  '\u2067', // right-to-left isolate
  '\u2069',
  '\u0600', // Arabic number sign: a prepended mark
);
const zeroWidth = fc.constantFrom('\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u180e');
const ideographs = '漢字仮名カタカナひらがな龍城剣魔法使い冒険者ギルド酒場扉暗闇ー𠀀𠮷𩸽';
const cjkRun = fc.string({
  unit: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...ideographs) }, { weight: 2, arbitrary: fc.constantFrom('。', '、', '！', '？', '「', '」', '（', '）', '…', '…。', '」。') }),
  minLength: 1,
  maxLength: 2500,
});
const markdown = fc.constantFrom('**', '*', '_', '__', '~~', '||', '`', '> ', '>>> ', '# ', '## ', '-# ', '- ', '1. ', '[link](https://example.com)', '\\*');
const codeFence = fc.oneof(
  fc.constantFrom('```', '```js\n', '\n```\n', '```\n', '``', '````'),
  fc.string({ unit: fc.constantFrom('a', ' ', '\n', '{', '}', ';', '=', '\t'), maxLength: 400 }).map((code) => `\n\`\`\`ts\n${code}\n\`\`\`\n`),
);
const mentions = fc.oneof(
  fc.constantFrom('<@123>', '<@!123456789012345678>', '<@&456>', '<#789>', '@everyone', '@here', '@ everyone', '<:smile:123>', '</gm start:1>'),
  fc.bigInt({ min: 10n ** 16n, max: 10n ** 19n }).map((id) => `<@${id}>`),
);
const longWord = fc.oneof(
  fc
    .tuple(fc.constantFrom('a', 'x', '-', '.', '=', '🐉', 'e\u0301', '👨‍👩‍👧‍👦', '🇺🇸', '漢', '`', '*', 'ب', '\u200b', '\u{20000}'), fc.integer({ min: 50, max: 4200 }))
    .map(([unit, count]) => unit.repeat(count)),
  fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '0', '.', '!', '🐉', '\u0301', '🏽', '\u200d', '漢', '_', '`'), minLength: 100, maxLength: 3000 }),
  fc.integer({ min: 1, max: 400 }).map((count) => `https://example.com/${'path/'.repeat(count)}`),
);
const sentence = fc.array(words, { minLength: 1, maxLength: 25 }).map((list) => `${list.join(' ')}.`);
const anyUnicode = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme-composite', maxLength: 60 }));

const piece = fc.oneof(
  { weight: 10, arbitrary: words },
  { weight: 10, arbitrary: whitespaceRuns },
  { weight: 4, arbitrary: sentence },
  { weight: 4, arbitrary: punctuation },
  { weight: 3, arbitrary: emoji },
  { weight: 2, arbitrary: combining },
  { weight: 2, arbitrary: rightToLeft },
  { weight: 2, arbitrary: zeroWidth },
  { weight: 1, arbitrary: cjkRun },
  { weight: 3, arbitrary: markdown },
  { weight: 1, arbitrary: codeFence },
  { weight: 2, arbitrary: mentions },
  { weight: 1, arbitrary: longWord },
  { weight: 2, arbitrary: anyUnicode },
);

/** Joins pieces up to `limit` code units, never ending in half a surrogate pair. */
function joinUpTo(pieces: readonly string[], limit: number): string {
  let text = '';
  for (const part of pieces) {
    if (text.length + part.length <= limit) {
      text += part;
      continue;
    }
    let room = limit - text.length;
    if (isHighSurrogate(part.charCodeAt(room - 1))) room -= 1;
    text += part.slice(0, Math.max(room, 0));
    break;
  }
  return text;
}

/** Texts of every kind: empty, whitespace only, short, around one message, up to 6000 characters. */
const text = fc.oneof(
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.array(whitespaceRuns, { maxLength: 50 }).map((parts) => parts.join('')) },
  { weight: 4, arbitrary: fc.array(piece, { maxLength: 40 }).map((pieces) => joinUpTo(pieces, maxTextLength)) },
  { weight: 6, arbitrary: fc.array(piece, { minLength: 20, maxLength: 300 }).map((pieces) => joinUpTo(pieces, maxTextLength)) },
  // Long texts: several messages' worth, where the cuts happen.
  { weight: 6, arbitrary: fc.array(piece, { minLength: 60, maxLength: 1000, size: 'max' }).map((pieces) => joinUpTo(pieces, maxTextLength)) },
  { weight: 2, arbitrary: fc.array(fc.oneof(longWord, cjkRun, emoji, whitespaceRuns), { maxLength: 8 }).map((pieces) => joinUpTo(pieces, maxTextLength)) },
);

// ── Checks ───────────────────────────────────────────────────────────────────────────────────────────────────

const whitespace = /\s/u;
const withoutWhitespace = (value: string) => value.replace(/\s+/gu, '');
const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function splitsSurrogatePair(value: string, offset: number): boolean {
  return isHighSurrogate(value.charCodeAt(offset - 1)) && isLowSurrogate(value.charCodeAt(offset));
}

/** The text cut to at most `length`, without half a surrogate pair at the end. */
function truncate(value: string, length: number): string {
  const cut = value.slice(0, length);
  return isHighSurrogate(cut.charCodeAt(cut.length - 1)) ? cut.slice(0, -1) : cut;
}

type Located = { start: number; end: number };

/**
 * Where each piece lies in the text: the pieces must be the text itself, in order, with only whitespace between
 * them and around them (so nothing is lost, duplicated or reordered, and only whitespace at a cut is dropped).
 */
function locatePieces(source: string, pieces: readonly string[], maxLength: number): Located[] {
  const located: Located[] = [];
  let offset = 0;
  for (const [index, part] of pieces.entries()) {
    expect(part.length, `piece ${index} fits`).toBeLessThanOrEqual(maxLength);
    expect(part, `piece ${index} is not empty`).not.toBe('');
    expect(part.trim(), `piece ${index} is trimmed`).toBe(part);
    while (offset < source.length && whitespace.test(source[offset] ?? '')) offset += 1;
    if (!source.startsWith(part, offset)) {
      throw new Error(`piece ${index} is not the text at offset ${offset}: ${JSON.stringify(part.slice(0, 40))} vs ${JSON.stringify(source.slice(offset, offset + 40))}`);
    }
    located.push({ start: offset, end: offset + part.length });
    offset += part.length;
  }
  expect(source.slice(offset).trim(), 'nothing left after the last piece').toBe('');
  // The whitespace-insensitive comparison the tests elsewhere use, and the visible characters in order.
  expect(withoutWhitespace(pieces.join(''))).toBe(withoutWhitespace(source));
  return located;
}

function expectNoBrokenSurrogates(source: string, located: readonly Located[], pieces: readonly string[]): void {
  for (const [index, { start, end }] of located.entries()) {
    expect(splitsSurrogatePair(source, start), `piece ${index} starts inside a surrogate pair`).toBe(false);
    expect(splitsSurrogatePair(source, end), `piece ${index} ends inside a surrogate pair`).toBe(false);
    expect(pieces[index]?.isWellFormed(), `piece ${index} is well formed`).toBe(true);
  }
}

/**
 * The pieces a text streamed in these prefixes leaves: those frozen on the way, then the tail at the end. Prefixes
 * are grown by appending, as the renderer's document is, or cut from the whole text: V8 makes such a cut a view of
 * the whole, and its optimised codePointAt reads past the end of a view (see split-text.ts), so both are tried.
 */
function streamPieces(
  source: string,
  prefixEnds: readonly number[],
  maxLength: number,
  grow: 'append' | 'slice' = 'append',
): { pieces: string[]; tails: string[] } {
  const pieces: string[] = [];
  const tails: string[] = [];
  let frozenUpTo = 0;
  let prefix = '';
  for (const end of [...prefixEnds, source.length]) {
    prefix = grow === 'append' ? prefix + source.slice(prefix.length, end) : source.slice(0, end);
    const result = freezeOverflow(prefix, frozenUpTo, maxLength);
    expect(result.frozenUpTo).toBeGreaterThanOrEqual(frozenUpTo);
    expect(result.frozenUpTo).toBeLessThanOrEqual(prefix.length);
    frozenUpTo = result.frozenUpTo;
    pieces.push(...result.frozen);
    tails.push(unfrozenTail(prefix, frozenUpTo));
  }
  const tail = unfrozenTail(source, frozenUpTo);
  return { pieces: tail === '' ? pieces : [...pieces, tail], tails };
}

/** Sorted prefix lengths of a text, from fractions; at code point boundaries as a stream delivers them. */
function prefixEnds(source: string, fractions: readonly number[]): number[] {
  const ends = fractions.map((fraction) => {
    const end = Math.floor(fraction * source.length);
    return splitsSurrogatePair(source, end) ? end - 1 : end;
  });
  return [...new Set(ends)].sort((a, b) => a - b);
}

const fractions = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 120 });

// ── splitText and its streaming form ─────────────────────────────────────────────────────────────────────────

describe('split-text (property-based)', () => {
  it('splitText: every piece fits, nothing is lost, duplicated or reordered, no surrogate pair is cut', () => {
    fc.assert(
      fc.property(text, (source) => {
        const pieces = splitText(source, MESSAGE_SPLIT_SIZE);
        const located = locatePieces(source, pieces, MESSAGE_SPLIT_SIZE);
        expectNoBrokenSurrogates(source, located, pieces);
        if (source.trim() === '') expect(pieces).toEqual([]);
        if (source.trim().length <= MESSAGE_SPLIT_SIZE) expect(pieces).toEqual(source.trim() === '' ? [] : [source.trim()]);
      }),
      { numRuns: runs.splitText, seed },
    );
  });

  it('freezeOverflow/unfrozenTail: streaming in growing prefixes gives the pieces of splitting the whole text', () => {
    fc.assert(
      fc.property(text, fractions, (source, cuts) => {
        const whole = splitText(source, MESSAGE_SPLIT_SIZE);
        const { pieces, tails } = streamPieces(source, prefixEnds(source, cuts), MESSAGE_SPLIT_SIZE);
        expect(pieces).toEqual(whole);
        // What is shown while the text streams always fits one message with the writing mark behind it.
        for (const tail of tails) {
          expect(tail.length).toBeLessThanOrEqual(MESSAGE_SPLIT_SIZE);
          expect(tail.isWellFormed()).toBe(true);
        }
        const located = locatePieces(source, pieces, MESSAGE_SPLIT_SIZE);
        expectNoBrokenSurrogates(source, located, pieces);
      }),
      { numRuns: runs.streaming, seed },
    );
  });

  it('streaming one code unit at a time, halves of surrogate pairs included, still gives the same pieces', () => {
    // A provider may end a chunk between the two halves of a character outside the BMP (an emoji, a rare ideograph).
    // Short texts fed one code unit at a time, so every such moment is met at every piece size.
    const astral = fc.constantFrom('𠀀', '𠮷', '𩸽', '🐉', '👍🏽', '🇯🇵', '𝒜');
    const short = fc
      .array(fc.oneof(astral, astral, words, whitespaceRuns, punctuation, fc.constantFrom(...ideographs), emoji, combining), { maxLength: 60 })
      .map((pieces) => joinUpTo(pieces, 300));
    fc.assert(
      fc.property(short, fc.integer({ min: 2, max: 40 }), fc.constantFrom('append', 'slice'), (source, maxLength, grow) => {
        const ends = Array.from({ length: source.length }, (_, index) => index);
        const { pieces, tails } = streamPieces(source, ends, maxLength, grow);
        expect(pieces).toEqual(splitText(source, maxLength));
        for (const tail of tails) {
          expect(tail.length).toBeLessThanOrEqual(maxLength);
          // What would be shown while the text streams: never half a character.
          expect(tail.isWellFormed()).toBe(true);
        }
      }),
      { numRuns: runs.codeUnits, seed },
    );
  });

  it('splitText at small sizes: the same guarantees, many cuts per text', () => {
    fc.assert(
      fc.property(text.map((source) => truncate(source, 1500)), fc.integer({ min: 2, max: 120 }), fractions, (source, maxLength, cuts) => {
        const pieces = splitText(source, maxLength);
        const located = locatePieces(source, pieces, maxLength);
        expectNoBrokenSurrogates(source, located, pieces);
        expect(streamPieces(source, prefixEnds(source, cuts), maxLength).pieces).toEqual(pieces);
      }),
      { numRuns: runs.smallSizes, seed },
    );
  });

  it('a cut between two visible characters falls on a grapheme boundary (unless one grapheme exceeds a piece)', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(MESSAGE_SPLIT_SIZE, 79, 40), (source, maxLength) => {
        const pieces = splitText(source, maxLength);
        const located = locatePieces(source, pieces, maxLength);
        const boundaries = new Set<number>();
        const segmentLengths = new Map<number, number>();
        for (const { index, segment } of graphemeSegmenter.segment(source)) {
          boundaries.add(index);
          segmentLengths.set(index, segment.length);
        }
        for (const [index, current] of located.entries()) {
          const next = located[index + 1];
          // Whitespace dropped at a cut is not shown, and a mark on it had nothing visible to attach to anyway.
          if (next === undefined || next.start !== current.end || boundaries.has(current.end)) continue;
          // The only excuse: the grapheme around the cut is longer than a whole piece.
          let graphemeStart = current.end;
          while (!boundaries.has(graphemeStart)) graphemeStart -= 1;
          const graphemeLength = segmentLengths.get(graphemeStart) ?? 0;
          expect(graphemeLength, `cut at ${current.end} inside ${JSON.stringify(source.slice(graphemeStart, graphemeStart + 20))}`).toBeGreaterThan(maxLength);
        }
      }),
      { numRuns: runs.graphemes, seed },
    );
  });
});

// ── Button labels and the option row ─────────────────────────────────────────────────────────────────────────

/** Option texts: mostly short, some long, some whitespace only, every kind of character. */
const optionText = fc.oneof(
  { weight: 4, arbitrary: fc.array(piece, { minLength: 1, maxLength: 12 }).map((pieces) => joinUpTo(pieces, 400)) },
  { weight: 2, arbitrary: sentence },
  { weight: 1, arbitrary: whitespaceRuns },
  { weight: 1, arbitrary: longWord.map((word) => joinUpTo([word], 300)) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 120 }) },
);
const turnId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

type Button = { type: number; style?: number; label?: string; custom_id?: string };
type Row = { type: number; components: Button[] };

/** What Discord checks on a message's components, and what a player needs to read a label. */
function expectValidComponents(components: readonly unknown[]): void {
  expect(components.length).toBeLessThanOrEqual(5);
  const customIds: string[] = [];
  for (const row of components as Row[]) {
    expect(row.type).toBe(1);
    expect(row.components.length).toBeGreaterThanOrEqual(1);
    expect(row.components.length).toBeLessThanOrEqual(BUTTONS_PER_ROW_LIMIT);
    for (const button of row.components) {
      expect(button.type).toBe(2);
      const label = button.label ?? '';
      expect(label.length).toBeGreaterThanOrEqual(1);
      expect(label.length).toBeLessThanOrEqual(BUTTON_LABEL_LIMIT);
      expect(label.trim(), 'a label shows something').not.toBe('');
      expect(label.isWellFormed(), 'no lone surrogate in a label').toBe(true);
      const customId = button.custom_id ?? '';
      expect(customId.length).toBeGreaterThanOrEqual(1);
      expect(customId.length).toBeLessThanOrEqual(CUSTOM_ID_LIMIT);
      customIds.push(customId);
    }
  }
  expect(new Set(customIds).size, 'custom_ids unique in the message').toBe(customIds.length);
}

describe('button labels and option rows (property-based)', () => {
  it('shortenLabel: one line of at most the limit, well formed, the start of the text', () => {
    fc.assert(
      fc.property(optionText, fc.oneof(fc.constant(BUTTON_LABEL_LIMIT), fc.integer({ min: 3, max: 200 })), (option, limit) => {
        const label = shortenLabel(option, limit);
        expect(label.length).toBeLessThanOrEqual(limit);
        expect(label.isWellFormed()).toBe(true);
        expect(label).not.toMatch(/[\n\r\u2028\u2029]/u);
        expect(label.trim()).toBe(label);
        const oneLine = option.replace(/\s+/gu, ' ').trim();
        if (oneLine.length <= limit) {
          expect(label).toBe(oneLine);
        } else {
          expect(label.endsWith('…')).toBe(true);
          // What is kept is the start of the option, as written.
          expect(oneLine.startsWith(label.slice(0, -1))).toBe(true);
        }
        if (oneLine !== '') expect(label.length).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: runs.shortenLabel, seed },
    );
  });

  it('shortenLabel and buildOptionRow on text holding half a surrogate pair (JSON.parse can return one): well-formed labels', () => {
    const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
    const illFormed = fc
      .array(fc.oneof(loneSurrogate, words, whitespaceRuns, emoji, fc.string({ unit: 'binary', maxLength: 10 })), { minLength: 1, maxLength: 40 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(illFormed, fc.array(illFormed, { minLength: 1, maxLength: 5 }), (option, options) => {
        const label = shortenLabel(option);
        expect(label.isWellFormed()).toBe(true);
        expect(label.length).toBeLessThanOrEqual(BUTTON_LABEL_LIMIT);
        expectValidComponents([buildOptionRow('turn42', options)]);
      }),
      { numRuns: runs.illFormedLabels, seed },
    );
  });

  it('buildOptionRow: at most 5 buttons, labels 1-80, unique custom_ids of at most 100, null only without options', () => {
    fc.assert(
      fc.property(turnId, fc.array(optionText, { maxLength: 8 }), (id, options) => {
        const row = buildOptionRow(id, options);
        if (options.length === 0) {
          expect(row).toBeNull();
          return;
        }
        expect(row).not.toBeNull();
        expectValidComponents([row]);
        const buttons = row?.components ?? [];
        expect(buttons.length).toBe(Math.min(options.length, BUTTONS_PER_ROW_LIMIT));
        buttons.forEach((button, index) => {
          expect(decodeCustomId(button.custom_id)).toEqual({ kind: 'option', turnId: id, index });
        });
      }),
      { numRuns: runs.optionRow, seed },
    );
  });
});

// ── The turn renderer ────────────────────────────────────────────────────────────────────────────────────────

/** Cuts a text into chunks of the given sizes (cycled), never inside a surrogate pair, as a stream delivers it. */
function chunksOf(source: string, sizes: readonly number[]): string[] {
  const chunks: string[] = [];
  let offset = 0;
  for (let index = 0; offset < source.length; index += 1) {
    let end = Math.min(source.length, offset + (sizes[index % sizes.length] ?? 1));
    if (splitsSurrogatePair(source, end)) end += 1;
    chunks.push(source.slice(offset, end));
    offset = end;
  }
  return chunks;
}

type Stream = { sizes: number[]; delays: number[] };

const stream: fc.Arbitrary<Stream> = fc.record({
  sizes: fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 12 }),
  delays: fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: 1, maxLength: 12 }),
});

type Step = { type: 'narrative_chunk' | 'player_response_chunk'; content: string; isFinal: boolean; delay: number };

/** The events of a streamed turn's text: the narrative's chunks, its end, the response's chunks, its end. */
function turnSteps(narrative: string, response: string, narrativeStream: Stream, responseStream: Stream): Step[] {
  const steps: Step[] = [];
  for (const [type, source, shape] of [
    ['narrative_chunk', narrative, narrativeStream],
    ['player_response_chunk', response, responseStream],
  ] as const) {
    for (const [index, content] of chunksOf(source, shape.sizes).entries()) {
      steps.push({ type, content, isFinal: false, delay: shape.delays[index % shape.delays.length] ?? 0 });
    }
    steps.push({ type, content: '', isFinal: true, delay: shape.delays[0] ?? 0 });
  }
  return steps;
}

/**
 * The document the renderer shows after these steps: the response after a blank line, from its first chunk with
 * text (whitespace-only chunks before it are dropped, so a blank response adds nothing).
 */
function documentOf(steps: readonly Step[]): string {
  let document = '';
  let responseStarted = false;
  for (const step of steps) {
    if (step.type === 'narrative_chunk') {
      document += step.content;
    } else {
      if (!responseStarted && step.content.trim() !== '') {
        responseStarted = true;
        document += '\n\n';
      }
      if (responseStarted) document += step.content;
    }
  }
  return document;
}

/** Every request Discord would get: content of 1-2000 characters, valid components, no mention parsed. */
function expectEveryWriteAccepted(requests: readonly ChannelRequest[], streaming: boolean): ChannelRequest[] {
  const writes = requests.filter((request) => request.kind !== 'typing');
  expect(writes.length).toBeGreaterThan(0);
  for (const write of writes) {
    expect(write.body?.allowedMentions, 'nothing pings').toEqual({ parse: [], repliedUser: false });
    const content = write.body?.content;
    expect(typeof content).toBe('string');
    expect(content?.length).toBeGreaterThanOrEqual(1);
    expect(content?.length).toBeLessThanOrEqual(MESSAGE_CONTENT_LIMIT);
    expect(content?.trim(), 'content shows something').not.toBe('');
    expect(content?.isWellFormed()).toBe(true);
    expectValidComponents((write.body?.components ?? []) as unknown[]);
  }
  if (!streaming) expect(writes.some((write) => (write.body?.content ?? '').endsWith(WRITING_MARK)), 'no streaming writes').toBe(false);
  return writes;
}

const reasons = fc.oneof(
  fc.constantFrom('stopped by the GM', 'the model did not answer in time; your actions are kept', 'the bot is restarting'),
  optionText,
);

/** How often the generated turns reached the cases that matter, so that a generator change cannot hollow them out. */
const coverage = { runs: 0, severalMessages: 0, streamedEdits: 0, fullTail: 0, silent: 0 };

describe('turn renderer (property-based)', () => {
  it('every write fits Discord and pings nobody, and the final messages hold the narrative and the response', async () => {
    await fc.assert(
      fc.asyncProperty(
        text,
        text.map((source) => truncate(source, 2500)),
        fc.array(optionText, { minLength: 3, maxLength: 5 }),
        stream,
        stream,
        fc.boolean(),
        async (narrative, response, options, narrativeStream, responseStream, streaming) => {
          vi.useFakeTimers({ now: 0 });
          try {
            const fake = createFakeChannel();
            const scheduler = createChannelWriteScheduler({ logger });
            const renderer = createTurnRenderer({ channel: fake.channel, scheduler, turnId: 'turn-fuzz', logger, streaming });
            renderer.start();
            const steps = turnSteps(narrative, response, narrativeStream, responseStream);
            for (const step of steps) {
              void renderer.sink({ type: step.type, content: step.content, is_final: step.isFinal, timestamp });
              await vi.advanceTimersByTimeAsync(step.delay);
            }
            void renderer.sink({ type: 'player_options', options, timestamp });
            const finished = renderer.finish();
            await vi.advanceTimersByTimeAsync(60_000);
            const { messageIds } = await finished;

            const writes = expectEveryWriteAccepted(fake.requests, streaming);

            // The final messages: exact text in order, no writing mark, the buttons on the last one only.
            expect(messageIds.length).toBeGreaterThan(0);
            expect(new Set(messageIds).size).toBe(messageIds.length);
            const shown = messageIds.map((id) => fake.messages.get(id) ?? { content: '<missing>', components: [] });
            for (const message of shown) {
              expect(message.content.length).toBeLessThanOrEqual(MESSAGE_SPLIT_SIZE);
              expect(message.content.endsWith(WRITING_MARK)).toBe(false);
            }
            const expected = withoutWhitespace(narrative + response);
            const contents = shown.map((message) => message.content);
            if (expected === '') {
              expect(contents).toEqual([SILENT_TURN_TEXT]);
            } else {
              locatePieces(documentOf(steps), contents, MESSAGE_SPLIT_SIZE);
              expect(withoutWhitespace(contents.join('\n'))).toBe(expected);
            }
            shown.slice(0, -1).forEach((message) => expect(message.components).toEqual([]));
            const last = shown.at(-1);
            expect(last?.components).toHaveLength(1);
            const buttons = (last?.components[0] as Row).components;
            expect(buttons.map((button) => button.custom_id)).toEqual(options.slice(0, 5).map((_, index) => `dm:opt:turn-fuzz:${index}`));

            coverage.runs += 1;
            if (shown.length > 1) coverage.severalMessages += 1;
            if (writes.some((write) => write.body?.content?.endsWith(WRITING_MARK))) coverage.streamedEdits += 1;
            if (writes.some((write) => (write.body?.content?.length ?? 0) > MESSAGE_SPLIT_SIZE)) coverage.fullTail += 1;
            if (expected === '') coverage.silent += 1;
          } finally {
            vi.clearAllTimers();
            vi.useRealTimers();
          }
        },
      ),
      { numRuns: runs.renderer, seed },
    );
    expect(coverage.severalMessages / coverage.runs, JSON.stringify(coverage)).toBeGreaterThan(0.2);
    expect(coverage.streamedEdits / coverage.runs, JSON.stringify(coverage)).toBeGreaterThan(0.3);
    expect(coverage.fullTail, JSON.stringify(coverage)).toBeGreaterThan(0);
    expect(coverage.silent, JSON.stringify(coverage)).toBeGreaterThan(0);
  }, 120_000);

  it('an interrupted turn: every write fits, the text so far is kept in order, the note is last, no buttons', async () => {
    await fc.assert(
      fc.asyncProperty(
        text,
        text.map((source) => truncate(source, 2500)),
        stream,
        stream,
        fc.double({ min: 0, max: 1, noNaN: true }),
        reasons,
        fc.boolean(),
        async (narrative, response, narrativeStream, responseStream, interruptAt, reason, streaming) => {
          vi.useFakeTimers({ now: 0 });
          try {
            const fake = createFakeChannel();
            const scheduler = createChannelWriteScheduler({ logger });
            const renderer = createTurnRenderer({ channel: fake.channel, scheduler, turnId: 'turn-fuzz', logger, streaming });
            renderer.start();
            const steps = turnSteps(narrative, response, narrativeStream, responseStream);
            const before = steps.slice(0, Math.floor(interruptAt * (steps.length + 1)));
            for (const step of before) {
              void renderer.sink({ type: step.type, content: step.content, is_final: step.isFinal, timestamp });
              await vi.advanceTimersByTimeAsync(step.delay);
            }
            const interrupted = renderer.interrupt(reason);
            // Whatever the stream still delivers changes nothing.
            for (const step of steps.slice(before.length)) void renderer.sink({ type: step.type, content: step.content, is_final: step.isFinal, timestamp });
            void renderer.sink({ type: 'player_options', options: ['a', 'b', 'c'], timestamp });
            await vi.advanceTimersByTimeAsync(60_000);
            const { messageIds, completed } = await interrupted;
            expect(completed).toBe(false);

            expectEveryWriteAccepted(fake.requests, streaming);
            const shown = messageIds.map((id) => fake.messages.get(id) ?? { content: '<missing>', components: [] });
            expect(shown.length).toBeGreaterThan(0);
            for (const message of shown) {
              expect(message.components).toEqual([]);
              expect(message.content.endsWith(WRITING_MARK)).toBe(false);
            }
            const contents = shown.map((message) => message.content);
            const last = contents.at(-1) ?? '';
            const noteStart = last.lastIndexOf('*(interrupted — ');
            expect(noteStart, 'the note is on the last message').toBeGreaterThanOrEqual(0);
            expect(last.endsWith(')*')).toBe(true);
            const note = last.slice(noteStart);
            const reasonShown = note.slice('*(interrupted — '.length, -')*'.length);
            const oneLineReason = reason.replace(/\s+/gu, ' ').trim();
            // The reason is kept as written, or shortened from its end with an ellipsis.
            if (reasonShown !== oneLineReason) {
              expect(reasonShown.endsWith('…')).toBe(true);
              expect(oneLineReason.startsWith(reasonShown.slice(0, -1))).toBe(true);
            }
            const textPieces = [...contents.slice(0, -1), last.slice(0, noteStart).trimEnd()].filter((piece) => piece !== '');
            locatePieces(documentOf(before), textPieces, MESSAGE_SPLIT_SIZE);
          } finally {
            vi.clearAllTimers();
            vi.useRealTimers();
          }
        },
      ),
      { numRuns: runs.interrupted, seed },
    );
  }, 120_000);
});
