import { describe, expect, it } from 'vitest';
import type { StorySoFar } from '../../src/campaign/story-so-far.ts';
import { recapEmbed } from '../../src/discord/recap-embed.ts';

const EMBED_TOTAL = 6000;

function embedLength(embed: ReturnType<ReturnType<typeof recapEmbed>['toJSON']>): number {
  const fields = (embed.fields ?? []).reduce((total, field) => total + field.name.length + field.value.length, 0);
  return (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + fields + (embed.footer?.text.length ?? 0);
}

const story = (overrides: Partial<StorySoFar> = {}): StorySoFar => ({
  premise: 'A crypt beneath the abbey',
  status: 'active',
  summary: '',
  lately: [],
  scene: null,
  whispers: [],
  ...overrides,
});

describe('the recap embed', () => {
  it('stays within every Discord limit however long the summary, the turns, the names and the scene are', () => {
    const huge = 'x'.repeat(10_000);
    const embed = recapEmbed(
      story({
        premise: huge,
        status: 'ended',
        summary: huge,
        lately: Array.from({ length: 5 }, () => ({ kind: 'turn' as const, players: Array.from({ length: 10 }, () => 'n'.repeat(32)), gist: huge })),
        scene: {
          environmental_conditions: huge,
          immediate_threats: huge,
          story_progression: huge,
          scene_elements: { npcs_present: Array.from({ length: 50 }, () => huge), objects_of_interest: [huge], current_location: huge },
        },
        whispers: Array.from({ length: 3 }, () => ({ text: huge, answer: huge })),
      }),
    ).toJSON();
    expect(embed.title?.length).toBeLessThanOrEqual(256);
    expect(embed.description?.length).toBeLessThanOrEqual(4096);
    for (const field of embed.fields ?? []) expect(field.value.length).toBeLessThanOrEqual(1024);
    expect(embedLength(embed)).toBeLessThanOrEqual(EMBED_TOTAL);
  });

  it('says plainly when nothing has happened yet, and heads the turns after a summary', () => {
    expect(recapEmbed(story()).toJSON().description).toBe('Nothing has happened yet: the opening scene is still to come.');
    const withSummary = recapEmbed(
      story({ summary: 'The party entered the crypt.', lately: [{ kind: 'turn', players: ['Alice', 'Bob'], gist: 'The ghoul falls.' }] }),
    ).toJSON();
    expect(withSummary.description).toBe('The party entered the crypt.\n\n**Since then**\n• **Alice, Bob**: The ghoul falls.');
  });
});
