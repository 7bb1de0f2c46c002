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
  /** For a clicked check: the roll the table made for the clicker. It travels with the action (reroll, recent turns). */
  check?: CheckResult | undefined;
};

/**
 * A check the DM called for on one option: what is tested and with which dice, never a number rolled. `dice` is plain
 * notation without abilities (`d20`, `2d6`); the clicker's modifier for `ability` is added when the table rolls.
 */
export type OptionCheck = {
  ability: Ability | null;
  dice: string;
  /** The number to reach, when the DM set one; null: the DM judges the total. */
  difficulty: number | null;
};

/** A check rolled in code on a click, as the prompt and the table's reply show it. */
export type CheckResult = {
  /** `d20+DEX`: the dice and the ability, as the button showed them. */
  expression: string;
  /** Each die as it fell, with the modifier (`[14]+3`). */
  rolls: string;
  total: number;
  difficulty: number | null;
  /** Against the difficulty; null when the DM set none. */
  success: boolean | null;
  /** The clicker's character, for the table's reply; the prompt has it from the party already. */
  characterName?: string | undefined;
};

export type PastTurn = {
  /** 'narration': the GM's own text, written without the model; the DM continues from it. */
  kind: 'turn' | 'narration';
  actions: PlayerAction[];
  narrative: string;
  response: string;
};

export type PartyMember = {
  playerId: string;
  name: string;
  character?: string;
  /** The player's sheet (`/character set`), attached for the prompt only: the stored party never carries it. */
  sheet?: CharacterSheet | undefined;
};

export const ABILITIES = ['STR', 'DEX', 'CON', 'INT', 'WIS', 'CHA'] as const;

export type Ability = (typeof ABILITIES)[number];

/** One player's character in one campaign, in the player's own words; modifiers only for the abilities they gave. */
export type CharacterSheet = {
  name: string;
  concept: string;
  description: string;
  modifiers: Partial<Record<Ability, number>>;
};

/** A fact of the GM's lorebook, with the key words that call it into the prompt. */
export type LoreFact = {
  keys: string[];
  text: string;
};

/** A roll made in code since the last turn: the DM narrates with these numbers and never invents its own. */
export type RolledDice = {
  playerName: string;
  /** The roller's character name, when they have a sheet. */
  characterName?: string | undefined;
  /** As the player wrote it (`d20+DEX`). */
  expression: string;
  /** Each die as it fell, with what was kept or dropped (`[14]+3`). */
  rolls: string;
  total: number;
  /** What the roll was for, in the player's words; '' when they gave no reason. */
  reason: string;
};

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
  /**
   * The table comes back after a long gap: the narrative opens with a short "previously…". Only the phase 1
   * instruction reads it, so the shared prefix stays the same bytes whether or not it is set.
   */
  previously?: boolean;
  /**
   * A player withdrew this turn's previous version with the X-card: the narrative goes another way. Like `previously`,
   * only the phase 1 instruction reads it; the withdrawn text itself is in no prompt.
   */
  redirect?: boolean;
  /** The scene kept after the previous turns; null when none was recorded (the opening, or a failed metadata phase). */
  scene: SceneMetadata | null;
  rules: TableRules;
  recentTurns: PastTurn[];
  /** This turn's actions, in arrival order. Empty for the opening scene. */
  actions: PlayerAction[];
  /** Party members who have had little of the spotlight lately (no action in the last turns, none in this one). */
  quiet?: string[] | undefined;
  /** Dice rolled since the previous turn began, oldest first; absent or empty when none. */
  rolls?: RolledDice[] | undefined;
  /** The GM's lorebook entries that the recent text calls for, most relevant first, within the lore budget. */
  lore?: LoreFact[] | undefined;
  /** Earlier private exchanges (`/whisper`), oldest first: the DM knows them and keeps them secret from the table. */
  whispers?: WhisperExchange[] | undefined;
  /**
   * The one action is a whisper: the call answers its player alone (Orchestrator.answerWhisper). The prefix names the
   * action as private, and nothing else of the turn's prompt changes.
   */
  whispering?: boolean | undefined;
  streaming: boolean;
};

/** A private exchange between one player and the DM: what the player whispered and what the DM answered them alone. */
export type WhisperExchange = {
  playerName: string;
  characterName?: string | undefined;
  text: string;
  answer: string;
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
  /** Beside `options`, index for index: the check each one calls for, or null. Absent when none calls for one. */
  checks?: (OptionCheck | null)[] | undefined;
  usage: TurnUsage;
  timings: Partial<Record<PhaseName, PhaseTiming>>;
  /** Resolves when the background metadata phase ends: the metadata, or null when it failed. Never rejects. */
  metadata: Promise<SceneMetadata | null>;
};
