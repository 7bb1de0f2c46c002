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

/** Room in phase 1's token cap for the "previously…" paragraph, on top of the table's length. */
export const PREVIOUSLY_MAX_TOKENS = 150;

/**
 * After a long gap the players have forgotten where they were. The recap is asked for here, in phase 1's own
 * instruction, never in the shared prefix (which must stay the same bytes for phases 2-4); it is drawn only from the
 * prompt's story so far and recent turns, so the model recalls rather than invents.
 */
const PREVIOUSLY =
  'The table returns after a long break. Begin with one short italic paragraph that starts with "*Previously…*": two or three ' +
  'sentences recalling the story so far, drawn only from the summary and recent turns above. Then a blank line, then the scene.';

/** The X-card's redirection: a clear turn away from what was withdrawn, which the model never sees again. */
const REDIRECT =
  'A player withdrew the previous version of this scene with the X-card. Take the scene in a clearly different, gentler direction; ' +
  'do not return to whatever might have made it uncomfortable, and do not mention the withdrawal.';

export function narrativeInstruction(context: TurnContext): ChatMessage {
  const task = context.opening
    ? 'Phase 1, NARRATIVE. Open the scene from the premise: where the party is, what they see, hear and feel.'
    : 'Phase 1, NARRATIVE. Describe the scene as the actions begin: atmosphere, environment, sensations, how the place reacts.';
  const recap = context.previously === true && !context.opening ? `\n${PREVIOUSLY}` : '';
  const redirect = context.redirect === true ? `\n${REDIRECT}` : '';
  return {
    role: 'user',
    content: `${task}${redirect}${recap}\n${NARRATION_LENGTH[context.rules.length].words}${recap === '' ? '' : ' after the recap'}. Do not resolve the actions yet and do not list options.`,
  };
}

/** Phase 1's token cap: the table's length, plus room for the recap when one is asked for. */
export function narrativeMaxTokens(context: TurnContext): number {
  const recap = context.previously === true && !context.opening ? PREVIOUSLY_MAX_TOKENS : 0;
  return NARRATION_LENGTH[context.rules.length].maxTokens + recap;
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

/**
 * What options are (and the optional checks, so a model that ignores them still gives good options) is in the
 * persona; here only this turn's text and the answer's shape, which a model without structured output needs to see
 * last. The numbers are the table's: the model names what is tested and how hard, and the code rolls on a click.
 */
export function optionsInstruction(narrative: string, response: string): ChatMessage {
  return {
    role: 'user',
    content: [
      'This turn as the players read it:',
      quote(`${narrative}\n\n${response}`),
      'Phase 3, PLAYER OPTIONS. Answer with JSON only: {"options": [{"text": "…", "check": null}, {"text": "…", "check": {"ability": "DEX", "dice": "d20", "difficulty": 15}}, …]}',
    ].join('\n\n'),
  };
}

export function metadataInstruction(narrative: string, response: string): ChatMessage {
  return {
    role: 'user',
    content: [
      'This turn as the players read it:',
      quote(`${narrative}\n\n${response}`),
      'Phase 4, SCENE METADATA. Answer with JSON only: {"environmental_conditions": "…", "immediate_threats": "…", "story_progression": "…", ' +
        '"scene_elements": {"npcs_present": ["…"], "objects_of_interest": ["…"], "current_location": "…"}}',
    ].join('\n\n'),
  };
}

/** A whisper's answer is an aside read in an ephemeral reply: a short paragraph, one Discord message with room to spare. */
export const WHISPER_MAX_TOKENS = 300;

/**
 * A whisper is answered outside the turn: the public scene must not move, since the table neither reads this nor
 * takes part. The prefix above it is the turn's, so the DM answers from what the table knows plus earlier whispers.
 */
export function whisperInstruction(): ChatMessage {
  return {
    role: 'user',
    content: [
      'PRIVATE WHISPER. The player above spoke to you privately; only they will read your answer, the rest of the table never will.',
      'Answer them alone, in the second person: what their character learns, notices, senses or quietly manages. One short paragraph, under 600 characters.',
      'Keep the public scene where it is: nothing the other players would have to see happen now. No options, no questions to the whole table.',
    ].join('\n'),
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
