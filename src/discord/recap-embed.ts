import { EmbedBuilder } from 'discord.js';
import type { StorySoFar, TurnGist } from '../campaign/story-so-far.ts';

// Every part is clipped to its own share so the whole embed stays under Discord's 6000 characters whatever the
// model and the players wrote: title 60 + description 3200 + fields 5 × (name 40 + value 500) < 6000.
const SUMMARY_LIMIT = 2000;
const DESCRIPTION_LIMIT = 3200;
const FIELD_VALUE_LIMIT = 500;
const PREMISE_LIMIT = 300;

/** The story so far as one embed, within Discord's limits (description 4096, fields 1024, all together 6000). */
export function recapEmbed(story: StorySoFar): EmbedBuilder {
  const title = story.status === 'ended' ? '📜 The story so far (the campaign has ended)' : '📜 The story so far';
  const embed = new EmbedBuilder().setTitle(title).setDescription(clip(describe(story), DESCRIPTION_LIMIT));
  const fields = [{ name: 'Premise', value: clip(story.premise, PREMISE_LIMIT) }];
  const scene = story.scene;
  if (scene !== null) {
    const location = scene.scene_elements.current_location.trim();
    const progression = scene.story_progression.trim();
    fields.push({ name: '📍 Where things stand', value: clip([location, progression].filter((part) => part !== '').join(': '), FIELD_VALUE_LIMIT) });
    fields.push({ name: 'Threats', value: clip(scene.immediate_threats, FIELD_VALUE_LIMIT) });
    const present = scene.scene_elements.npcs_present;
    fields.push({ name: 'Present', value: clip(present.length > 0 ? present.join(', ') : '', FIELD_VALUE_LIMIT) });
  }
  if (story.whispers.length > 0) {
    const lines = story.whispers.map((whisper) => `• You: ${whisper.text}\n  → ${whisper.answer}`);
    fields.push({ name: '🤫 Your whispers (private: only you see them)', value: clip(lines.join('\n'), FIELD_VALUE_LIMIT) });
  }
  return embed.addFields(fields);
}

function describe(story: StorySoFar): string {
  const parts: string[] = [];
  if (story.summary !== '') parts.push(clip(story.summary, SUMMARY_LIMIT));
  if (story.lately.length > 0) {
    const lines = story.lately.map(gistLine);
    parts.push(story.summary === '' ? lines.join('\n') : ['**Since then**', ...lines].join('\n'));
  }
  if (parts.length === 0) parts.push('Nothing has happened yet: the opening scene is still to come.');
  return parts.join('\n\n');
}

function gistLine(turn: TurnGist): string {
  const who = turn.kind === 'opening' ? 'The opening' : turn.kind === 'narration' ? 'The GM' : turn.players.join(', ');
  return `• **${who}**: ${turn.gist}`;
}

function clip(text: string, limit: number): string {
  const value = text.trim() === '' ? '—' : text.trim();
  return value.length > limit ? `${value.slice(0, limit - 1)}…` : value;
}
