import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIComponentInMessageActionRow } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { encodeOptionId } from '../../src/discord/custom-id.ts';
import { buildRetiredOptionRows, disableOptionRows } from '../../src/discord/render/disable-buttons.ts';
import { buildOptionRow } from '../../src/discord/render/option-buttons.ts';

function optionRows(options: string[]): APIActionRowComponent<APIComponentInMessageActionRow>[] {
  const row = buildOptionRow('turn7', options);
  return row === null ? [] : [row];
}

describe('disableOptionRows', () => {
  it('disables every option and marks the chosen one', () => {
    const rows = disableOptionRows(optionRows(['Fight', 'Flee', 'Parley']), encodeOptionId('turn7', 1));
    expect(rows[0]?.components).toEqual([
      { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Fight', custom_id: 'dm:opt:turn7:0', disabled: true },
      { type: ComponentType.Button, style: ButtonStyle.Success, label: '✓ Flee', custom_id: 'dm:opt:turn7:1', disabled: true },
      { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Parley', custom_id: 'dm:opt:turn7:2', disabled: true },
    ]);
  });

  it('disables all without a chosen one (the party acted otherwise)', () => {
    const rows = disableOptionRows(optionRows(['Fight', 'Flee', 'Parley']));
    for (const button of rows[0]?.components ?? []) {
      expect(button).toMatchObject({ style: ButtonStyle.Secondary, disabled: true });
    }
  });

  it('keeps the marked label within 80 characters', () => {
    const rows = disableOptionRows(optionRows(['word '.repeat(40), 'b', 'c']), encodeOptionId('turn7', 0));
    const label = rows[0]?.components[0] && 'label' in rows[0].components[0] ? rows[0].components[0].label : undefined;
    expect(label?.startsWith('✓ ')).toBe(true);
    expect(label?.length).toBeLessThanOrEqual(80);
  });

  it('is idempotent and leaves components it does not own alone', () => {
    const foreign: APIComponentInMessageActionRow = { type: ComponentType.Button, style: ButtonStyle.Primary, label: 'Other', custom_id: 'poll:yes' };
    const foreignRow: APIActionRowComponent<APIComponentInMessageActionRow> = { type: ComponentType.ActionRow, components: [foreign] };
    const rows = [foreignRow, ...optionRows(['a', 'b', 'c'])];
    const once = disableOptionRows(rows, encodeOptionId('turn7', 2));
    expect(disableOptionRows(once, encodeOptionId('turn7', 2))).toEqual(once);
    expect(once[0]?.components[0]).toEqual(foreign);
  });
});

describe('buildRetiredOptionRows', () => {
  it('rebuilds the disabled row of an old turn from its stored options', () => {
    const rows = buildRetiredOptionRows('turn7', ['Fight', 'Flee', 'Parley'], 2);
    expect(rows).toEqual(disableOptionRows(optionRows(['Fight', 'Flee', 'Parley']), encodeOptionId('turn7', 2)));
    expect(buildRetiredOptionRows('turn7', ['Fight', 'Flee', 'Parley'], null)[0]?.components.every((button) => button.disabled)).toBe(true);
    expect(buildRetiredOptionRows('turn7', [], null)).toEqual([]);
  });
});
