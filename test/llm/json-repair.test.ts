import { describe, expect, it } from 'vitest';
import { parseJsonLeniently } from '../../src/llm/json-repair.ts';

describe('parseJsonLeniently', () => {
  it('parses clean JSON as not repaired', () => {
    expect(parseJsonLeniently(' {"a": 1} ')).toEqual({ ok: true, value: { a: 1 }, repaired: false });
  });

  it('takes the inside of a code fence, closed or not', () => {
    expect(parseJsonLeniently('```json\n{"a": [1, 2]}\n```')).toMatchObject({ ok: true, value: { a: [1, 2] }, repaired: true });
    expect(parseJsonLeniently('```\n{"a": 1}')).toMatchObject({ ok: true, value: { a: 1 } });
  });

  it('cuts prose before and after, ignoring brackets inside strings', () => {
    expect(parseJsonLeniently('Here you go: {"text": "a } and a {", "n": 2} Enjoy {the} game.')).toMatchObject({
      ok: true,
      value: { text: 'a } and a {', n: 2 },
    });
  });

  it('removes trailing commas but not commas inside strings', () => {
    expect(parseJsonLeniently('{"list": [1, 2, ], "text": ",}", }')).toMatchObject({ ok: true, value: { list: [1, 2], text: ',}' } });
  });

  it('accepts a top-level array', () => {
    expect(parseJsonLeniently('Options: ["a", "b",]')).toMatchObject({ ok: true, value: ['a', 'b'] });
  });

  it('gives up on text that holds no JSON', () => {
    expect(parseJsonLeniently('No JSON here.').ok).toBe(false);
    expect(parseJsonLeniently('{"a": ').ok).toBe(false);
    expect(parseJsonLeniently('').ok).toBe(false);
  });
});
