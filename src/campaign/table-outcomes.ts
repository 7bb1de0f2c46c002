import type { CharacterSheet, PlayerAction, SceneMetadata } from '../dm/types.ts';
import type { SpendingScope } from './spending.ts';
import type { Campaign, LoreEntry, StoredTurn, TableSettings } from './types.ts';

// What each request to a table answers. The Discord layer turns these into words; nothing here is worded for users.

export type SubmitOutcome =
  | { status: 'started'; action: PlayerAction }
  /** The store did not answer: nothing was stored, the player must send it again. */
  | { status: 'store_unreachable' }
  /** `held`: Discord does not let the DM write in the channel now; the action is kept for when it can. */
  | { status: 'queued'; position: number; action: PlayerAction; held?: true }
  /** The batch of the next turn is full (actions or characters). `turn` names the turn being waited for. */
  | { status: 'full'; turn: string }
  | { status: 'too_long'; limit: number; turn: string }
  /** Today's token budget of the channel or of the guild is spent: nothing was stored. Whole again at `resetAt`. */
  | { status: 'budget_spent'; scope: SpendingScope; resetAt: Date; turn: string }
  /** The player took more than `perMinute` actions in the last minute: nothing was stored. They may act at `retryAt`. */
  | { status: 'too_fast'; perMinute: number; retryAt: Date; turn: string }
  /** No campaign, or an ended one. */
  | { status: 'not_active'; campaign: Campaign | undefined }
  | { status: 'paused' }
  /** A plain message at a table that plays by `/act`, buttons and `>` lines (`/gm config messages:talk`). */
  | { status: 'table_talk' }
  /** A click on an option whose turn has passed. */
  | { status: 'passed' }
  | { status: 'shutting_down' };

/** Every GM request can meet these. */
type NoCampaign = { status: 'not_running' } | { status: 'shutting_down' };

export type StartOutcome = { status: 'started'; campaign: Campaign } | { status: 'already_running'; campaign: Campaign } | { status: 'shutting_down' };

export type EndOutcome =
  | { status: 'ended'; turns: number; droppedActions: PlayerAction[]; stoppedTurn: boolean }
  | NoCampaign;

export type PauseOutcome = { status: 'paused'; turnRunning: boolean; waiting: number } | { status: 'already_paused' } | NoCampaign;

export type ResumeOutcome =
  | { status: 'resumed'; waiting: number }
  | { status: 'not_paused' }
  /** Held by Discord (see Campaign.held), and Discord still refuses the DM's writes. */
  | { status: 'still_held'; reason: 'channel_unwritable' | 'discord_failed' }
  | NoCampaign;

export type StopOutcome = { status: 'stopped'; droppedActions: PlayerAction[] } | { status: 'nothing_running' } | NoCampaign;

/** Why reroll or undo cannot rewind the table now. */
type RewindRefusal =
  | { status: 'busy' }
  | { status: 'paused' }
  | { status: 'nothing_to_rewind' }
  | { status: 'last_is_narration' }
  | { status: 'too_many'; available: number }
  | NoCampaign;

export type RerollOutcome = { status: 'rerolling'; turn: StoredTurn } | RewindRefusal;

export type UndoOutcome = { status: 'undone'; turns: StoredTurn[] } | RewindRefusal;

/** The X-card. `busy`: a GM narration is being posted; try again in a moment. */
export type WithdrawOutcome = { status: 'withdrawn' } | { status: 'nothing_to_withdraw' } | { status: 'busy' } | NoCampaign;

export type RetryOutcome =
  | { status: 'retrying' }
  /** A turn runs already (a second press of the same button, or a new action was faster). */
  | { status: 'already_running' }
  /** That failed turn has been answered since, or is not the last attempt any more. */
  | { status: 'passed' }
  | { status: 'paused' }
  | NoCampaign;

export type NarrateOutcome = { status: 'posted'; messageIds: string[] } | NoCampaign;

export type SceneOutcome = { status: 'edited'; scene: SceneMetadata } | NoCampaign;

export type ConfigureOutcome = { status: 'configured'; settings: TableSettings } | NoCampaign;

export type RollOutcome =
  /** `recorded`: the channel has a campaign, so the next turn's DM is told of the roll. */
  | { status: 'rolled'; rolls: string; total: number; recorded: boolean; characterName: string | null }
  /** Nothing was recorded: the roll could not be made as asked (`problem` says why, for the roller). */
  | { status: 'refused'; problem: string };

/** `count`: the entries the lorebook holds afterwards. */
export type AddLoreOutcome = { status: 'added'; entry: LoreEntry; replaced: boolean; count: number } | { status: 'invalid'; problem: string } | NoCampaign;

/** `removed` is empty when no entry had the key word. */
export type RemoveLoreOutcome = { status: 'removed'; removed: LoreEntry[]; count: number } | { status: 'invalid'; problem: string } | NoCampaign;

export type CharacterOutcome =
  | { status: 'saved'; sheet: CharacterSheet; created: boolean }
  | { status: 'invalid'; problem: string }
  | NoCampaign;

export type WhisperOutcome =
  /** The DM answered; `kept`: the whisper is recorded for later prompts (false: the campaign ended meanwhile). */
  | { status: 'answered'; answer: string; kept: boolean }
  /** The DM could not answer now (the model failed, or the bot is restarting); nothing was recorded. */
  | { status: 'failed'; reason: 'model' | 'restarting' }
  | { status: 'too_long'; limit: number }
  | { status: 'not_active' }
  | { status: 'paused' }
  /** No scene has been played yet: there is nothing to whisper about. */
  | { status: 'not_opened' }
  /** The player's previous whisper is still being answered. */
  | { status: 'busy' }
  | { status: 'budget_spent'; scope: SpendingScope; resetAt: Date }
  | { status: 'too_fast'; perMinute: number; retryAt: Date }
  | { status: 'shutting_down' };
