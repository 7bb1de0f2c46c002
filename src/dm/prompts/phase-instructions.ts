import type { ChatMessage } from '../../llm/types.ts';
import type { NarrationLength, TurnContext } from '../types.ts';

// What each phase asks for, appended after the shared prefix. Earlier phases' output comes here too,
// never inside the prefix, so the prefix stays identical across the four calls.

/** How much each narrated phase may write, by the table's `/gm config length`. */
export const NARRATION_LENGTH: Record<NarrationLength, { words: string; maxTokens: number }> = {
  short: { words: 'One short paragraph, under 500 characters', maxTokens: 350 },
  normal: { words: 'One or two short paragraphs, under 900 characters', maxTokens: 600 },
  long: { words: 'Two or three paragraphs, under 1600 characters', maxTokens: 1000 },
};

export function narrativeInstruction(context: TurnContext): ChatMessage {
  const task = context.opening
    ? 'Phase 1, NARRATIVE. Open the scene from the premise: where the party is, what they see, hear and feel.'
    : 'Phase 1, NARRATIVE. Describe the scene as the actions begin: atmosphere, environment, sensations, how the place reacts.';
  return {
    role: 'user',
    content: `${task}\n${NARRATION_LENGTH[context.rules.length].words}. Do not resolve the actions yet and do not list options.`,
  };
}

export function responseInstruction(context: TurnContext, narrative: string): ChatMessage {
  const task =
    context.opening
      ? 'Phase 2, PLAYER RESPONSE. Put the party in the situation: a hook that asks them to decide what to do.'
      : 'Phase 2, PLAYER RESPONSE. Say what happens because of each action of this turn, naming the acting players.';
  return {
    role: 'user',
    content: [
      'Phase 1 is written; players are reading it:',
      quote(narrative),
      task,
      `${NARRATION_LENGTH[context.rules.length].words}. Continue from the narrative without repeating it; do not list options.`,
    ].join('\n\n'),
  };
}

export function optionsInstruction(narrative: string, response: string): ChatMessage {
  return {
    role: 'user',
    content: [
      'This turn as the players read it:',
      quote(`${narrative}\n\n${response}`),
      'Phase 3, PLAYER OPTIONS. Offer 3 to 5 distinct, concrete next actions the party could take now.',
      'Each under 80 characters, imperative, without numbering.',
      'Answer with JSON only: {"options": ["…", "…", "…"]}',
    ].join('\n\n'),
  };
}

export function metadataInstruction(narrative: string, response: string): ChatMessage {
  return {
    role: 'user',
    content: [
      'This turn as the players read it:',
      quote(`${narrative}\n\n${response}`),
      'Phase 4, SCENE METADATA. Record the state of the scene after this turn, for continuity in the next turns.',
      'Answer with JSON only: {"environmental_conditions": "…", "immediate_threats": "…", "story_progression": "…", ' +
        '"scene_elements": {"npcs_present": ["…"], "objects_of_interest": ["…"], "current_location": "…"}}',
    ].join('\n\n'),
  };
}

export function continuationInstruction(): ChatMessage {
  return {
    role: 'user',
    content:
      'Your previous message was cut off. Continue it from exactly where it stops: do not repeat any of it, do not restart.',
  };
}

function quote(text: string): string {
  return `"""\n${text.trim()}\n"""`;
}
