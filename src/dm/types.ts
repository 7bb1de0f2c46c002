import type { TokenUsage } from '../llm/types.ts';
import type { SceneMetadata, TurnEvent } from './events.ts';

export type { SceneMetadata, TurnEvent };

/** One player's contribution to a turn. A clicked option arrives with its full text, not its button label. */
export type PlayerAction = {
  playerId: string;
  playerName: string;
  text: string;
  source: 'message' | 'command' | 'option';
  /** For a clicked option: which turn's option, so that turn's buttons can show the choice. */
  choice?: { turnId: string; index: number };
};

export type PastTurn = {
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

export type TurnContext = {
  turnId: string;
  campaign: CampaignBrief;
  /** The metadata kept after the previous turn; null on the opening turn. */
  scene: SceneMetadata | null;
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
