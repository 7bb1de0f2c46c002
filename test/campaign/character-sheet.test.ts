import { describe, expect, it } from 'vitest';
import { applySheetChanges, describeModifiers, parseModifiers } from '../../src/campaign/character-sheet.ts';

describe('ability modifiers', () => {
  it.each([
    ['STR +2 DEX +3 WIS -1', { STR: 2, DEX: 3, WIS: -1 }],
    ['str+2, dex 3; wis:-1', { STR: 2, DEX: 3, WIS: -1 }],
    ['CHA=10 CON -5', { CHA: 10, CON: -5 }],
    ['INT + 4', { INT: 4 }],
    ['', {}],
    ['none', {}],
  ])('reads %j', (text, expected) => {
    expect(parseModifiers(text)).toEqual({ ok: true, modifiers: expected });
  });

  it.each([
    ['LUCK +2', 'not an ability'],
    ['STR +11', 'out of range'],
    ['DEX -6', 'out of range'],
    ['STR +2 STR +3', 'given twice'],
    ['STR', 'could not read'],
    ['STR +2 and DEX', 'could not read'],
    ['STR +1.5', 'could not read'],
  ])('refuses %j (%s)', (text, expected) => {
    const parsed = parseModifiers(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain(expected);
  });

  it('writes them back in the fixed order of the abilities', () => {
    expect(describeModifiers({ WIS: -1, STR: 2, DEX: 0 })).toBe('STR +2 DEX +0 WIS -1');
  });
});

describe('character sheets', () => {
  it('need a non-empty name, and keep the fields a change leaves out', () => {
    expect(applySheetChanges(undefined, { concept: 'a scout' })).toMatchObject({ ok: false, problem: expect.stringContaining('needs a name') });
    expect(applySheetChanges(undefined, { name: '   ' })).toMatchObject({ ok: false, problem: expect.stringContaining('cannot be empty') });
    const created = applySheetChanges(undefined, { name: ' Vex ', concept: 'a half-elf\nscout', modifiers: 'DEX +3' });
    expect(created).toEqual({ ok: true, sheet: { name: 'Vex', concept: 'a half-elf scout', description: '', modifiers: { DEX: 3 } } });
    if (!created.ok) return;
    expect(applySheetChanges(created.sheet, { description: 'Quick hands', name: null })).toEqual({
      ok: true,
      sheet: { name: 'Vex', concept: 'a half-elf scout', description: 'Quick hands', modifiers: { DEX: 3 } },
    });
  });

  it('refuses fields past their length and bad modifiers, saying which', () => {
    expect(applySheetChanges(undefined, { name: 'x'.repeat(41) })).toMatchObject({ ok: false, problem: expect.stringContaining('at most 40') });
    expect(applySheetChanges(undefined, { name: 'Vex', concept: 'x'.repeat(101) })).toMatchObject({ ok: false, problem: expect.stringContaining('at most 100') });
    expect(applySheetChanges(undefined, { name: 'Vex', description: 'x'.repeat(301) })).toMatchObject({ ok: false, problem: expect.stringContaining('at most 300') });
    expect(applySheetChanges(undefined, { name: 'Vex', modifiers: 'DEX +12' })).toMatchObject({ ok: false, problem: expect.stringContaining('DEX') });
  });
});
