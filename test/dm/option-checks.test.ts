import { zodResponseFormat } from 'openai/helpers/zod';
import { describe, expect, it } from 'vitest';
import { normaliseCheck, normaliseOptionChoices, optionsOutputSchema } from '../../src/dm/normalise-options.ts';
import { DUNGEON_MASTER_PERSONA } from '../../src/dm/prompts/persona.ts';
import { optionsInstruction } from '../../src/dm/prompts/phase-instructions.ts';
import { renderActions } from '../../src/dm/prompts/render-context.ts';

// Checks the DM calls for, on the model's side: the options schema (strict output, and the plain list of small
// models), how a garbled check is mended, and what the prompts say about rolls.

function parsed(value: unknown) {
  const result = optionsOutputSchema.safeParse(value);
  if (!result.success) throw new Error(result.error.message);
  return normaliseOptionChoices(result.data.options);
}

describe('the options schema', () => {
  it('is one strict structured output can express: every field required, checks nullable', () => {
    const schema = zodResponseFormat(optionsOutputSchema, 'player_options').json_schema.schema as Record<string, unknown>;
    const text = JSON.stringify(schema);
    expect(text).toContain('"required":["text","check"]');
    expect(text).toContain('"required":["ability","dice","difficulty"]');
    expect(text).toContain('"additionalProperties":false');
    // Strict mode refuses `default`, which a `.catch` in the wrong place would add.
    expect(text).not.toContain('"default"');
  });

  it('reads options with and without checks', () => {
    const choices = parsed({
      options: [
        { text: 'Sneak past the guard', check: { ability: 'DEX', dice: 'd20', difficulty: 15 } },
        { text: 'Talk your way in', check: { ability: 'CHA', dice: 'd20', difficulty: null } },
        { text: 'Wait for nightfall', check: null },
      ],
    });
    expect(choices.options).toEqual(['Sneak past the guard', 'Talk your way in', 'Wait for nightfall']);
    expect(choices.checks).toEqual([{ ability: 'DEX', dice: 'd20', difficulty: 15 }, { ability: 'CHA', dice: 'd20', difficulty: null }, null]);
  });

  it('reads the plain list of strings of a model that gives no checks, as plain options', () => {
    const choices = parsed({ options: ['Approach the hooded figure', 'Order a drink', 'Search for exits'] });
    expect(choices).toEqual({ options: ['Approach the hooded figure', 'Order a drink', 'Search for exits'], checks: undefined });
    expect(parsed({ options: [{ text: 'A', check: null }, 'B', { text: 'C' }] }).checks).toBeUndefined();
  });

  it('keeps the other options when one item or one check is garbled', () => {
    const choices = parsed({
      options: [
        42,
        { text: 'Climb the wall', check: { ability: 'dexterity' } },
        { text: 'Force the door', check: 'STR' },
        { text: 'Pick the lock', check: { ability: 'DEX', dice: 'd20+DEX', difficulty: '12' } },
        'Run',
      ],
    });
    expect(choices.options).toEqual(['Climb the wall', 'Force the door', 'Pick the lock', 'Run']);
    expect(choices.checks).toEqual([{ ability: 'DEX', dice: 'd20', difficulty: null }, null, { ability: 'DEX', dice: 'd20', difficulty: null }, null]);
  });
});

describe('normaliseCheck', () => {
  it('mends dice and difficulties, and makes a check that names nothing no check', () => {
    expect(normaliseCheck({ ability: null, dice: '2D6', difficulty: 8.4 })).toEqual({ ability: null, dice: '2d6', difficulty: 8 });
    expect(normaliseCheck({ ability: 'wis', dice: '999d9999', difficulty: 300 })).toEqual({ ability: 'WIS', dice: 'd20', difficulty: null });
    expect(normaliseCheck({ ability: 'LUCK', dice: 'd7', difficulty: -3 })).toEqual({ ability: null, dice: 'd20', difficulty: null });
    expect(normaliseCheck({ ability: null, dice: null, difficulty: null })).toBeNull();
    expect(normaliseCheck(null)).toBeNull();
  });
});

describe('a long option', () => {
  it('is cut with an ellipsis, never inside an emoji', () => {
    // 298 letters, then emoji: the cut at 299 UTF-16 units would fall between the two halves of the first one.
    const text = `${'a'.repeat(298)}🐉🐉🐉`;
    const [option = ''] = normaliseOptionChoices([text]).options;
    expect(option.endsWith('…')).toBe(true);
    expect(option.isWellFormed()).toBe(true);
    expect(option).toBe(`${'a'.repeat(298)}…`);
  });
});

describe('the prompts', () => {
  it('explain the optional check and that the code rolls (in the persona every phase shares), and ask for its shape last', () => {
    expect(DUNGEON_MASTER_PERSONA).toContain('you may make it a check');
    expect(DUNGEON_MASTER_PERSONA).toContain('Never roll or invent a result');
    const instruction = optionsInstruction('N', 'R').content;
    expect(instruction).toContain('Phase 3, PLAYER OPTIONS');
    expect(instruction).toContain('"check": {"ability": "DEX", "dice": "d20", "difficulty": 15}');
  });

  it("put a clicked check's roll on its action's line, as code's numbers", () => {
    const line = renderActions([
      {
        id: '1',
        playerId: 'p',
        playerName: 'Alice',
        text: 'Sneak past the guard',
        source: 'option',
        check: { expression: 'd20+DEX', rolls: '[14]+3', total: 17, difficulty: 15, success: true, characterName: 'Vex' },
      },
    ]);
    expect(line).toBe(
      '- Alice: "Sneak past the guard" (a check rolled by the bot, not by you; the outcome follows it: ' +
        '{"dice":"d20+DEX","rolls":"[14]+3","total":17,"difficulty":15,"result":"success"})',
    );
  });
});
