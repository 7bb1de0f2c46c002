import { z } from 'zod';
import { ABILITIES } from './types.ts';

// The four protocol events, in the JSON shape of the original WebSocket protocol (docs/architecture.md: a turn), so that
// any sink (Discord, a web page, an overlay) can consume the same stream.

export const sceneElementsSchema = z.object({
  npcs_present: z.array(z.string()),
  objects_of_interest: z.array(z.string()),
  current_location: z.string(),
});

export const sceneMetadataSchema = z.object({
  environmental_conditions: z.string(),
  immediate_threats: z.string(),
  story_progression: z.string(),
  scene_elements: sceneElementsSchema,
});

export type SceneMetadata = z.infer<typeof sceneMetadataSchema>;

const timestamp = z.iso.datetime();

export const narrativeChunkSchema = z.object({
  type: z.literal('narrative_chunk'),
  content: z.string(),
  is_final: z.boolean(),
  timestamp,
});

export const playerResponseChunkSchema = z.object({
  type: z.literal('player_response_chunk'),
  content: z.string(),
  is_final: z.boolean(),
  timestamp,
});

/** A check the DM called for on an option (`OptionCheck`). */
export const optionCheckSchema = z.object({
  ability: z.enum(ABILITIES).nullable(),
  dice: z.string().min(1),
  difficulty: z.number().int().nullable(),
});

export const playerOptionsSchema = z.object({
  type: z.literal('player_options'),
  options: z.array(z.string().min(1)).min(3).max(5),
  /**
   * Beside `options`, index for index, when any option is a check. An addition to the original protocol: a consumer
   * that knows only `options` still reads plain strings.
   */
  checks: z.array(optionCheckSchema.nullable()).optional(),
  timestamp,
});

export const metadataUpdateSchema = z.object({
  type: z.literal('metadata_update'),
  metadata: sceneMetadataSchema,
  timestamp,
});

export const turnEventSchema = z.discriminatedUnion('type', [
  narrativeChunkSchema,
  playerResponseChunkSchema,
  playerOptionsSchema,
  metadataUpdateSchema,
]);

export type NarrativeChunk = z.infer<typeof narrativeChunkSchema>;
export type PlayerResponseChunk = z.infer<typeof playerResponseChunkSchema>;
export type PlayerOptionsEvent = z.infer<typeof playerOptionsSchema>;
export type MetadataUpdate = z.infer<typeof metadataUpdateSchema>;
export type TurnEvent = z.infer<typeof turnEventSchema>;

export function now(): string {
  return new Date().toISOString();
}
