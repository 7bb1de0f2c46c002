import type { TokenUsage } from '../llm/types.ts';
import type { SceneMetadata, TurnEvent } from './events.ts';

export type { SceneMetadata, TurnEvent };

/** One player's contribution to a turn. A clicked option arrives with its full text, not its button label. */
export type PlayerAction = {
  /** Unique per action (the id of the message or click it came from): how a restart tells answered actions apart. */
  id: string;
  playerId: string;
  playerName: string;
  text: string;
  source: 'message' | 'command' | 'option';
  /** For a clicked option: which turn's option, so that turn's buttons can show the choice. */
  choice?: { turnId: string; index: number };
};

export type PastTurn = {
  /** 'narration': the GM's own text, written without the model; the DM continues from it. */
  kind: 'turn' | 'narration';
  actions: PlayerAction[];
  narrative: string;
  response: string;
};

export type PartyMember = { playerId: string; name: string; character?: string };

export type CampaignBrief = {
  /** Stable per campaign: used as the provider's prompt cache key. */
  id: string;
  premise: string;
  tone: string;
  /** Events older than the recent turns, folded into prose. Empty at the start. */
  summary: string;
  party: PartyMember[];
};

export type NarrationLength = 'short' | 'normal' | 'long';

/** What the GM set for this table with `/gm config`. */
export type TableRules = {
  length: NarrationLength;
  /** Lines and veils: content the DM must not include, in the GM's words. '' when none. */
  limits: string;
};

export type TurnContext = {
  turnId: string;
  campaign: CampaignBrief;
  /** True only for the campaign's first scene; never inferred from a missing scene. */
  opening: boolean;
  /** The scene kept after the previous turns; null when none was recorded (the opening, or a failed metadata phase). */
  scene: SceneMetadata | null;
  rules: TableRules;
  recentTurns: PastTurn[];
  /** This turn's actions, in arrival order. Empty for the opening scene. */
  actions: PlayerAction[];
  streaming: boolean;
};

/** Receives every event as it is produced. It may be async; the orchestrator never waits for it. */
export type TurnSink = (event: TurnEvent) => void | Promise<void>;

export type PhaseName = 'narrative' | 'response' | 'options' | 'metadata';

export type PhaseTiming = {
  /** From the start of the phase to its first token (streamed phases) or to its answer. */
  firstTokenMs: number | undefined;
  durationMs: number;
  /** How the phase got its text: streamed, non-streaming fallback, or safe defaults. */
  via: 'stream' | 'fallback' | 'complete' | 'structured' | 'default';
};

export type TurnUsage = Partial<Record<PhaseName, TokenUsage>>;

export type TurnResult = {
  narrative: string;
  response: string;
  options: string[];
  usage: TurnUsage;
  timings: Partial<Record<PhaseName, PhaseTiming>>;
  /** Resolves when the background metadata phase ends: the metadata, or null when it failed. Never rejects. */
  metadata: Promise<SceneMetadata | null>;
};
