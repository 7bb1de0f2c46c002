import { describe, expect, it } from 'vitest';
import { freezeOverflow, splitText, unfrozenTail } from '../../src/discord/render/split-text.ts';

const withoutWhitespace = (text: string) => text.replace(/\s+/gu, '');

/** Every piece fits, no visible character is lost or duplicated, and no piece is empty. */
function expectFaithfulSplit(text: string, pieces: string[], maxLength: number) {
  for (const piece of pieces) {
    expect(piece.length).toBeLessThanOrEqual(maxLength);
    expect(piece.trim()).toBe(piece);
    expect(piece).not.toBe('');
    expect(piece.isWellFormed()).toBe(true);
  }
  expect(withoutWhitespace(pieces.join(''))).toBe(withoutWhitespace(text));
}

/** Deterministic pseudo-random numbers, so a failing case can be reproduced. */
function seededRandom(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function paragraphText(paragraphs: number, sentencesEach: number): string {
  const sentences = [
    'The tavern falls silent as the door creaks open.',
    'Rain drums on the shutters, and somewhere a dog barks twice!',
    'Who would come out on a night like this?',
    'A hooded figure steps inside, shaking water from a heavy cloak…',
    'The barkeep’s hand drifts toward the cudgel under the counter.',
  ];
  const result: string[] = [];
  for (let paragraph = 0; paragraph < paragraphs; paragraph += 1) {
    const body: string[] = [];
    for (let sentence = 0; sentence < sentencesEach; sentence += 1) {
      body.push(sentences[(paragraph * 3 + sentence) % sentences.length] ?? '');
    }
    result.push(body.join(' '));
  }
  return result.join('\n\n');
}

describe('splitText', () => {
  it('keeps a short text in one piece, trimmed', () => {
    expect(splitText('  Hello there.  \n', 2000)).toEqual(['Hello there.']);
    expect(splitText('', 2000)).toEqual([]);
    expect(splitText(' \n\n ', 2000)).toEqual([]);
  });

  it('cuts at the last paragraph boundary when one is far enough in', () => {
    const first = 'a'.repeat(30) + ' ' + 'b'.repeat(30) + '.';
    const second = 'c'.repeat(20) + ' ' + 'd'.repeat(20);
    expect(splitText(`${first}\n\n${second}`, 80)).toEqual([first, second]);
  });

  it('prefers a late sentence boundary over an early paragraph boundary', () => {
    const text = 'Short.\n\nThe rest goes on for a while. And then it ends in this sentence here';
    const pieces = splitText(text, 40);
    expect(pieces[0]).toBe('Short.\n\nThe rest goes on for a while.');
    expectFaithfulSplit(text, pieces, 40);
  });

  it('falls back to a sentence, then a word boundary, never cutting a word', () => {
    const text = 'One two three four. Five six seven eight nine ten eleven twelve thirteen';
    const pieces = splitText(text, 30);
    expect(pieces[0]).toBe('One two three four.');
    for (const piece of pieces) {
      for (const word of piece.split(/\s+/u)) expect(text.split(/\s+/u)).toContain(word);
    }
    expectFaithfulSplit(text, pieces, 30);
  });

  it('treats a closing quote or emphasis after the full stop as part of the sentence', () => {
    const text = '*The door creaks.* "Who goes there?" the guard asks, squinting into the dark';
    const pieces = splitText(text, 45);
    expect(pieces[0]).toBe('*The door creaks.* "Who goes there?"');
    expectFaithfulSplit(text, pieces, 45);
  });

  it('hard-cuts only a single word longer than a piece', () => {
    const word = 'x'.repeat(25);
    const pieces = splitText(`tiny ${word} end`, 10);
    expectFaithfulSplit(`tiny ${word} end`, pieces, 10);
    expect(pieces).toEqual(['tiny', 'x'.repeat(10), 'x'.repeat(10), 'xxxxx end']);
  });

  it('splits a 5000-character text into pieces of at most 1900 at paragraph boundaries', () => {
    const text = paragraphText(40, 3);
    expect(text.length).toBeGreaterThan(5000);
    const pieces = splitText(text, 1900);
    expect(pieces.length).toBe(Math.ceil(text.length / 1900));
    expectFaithfulSplit(text, pieces, 1900);
    for (const piece of pieces.slice(0, -1)) {
      expect(text).toContain(`${piece}\n\n`);
      expect(piece.length).toBeGreaterThan(950);
    }
  });

  it('never splits an emoji grapheme that fits in a piece', () => {
    const emoji = '👍🏽';
    const family = '👨‍👩‍👧‍👦';
    const text = (emoji + family).repeat(40);
    for (const maxLength of [family.length, 13, 29, 50]) {
      const pieces = splitText(text, maxLength);
      expectFaithfulSplit(text, pieces, maxLength);
      for (const piece of pieces) {
        expect(piece.replaceAll(emoji, '').replaceAll(family, '')).toBe('');
      }
    }
  });

  it('never splits a surrogate pair, even inside a grapheme longer than a piece', () => {
    const text = '👨‍👩‍👧‍👦'.repeat(10);
    for (const maxLength of [2, 3, 4, 7, 10]) expectFaithfulSplit(text, splitText(text, maxLength), maxLength);
  });

  it('breaks CJK text after 。 or between ideographs, never before closing punctuation', () => {
    const sentence = '酒場は静まり返った。扉がゆっくりと開き、「誰だ？」と主人が言った。';
    const text = sentence.repeat(20);
    const pieces = splitText(text, 50);
    expectFaithfulSplit(text, pieces, 50);
    for (const piece of pieces.slice(0, -1)) {
      expect(piece.endsWith('。') || piece.endsWith('」') || piece.endsWith('？')).toBe(true);
    }
    for (const piece of pieces.slice(1)) {
      expect(piece).not.toMatch(/^[、。」？]/u);
    }
  });

  it('breaks long CJK text without punctuation between ideographs, keeping astral ideographs whole', () => {
    const text = '𠀋𡈽𡌛漢字仮名'.repeat(30);
    const pieces = splitText(text, 25);
    expectFaithfulSplit(text, pieces, 25);
  });

  it('keeps a code block whole when a boundary before it exists', () => {
    const code = '```\nconst a = 1;\n\nconst b = 2;\n```';
    const text = `Intro sentence here.\n\n${code}\n\nAfter the code.`;
    const pieces = splitText(text, code.length + 5);
    expect(pieces).toContain(code);
    expectFaithfulSplit(text, pieces, code.length + 5);
  });

  it('keeps markdown emphasis of a paragraph in one piece', () => {
    const text = '**Bold opening line.**\n\n_A whispered aside, in italics._\n\n> a quoted line from the old book';
    const pieces = splitText(text, 40);
    expect(pieces).toEqual(['**Bold opening line.**', '_A whispered aside, in italics._', '> a quoted line from the old book']);
  });

  it('never loses a visible character on random input', () => {
    const random = seededRandom(7);
    const alphabet = ['a', 'b', 'Ω', ' ', ' ', '\n', '.', '!', '漢', '😀', '👍🏽', '*', '```', 'é', '\n\n'];
    for (let round = 0; round < 200; round += 1) {
      let text = '';
      const length = Math.floor(random() * 400);
      for (let index = 0; index < length; index += 1) text += alphabet[Math.floor(random() * alphabet.length)] ?? '';
      const maxLength = 4 + Math.floor(random() * 60);
      expectFaithfulSplit(text, splitText(text, maxLength), maxLength);
    }
  });
});

describe('freezeOverflow (streaming)', () => {
  it('freezes nothing while the tail fits', () => {
    expect(freezeOverflow('Hello world', 0, 20)).toEqual({ frozen: [], frozenUpTo: 0 });
    expect(unfrozenTail('  Hello world ', 0)).toBe('Hello world');
  });

  it('gives the same pieces as splitting the final text, however the text arrives', () => {
    const random = seededRandom(42);
    const texts = [paragraphText(12, 4), '酒場は静まり返った。'.repeat(300), ('word '.repeat(50) + '\n\n').repeat(20)];
    for (const text of texts) {
      for (const maxLength of [100, 333, 1900]) {
        const frozenSoFar: string[] = [];
        let frozenUpTo = 0;
        let received = '';
        while (received.length < text.length) {
          const frozenBefore = [...frozenSoFar];
          received = text.slice(0, received.length + 1 + Math.floor(random() * 40));
          const result = freezeOverflow(received, frozenUpTo, maxLength);
          frozenSoFar.push(...result.frozen);
          frozenUpTo = result.frozenUpTo;
          expect(frozenSoFar.slice(0, frozenBefore.length)).toEqual(frozenBefore);
          expect(unfrozenTail(received, frozenUpTo).length).toBeLessThanOrEqual(maxLength);
        }
        const tail = unfrozenTail(received, frozenUpTo);
        expect([...frozenSoFar, ...(tail === '' ? [] : [tail])]).toEqual(splitText(text, maxLength));
      }
    }
  });

  it('freezes several pieces at once when one delta is very long', () => {
    const text = paragraphText(30, 3);
    const result = freezeOverflow(text, 0, 500);
    expect(result.frozen.length).toBeGreaterThan(3);
    expect(unfrozenTail(text, result.frozenUpTo).length).toBeLessThanOrEqual(500);
  });
});
