import { EmbedBuilder } from 'discord.js';
import type { SceneMetadata } from '../dm/types.ts';

const FIELD_VALUE_LIMIT = 1024;
const TITLE_LIMIT = 256;

/** The stored scene as an embed; every value is clipped to Discord's field limits (model text can be long). */
export function sceneEmbed(scene: SceneMetadata): EmbedBuilder {
  const elements = scene.scene_elements;
  return new EmbedBuilder()
    .setTitle(clip(`📍 ${elements.current_location || 'Somewhere'}`, TITLE_LIMIT))
    .addFields(
      { name: 'Conditions', value: clip(scene.environmental_conditions, FIELD_VALUE_LIMIT) },
      { name: 'Immediate threats', value: clip(scene.immediate_threats, FIELD_VALUE_LIMIT) },
      { name: 'Story so far', value: clip(scene.story_progression, FIELD_VALUE_LIMIT) },
      { name: 'Characters present', value: clip(listOrNone(elements.npcs_present), FIELD_VALUE_LIMIT), inline: true },
      { name: 'Objects of interest', value: clip(listOrNone(elements.objects_of_interest), FIELD_VALUE_LIMIT), inline: true },
    );
}

function listOrNone(items: string[]): string {
  return items.length > 0 ? items.map((item) => `• ${item}`).join('\n') : '—';
}

function clip(text: string, limit: number): string {
  const value = text.trim() === '' ? '—' : text.trim();
  return value.length > limit ? `${value.slice(0, limit - 1)}…` : value;
}
