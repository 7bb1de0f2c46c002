import { describe, expect, it } from 'vitest';
import { decodeCustomId, encodeOptionId } from '../../src/discord/custom-id.ts';

describe('custom ids', () => {
  it('round-trips an option id', () => {
    const id = encodeOptionId('turn_01J-abc', 3);
    expect(id).toBe('dm:opt:turn_01J-abc:3');
    expect(decodeCustomId(id)).toEqual({ kind: 'option', turnId: 'turn_01J-abc', index: 3 });
  });

  it('stays within 100 characters for the longest turn id', () => {
    const id = encodeOptionId('t'.repeat(64), 4);
    expect(id.length).toBeLessThanOrEqual(100);
    expect(decodeCustomId(id)).toEqual({ kind: 'option', turnId: 't'.repeat(64), index: 4 });
  });

  it('refuses to encode what it could not decode', () => {
    expect(() => encodeOptionId('', 0)).toThrow(RangeError);
    expect(() => encodeOptionId('has:colon', 0)).toThrow(RangeError);
    expect(() => encodeOptionId('t'.repeat(65), 0)).toThrow(RangeError);
    expect(() => encodeOptionId('turn', 5)).toThrow(RangeError);
    expect(() => encodeOptionId('turn', -1)).toThrow(RangeError);
    expect(() => encodeOptionId('turn', 1.5)).toThrow(RangeError);
  });

  it.each([
    ['another bot', 'confirm'],
    ['empty', ''],
    ['wrong prefix', 'dm:option:turn:1'],
    ['prefix only', 'dm:opt:'],
    ['missing index', 'dm:opt:turn'],
    ['empty index', 'dm:opt:turn:'],
    ['empty turn id', 'dm:opt::1'],
    ['index out of range', 'dm:opt:turn:5'],
    ['negative index', 'dm:opt:turn:-1'],
    ['leading zero', 'dm:opt:turn:01'],
    ['plus sign', 'dm:opt:turn:+1'],
    ['exponent', 'dm:opt:turn:1e0'],
    ['fraction', 'dm:opt:turn:1.0'],
    ['extra part', 'dm:opt:turn:1:2'],
    ['forbidden character in turn id', 'dm:opt:tu rn:1'],
    ['path in turn id', 'dm:opt:../x:1'],
    ['unicode turn id', 'dm:opt:tùrn:1'],
    ['turn id too long', `dm:opt:${'t'.repeat(65)}:1`],
    ['upper-case prefix', 'DM:OPT:turn:1'],
    ['whitespace around', ' dm:opt:turn:1'],
    ['over 100 characters', `dm:opt:${'t'.repeat(200)}:1`],
  ])('returns null for a forged or foreign id: %s', (_, id) => {
    expect(decodeCustomId(id)).toBeNull();
  });
});
