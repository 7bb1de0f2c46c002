import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonLeniently } from '../../src/llm/json-repair.ts';

describe('parseJsonLeniently', () => {
  it('parses clean JSON as not repaired', () => {
    expect(parseJsonLeniently(' {"a": 1} ')).toEqual({ ok: true, value: { a: 1 }, repaired: false, cut: false });
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

  // jsonrepair alone would read prose as strings: '{...}\nEnjoy!' as [{...}, "Enjoy!"], 'Sure!' as "Sure!".
  it.each([
    ['a sentence before and after, on one line', 'Sure! Here are your options: {"options": ["Run", "Hide"]} Enjoy!'],
    ['a sentence after, on its own line', '{"options": ["Run", "Hide"]}\n\nThat is all.'],
    ['prose around a code fence', 'Sure! Here are your options:\n```json\n{"options": ["Run", "Hide"]}\n```\nEnjoy [the] game!'],
    ['brackets in the prose before a code fence', 'Options [as asked]:\n```\n{"options": ["Run", "Hide"]}\n```'],
  ])('finds the value in prose (%s)', (_name, text) => {
    expect(parseJsonLeniently(text)).toEqual({ ok: true, value: { options: ['Run', 'Hide'] }, repaired: true, cut: false });
  });

  it('closes a bracket left open before the prose', () => {
    expect(parseJsonLeniently('{"a": [1, 2} Have fun!')).toMatchObject({ ok: true, value: { a: [1, 2] }, cut: false });
  });

  describe('cut at the token limit', () => {
    it('keeps the complete options and the cut one as far as it got', () => {
      expect(parseJsonLeniently('{"options": ["Run", "Hide", "Sea')).toEqual({ ok: true, value: { options: ['Run', 'Hide', 'Sea'] }, repaired: true, cut: true });
    });

    it('keeps the complete options when the cut falls between two', () => {
      expect(parseJsonLeniently('{"options": ["Run", "Hide", ')).toMatchObject({ ok: true, value: { options: ['Run', 'Hide'] }, cut: true });
      expect(parseJsonLeniently('{"options": ["Run", "Hide"')).toMatchObject({ ok: true, value: { options: ['Run', 'Hide'] } });
    });

    it('keeps a cut option object with the fields it got', () => {
      const text = '```json\n{"options": [{"label": "Run", "action": "Aria runs."}, {"label": "Hide", "action": "Aria ducks be';
      expect(parseJsonLeniently(text)).toMatchObject({
        ok: true,
        value: { options: [{ label: 'Run', action: 'Aria runs.' }, { label: 'Hide', action: 'Aria ducks be' }] },
      });
    });

    const metadata = '{"location": "The Drowned Market", "npcs": [{"name": "Vel", "mood": "wary"}, {"name": "Os", "mood": "calm"}]';
    const cutMetadata = { location: 'The Drowned Market', npcs: [{ name: 'Vel', mood: 'wary' }, { name: 'Os', mood: 'calm' }] };

    it('closes a cut metadata object, keeping a cut string as far as it got', () => {
      expect(parseJsonLeniently(`${metadata}, "situation": "Vel eyes the cro`)).toEqual({
        ok: true,
        value: { ...cutMetadata, situation: 'Vel eyes the cro' },
        repaired: true,
        cut: true,
      });
      expect(parseJsonLeniently('{"location": "The Drowned Market", "npcs": [{"name": "Vel", "mood": "wa')).toMatchObject({
        ok: true,
        value: { location: 'The Drowned Market', npcs: [{ name: 'Vel', mood: 'wa' }] },
      });
    });

    it.each([
      ['after the colon', `${metadata}, "threat": `],
      ['after the key', `${metadata}, "threat"`],
      ['inside the key', `${metadata}, "thre`],
      ['at the opening quote of a key', `${metadata}, "`],
      ['after a comma', `${metadata},`],
    ])('drops a member cut before its value began (%s) instead of inventing null', (_name, text) => {
      expect(parseJsonLeniently(text)).toEqual({ ok: true, value: cutMetadata, repaired: true, cut: true });
    });

    it('drops an array or object opened but still empty at the cut', () => {
      const option = '{"label": "Run", "action": "Aria runs."}';
      for (const text of [`{"options": [${option}, {`, `{"options": [${option}, {"lab`, `{"options": [${option}, {"label": `]) {
        expect(parseJsonLeniently(text)).toEqual({ ok: true, value: { options: [{ label: 'Run', action: 'Aria runs.' }] }, repaired: true, cut: true });
      }
      expect(parseJsonLeniently(`${metadata}, "exits": [`)).toEqual({ ok: true, value: cutMetadata, repaired: true, cut: true });
      expect(parseJsonLeniently(`${metadata}, "exits": [[`)).toEqual({ ok: true, value: cutMetadata, repaired: true, cut: true });
    });

    it('keeps an empty array or object the model closed itself', () => {
      expect(parseJsonLeniently('{"location": "Docks", "npcs": [], "exits": {}')).toMatchObject({
        ok: true,
        value: { location: 'Docks', npcs: [], exits: {} },
      });
    });

    it('drops a member cut before its value began inside a nested object', () => {
      expect(parseJsonLeniently('{"location": "Docks", "npcs": [{"name": "Vel", "mood": ')).toMatchObject({
        ok: true,
        value: { location: 'Docks', npcs: [{ name: 'Vel' }] },
      });
    });

    it('keeps a null the model wrote itself', () => {
      expect(parseJsonLeniently('{"location": "Docks", "threat": null')).toMatchObject({ ok: true, value: { location: 'Docks', threat: null } });
      expect(parseJsonLeniently('{"location": "Docks", "threat": None,')).toMatchObject({ ok: true, value: { location: 'Docks', threat: null } });
    });

    it('gives up when the cut leaves nothing', () => {
      for (const text of ['{', '[', '{"options": ', '```json\n{"', 'Here are the options: [']) expect(parseJsonLeniently(text).ok).toBe(false);
    });

    it('reads a ``` inside a cut option as the option\'s text, not as a code fence', () => {
      // Found by the property below (seed 334722372): the fence was stripped and nothing was left to parse.
      expect(parseJsonLeniently('{"options": ["```!')).toEqual({ ok: true, value: { options: ['```!'] }, repaired: true, cut: true });
    });

    it('keeps every complete option and a prefix of the cut one, wherever the cut falls', () => {
      // Without brackets: jsonrepair reads a string holding an unclosed bracket, followed by a closing one, as the
      // text before the bracket and an array (`{"options": ["Go ["]` gives ["Go", [""]]), on purpose: it takes a `"`
      // followed by `]` for an unescaped quote when the string opened a bracket.
      const option = fc
        .string({ minLength: 1, maxLength: 20 })
        .map((text) => text.replace(/[[\]{}]/g, ''))
        .filter((text) => text.trim() !== '');
      fc.assert(
        fc.property(fc.array(option, { minLength: 1, maxLength: 5 }), fc.nat(), (options, cutAt) => {
          const head = '{"options": [';
          const items = options.map((text) => JSON.stringify(text));
          const json = `${head}${items.join(', ')}]}`;
          // Cut anywhere after the first option's opening quote.
          const text = json.slice(0, head.length + 1 + (cutAt % (json.length - head.length - 1)));
          let complete = 0;
          let itemEnd = head.length;
          for (const item of items) {
            itemEnd += item.length;
            if (itemEnd > text.length) break;
            complete += 1;
            itemEnd += ', '.length;
          }

          const result = parseJsonLeniently(text);
          expect(result).toMatchObject({ ok: true, repaired: true, cut: true });
          if (!result.ok) return;
          const got = (result.value as { options: string[] }).options;
          expect(got.slice(0, complete)).toEqual(options.slice(0, complete));
          expect(got.length).toBeLessThanOrEqual(complete + 1);
          const cut = got[complete];
          if (cut !== undefined) expect(options[complete]?.startsWith(cut)).toBe(true);
        }),
        { numRuns: 500 },
      );
    });

    it('keeps every complete option object and the fields of the cut one as far as they got, wherever the cut falls', () => {
      const text = fc.string({ maxLength: 20 }).map((value) => value.replace(/[[\]{}]/g, ''));
      const options = fc.array(fc.record({ label: text, action: text }), { minLength: 1, maxLength: 4 });
      fc.assert(
        fc.property(options, fc.nat(), fc.boolean(), (written, cutAt, pretty) => {
          const json = JSON.stringify({ options: written }, null, pretty ? 2 : undefined);
          const text = json.slice(0, '{"options": [{'.length + (cutAt % (json.length - '{"options": [{'.length)));
          const result = parseJsonLeniently(text);
          if (!result.ok) return;
          const got = (result.value as { options?: Record<string, string>[] }).options ?? [];
          got.forEach((option, index) => {
            expect(Object.keys(option).length).toBeGreaterThan(0);
            for (const [key, value] of Object.entries(option)) expect(written[index]?.[key as 'label' | 'action'].startsWith(value)).toBe(true);
          });
          expect(got.slice(0, -1)).toEqual(written.slice(0, got.length - 1));
        }),
        { numRuns: 500 },
      );
    });

    it.each([
      ['a comma', '{"options": ["Run", "Search the room, then look,', { options: ['Run', 'Search the room, then look,'] }],
      ['a colon', '{"situation": "Vel, the smuggler:', { situation: 'Vel, the smuggler:' }],
      ['a slash', '{"options": ["Run", "Ask: why/', { options: ['Run', 'Ask: why/'] }],
      ['a bracket', '{"options": ["Run", "Go to the [', { options: ['Run', 'Go to the ['] }],
    ])('keeps a string cut just after %s whole (jsonrepair alone would split it at its first delimiter)', (_name, text, value) => {
      expect(parseJsonLeniently(text)).toEqual({ ok: true, value, repaired: true, cut: true });
    });

    it('drops an escape sequence cut in half', () => {
      expect(parseJsonLeniently('{"options": ["Run", "Caf\\u00')).toMatchObject({ ok: true, value: { options: ['Run', 'Caf'] } });
      expect(parseJsonLeniently('{"options": ["Run", "Say \\')).toMatchObject({ ok: true, value: { options: ['Run', 'Say '] } });
      expect(parseJsonLeniently('{"options": ["Run", "Say \\"hi')).toMatchObject({ ok: true, value: { options: ['Run', 'Say "hi'] } });
    });
  });

  describe('JavaScript and Python instead of JSON', () => {
    it('reads single quotes', () => {
      expect(parseJsonLeniently("{'options': ['Run', \"Don't hide\"], 'text': 'a } b'} Have fun!")).toEqual({
        ok: true,
        value: { options: ['Run', "Don't hide"], text: 'a } b' },
        repaired: true,
        cut: false,
      });
    });

    it('reads unquoted keys', () => {
      expect(parseJsonLeniently('{options: ["Run", "Hide"], threat_level: 2}')).toMatchObject({
        ok: true,
        value: { options: ['Run', 'Hide'], threat_level: 2 },
      });
    });

    it('skips comments', () => {
      const text = '{\n  // what the party can do\n  "options": ["Run", /* the safe one */ "Hide"]\n}';
      expect(parseJsonLeniently(text)).toMatchObject({ ok: true, value: { options: ['Run', 'Hide'] } });
    });

    it('reads Python constants', () => {
      expect(parseJsonLeniently('{"hostile": True, "fled": False, "leader": None}')).toMatchObject({
        ok: true,
        value: { hostile: true, fled: false, leader: null },
      });
    });
  });

  it.each([
    'I cannot do that, Dave.',
    'Sure, let me think about it.\nMaybe later.',
    'True',
    'The party should run, hide, or search.',
    '```\nNo options today.\n```',
  ])('gives up on text that is not JSON at all: %j', (text) => {
    expect(parseJsonLeniently(text)).toMatchObject({ ok: false, message: expect.stringContaining('no JSON object or array') });
  });
});
