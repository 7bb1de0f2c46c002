import { describe, expect, it } from 'vitest';
import { choiceLine } from '../../src/discord/option-click.ts';
import { checkLabel } from '../../src/discord/render/button-label.ts';
import { buildOptionRow } from '../../src/discord/render/option-buttons.ts';

const sneak = { ability: 'DEX' as const, dice: 'd20', difficulty: 15 };

describe('check buttons', () => {
  it('show the die in front and the roll behind', () => {
    expect(checkLabel('Sneak past the guard', sneak)).toBe('🎲 Sneak past the guard (d20+DEX)');
    expect(checkLabel('Search the cellar', { ability: null, dice: '2d6', difficulty: null })).toBe('🎲 Search the cellar (2d6)');
  });

  it('shorten only the text, so a long option keeps its whole roll within 80 characters', () => {
    const text = 'Sneak around the back of the tavern, climb the drainpipe to the second floor and listen at the window';
    const label = checkLabel(text, { ability: 'DEX', dice: '10d100', difficulty: null });
    expect(label.length).toBeLessThanOrEqual(80);
    expect(label.startsWith('🎲 Sneak around')).toBe(true);
    expect(label.endsWith('… (10d100+DEX)')).toBe(true);
  });

  it('mark only the options that are checks', () => {
    const row = buildOptionRow('turn42', ['Sneak past the guard', 'Wait'], [sneak, null]);
    expect(row?.components.map((button) => button.label)).toEqual(['🎲 Sneak past the guard (d20+DEX)', 'Wait']);
    expect(buildOptionRow('turn42', ['Sneak past the guard', 'Wait'])?.components.map((button) => button.label)).toEqual(['Sneak past the guard', 'Wait']);
  });
});

describe("a check click's public line", () => {
  const base = { id: 'c', playerId: 'p', playerName: 'Alice', text: 'Sneak past the guard', source: 'option' as const };

  it('shows the dice as they fell, the modifier, the total and the outcome', () => {
    const check = { expression: 'd20+DEX', rolls: '[14]+3', total: 17, difficulty: 15, success: true, characterName: 'Vex' };
    expect(choiceLine('Alice', { ...base, check })).toBe('🎲 **Alice (Vex)** chooses: Sneak past the guard — d20+DEX: [14]+3 = **17** vs DC 15: success');
    expect(choiceLine('Alice', { ...base, check: { ...check, characterName: undefined, difficulty: null, success: null } })).toBe(
      '🎲 **Alice** chooses: Sneak past the guard — d20+DEX: [14]+3 = **17**',
    );
    expect(choiceLine('Alice', base)).toBe('**Alice** chooses: Sneak past the guard');
  });
});
