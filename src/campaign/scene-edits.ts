import type { SceneMetadata } from '../dm/types.ts';
import type { SceneEdits } from './types.ts';

/** A scene with nothing recorded yet: what a GM's first `/gm scene` edit starts from. */
export function emptyScene(): SceneMetadata {
  return {
    environmental_conditions: '',
    immediate_threats: '',
    story_progression: '',
    scene_elements: { npcs_present: [], objects_of_interest: [], current_location: '' },
  };
}

/**
 * The GM's words over the scene: location is where the party is, situation is what is going on (the story so far of
 * this scene), threats are the immediate threats, npcs a comma- or line-separated list of who is present.
 */
export function applySceneEdits(scene: SceneMetadata, edits: SceneEdits): SceneMetadata {
  return {
    ...scene,
    story_progression: edits.situation ?? scene.story_progression,
    immediate_threats: edits.threats ?? scene.immediate_threats,
    scene_elements: {
      ...scene.scene_elements,
      current_location: edits.location ?? scene.scene_elements.current_location,
      npcs_present: edits.npcs === undefined ? scene.scene_elements.npcs_present : splitList(edits.npcs),
    },
  };
}

function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
