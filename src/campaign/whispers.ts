import type { WhisperExchange } from '../dm/types.ts';
import type { StoredTurn, StoredWhisper } from './types.ts';

// Which whispers still stand, and how they reach a prompt. A whisper is tied to the turn it followed: when the GM
// undoes that turn, or the X-card withdraws it, the whisper goes with it (it answered a scene that no longer
// happened), exactly as the turn's own actions do. Nothing is deleted: the export still shows it, marked.

/** A whisper is a private aside, not a second action channel: short enough to read in one ephemeral reply. */
export const MAX_WHISPER_CHARACTERS = 1000;

/** The latest whispers a prompt carries: enough for the DM to keep a few secrets straight, few enough to stay small. */
export const WHISPERS_IN_PROMPT = 5;

/** A whisper's answer as later prompts quote it: the gist the DM needs to stay consistent. */
const ANSWER_IN_PROMPT_CHARACTERS = 500;

/** Whether the turn a whisper followed was taken back (undone by the GM, or withdrawn and played again). */
export function whisperWithdrawn(whisper: StoredWhisper, turns: readonly StoredTurn[]): boolean {
  if (whisper.afterTurnId === null) return false;
  const turn = turns.find((candidate) => candidate.turnId === whisper.afterTurnId);
  return turn !== undefined && (turn.status === 'undone' || turn.status === 'discarded' || turn.status === 'withdrawn');
}

/** The whispers that still stand, oldest first. */
export function standingWhispers(whispers: readonly StoredWhisper[], turns: readonly StoredTurn[]): StoredWhisper[] {
  return whispers.filter((whisper) => !whisperWithdrawn(whisper, turns));
}

/** The latest standing whispers as the prompt tells them. */
export function whisperExchanges(whispers: readonly StoredWhisper[], turns: readonly StoredTurn[]): WhisperExchange[] {
  return standingWhispers(whispers, turns)
    .slice(-WHISPERS_IN_PROMPT)
    .map((whisper) => ({
      playerName: whisper.playerName,
      characterName: whisper.characterName,
      text: whisper.text,
      answer: shortened(whisper.answer, ANSWER_IN_PROMPT_CHARACTERS),
    }));
}

/** Cut between code points, so an emoji is never split into half a surrogate pair. */
function shortened(text: string, limit: number): string {
  const characters = [...text];
  return characters.length > limit ? `${characters.slice(0, limit - 1).join('')}…` : text;
}
