import type { SceneMetadata } from '../dm/types.ts';
import { unsummarisedTurns } from './build-turn-context.ts';
import type { Campaign, CampaignStatus, StoredTurn, StoredWhisper } from './types.ts';
import { standingWhispers } from './whispers.ts';

// What `/recap` tells: the running summary, the gist of the turns it does not cover yet, and the latest scene. Built
// from the records alone, without the model: a recap is instant, free, and cannot spend a table's budget. The summary
// lags up to a fold behind (it covers turns in batches), so the latest turns' gist is what keeps a recap from being
// empty, or stale, early in a campaign. Whispers are told only to the player who made them, marked private, and only
// in a recap that player alone reads.

/** Turns after the summary told as a gist: enough to bridge to the summary, short enough to read on a phone. */
export const RECAP_RECENT_TURNS = 5;
/** One turn's gist: a sentence or two. */
export const GIST_CHARACTERS = 240;
/** The reader's own latest whispers a private recap reminds them of. */
export const RECAP_WHISPERS = 3;

export type TurnGist = {
  /** 'opening': the campaign's first scene; 'narration': the GM's own words. */
  kind: 'opening' | 'turn' | 'narration';
  /** Who acted, in order, each once. */
  players: string[];
  gist: string;
};

export type StorySoFar = {
  premise: string;
  status: CampaignStatus;
  summary: string;
  /** The delivered turns the summary does not cover yet, oldest first, at most RECAP_RECENT_TURNS. */
  lately: TurnGist[];
  scene: SceneMetadata | null;
  /** The reader's own whispers that still stand, oldest first: private, for a recap only they read. */
  whispers: { text: string; answer: string }[];
};

/** `ownWhispers`: the reader's whispers, for a private recap; none for a public one. */
export function storySoFar(campaign: Campaign, turns: readonly StoredTurn[], scene: SceneMetadata | null, ownWhispers: readonly StoredWhisper[] = []): StorySoFar {
  return {
    premise: campaign.premise,
    status: campaign.status,
    summary: campaign.summary.trim(),
    lately: unsummarisedTurns(campaign, turns).slice(-RECAP_RECENT_TURNS).map(gistOf),
    scene,
    whispers: standingWhispers(ownWhispers, turns)
      .slice(-RECAP_WHISPERS)
      .map((whisper) => ({ text: firstSentences(whisper.text, GIST_CHARACTERS / 2), answer: firstSentences(whisper.answer, GIST_CHARACTERS) })),
  };
}

function gistOf(turn: StoredTurn): TurnGist {
  const players = [...new Set(turn.actions.map((action) => action.playerName))];
  const kind = turn.kind === 'narration' ? 'narration' : turn.actions.length === 0 ? 'opening' : 'turn';
  // The response says what the actions led to; a narration and an opening have only their narrative.
  const source = kind === 'turn' && turn.response.trim() !== '' ? turn.response : turn.narrative;
  return { kind, players, gist: firstSentences(source, GIST_CHARACTERS) };
}

/** The first sentences of a text that fit in `limit` characters, on one line; one sentence cut at a word if need be. */
export function firstSentences(text: string, limit: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= limit) return flat;
  const sentences = flat.match(/[^.!?…]+[.!?…]+["'”’)*_]*\s*|[^.!?…]+$/g) ?? [flat];
  let taken = '';
  for (const sentence of sentences) {
    if ((taken + sentence).trimEnd().length > limit) break;
    taken += sentence;
  }
  if (taken.trim() !== '') return taken.trim();
  const cut = flat.slice(0, limit - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > limit / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}
