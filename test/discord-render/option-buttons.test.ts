import { ButtonStyle, ComponentType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { decodeCustomId } from '../../src/discord/custom-id.ts';
import { shortenLabel } from '../../src/discord/render/button-label.ts';
import { buildOptionRow } from '../../src/discord/render/option-buttons.ts';

describe('shortenLabel', () => {
  it('keeps a short label, on one line', () => {
    expect(shortenLabel('  Approach the\nhooded figure ')).toBe('Approach the hooded figure');
  });

  it('cuts a long label at a word boundary and marks it with an ellipsis', () => {
    const text = 'Sneak around the back of the tavern, climb the drainpipe to the second floor and listen at the window';
    const label = shortenLabel(text);
    expect(label.length).toBeLessThanOrEqual(80);
    expect(label.endsWith('…')).toBe(true);
    expect(text.startsWith(label.slice(0, -1))).toBe(true);
    expect(text[label.length - 1]).toMatch(/[\s,]/u);
  });

  it('hard-cuts a single very long word without splitting an emoji', () => {
    const label = shortenLabel('🗡️'.repeat(60));
    expect(label.length).toBeLessThanOrEqual(80);
    expect(label.isWellFormed()).toBe(true);
    expect(label.replace(/(🗡️)+…$/u, '')).toBe('');
  });
});

describe('buildOptionRow', () => {
  it('builds one row of primary buttons with unique, decodable custom ids', () => {
    const options = ['Approach the figure', 'Order a drink', 'Search for exits', 'x'.repeat(120)];
    const row = buildOptionRow('turn42', options);
    expect(row?.type).toBe(ComponentType.ActionRow);
    const buttons = row?.components ?? [];
    expect(buttons).toHaveLength(4);
    expect(new Set(buttons.map((button) => button.custom_id)).size).toBe(4);
    buttons.forEach((button, index) => {
      expect(button.type).toBe(ComponentType.Button);
      expect(button.style).toBe(ButtonStyle.Primary);
      expect(button.label?.length).toBeLessThanOrEqual(80);
      expect(decodeCustomId(button.custom_id)).toEqual({ kind: 'option', turnId: 'turn42', index });
    });
    expect(buttons[3]?.label).toBe(`${'x'.repeat(79)}…`);
  });

  it('shows at most five buttons', () => {
    const row = buildOptionRow('turn42', ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(row?.components.map((button) => button.label)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('gives a whitespace-only option a label and returns null without options', () => {
    expect(buildOptionRow('turn42', ['  ', 'b', 'c'])?.components[0]?.label).toBe('Option 1');
    expect(buildOptionRow('turn42', [])).toBeNull();
  });
});
