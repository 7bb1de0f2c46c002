import type { TurnSink } from '../dm/types.ts';
import type { OptionSet } from './types.ts';

/**
 * How a turn is shown to the players. The table drives it; the Discord renderer implements it, so this
 * folder never learns about messages, buttons or rate limits.
 */
export type TurnPresenter = {
  /** Immediately tells the players that the DM is on it. */
  start(): void;
  sink: TurnSink;
  /** Resolves once everything the players should see has landed. */
  finish(): Promise<{ messageIds: string[] }>;
  /**
   * Shows the text so far with a visible interruption mark, and no options. `completed` is true when the turn had
   * already been shown whole, with its buttons, before the interruption came: the caller then marks it afterwards.
   */
  interrupt(reason: string, options?: { retryable?: boolean }): Promise<{ messageIds: string[]; completed: boolean }>;
  /** performance.now() when the first write showing the turn's text landed, for the metrics; optional. */
  firstTextAt?(): number | undefined;
};

/**
 * finish() or interrupt() could not show the whole turn. `channel_unwritable`: the bot may no longer write in the channel
 * (a permission removed, the channel gone); `discord_failed`: Discord kept failing. `messageIds`: what was shown.
 */
export class TurnNotShownError extends Error {
  readonly reason: 'channel_unwritable' | 'discord_failed';
  readonly messageIds: string[];

  constructor(reason: 'channel_unwritable' | 'discord_failed', messageIds: string[], options?: { cause?: unknown }) {
    super(reason === 'channel_unwritable' ? 'the channel can no longer be written to' : 'Discord would not show the turn', options);
    this.name = 'TurnNotShownError';
    this.reason = reason;
    this.messageIds = messageIds;
  }
}

/** All the table sees of a turn withdrawn with the X-card: nothing of it, and nothing of who tapped it. */
export const WITHDRAWN_TEXT = '*The scene shifts.*';

export type PresenterFactory = {
  /** `streaming: false`: the turn is shown when it is complete, not as it is written. */
  /**
   * `origins`: the ids of what brought the turn (its actions; for an opening, the request that started the campaign);
   * a presenter may show the turn through one of them (a click's or a command's own reply channel).
   */
  create(input: { channelId: string; turnId: string; streaming: boolean; onMessageCreated: (messageId: string) => void; origins?: readonly string[] }): TurnPresenter;
  /** Disables an older turn's option buttons, marking the chosen one. Low priority: it must not delay the new turn. */
  retireOptions(optionSet: OptionSet): void;
  /** Makes a turn's option buttons clickable again (after an undo or a stopped turn). Low priority. */
  restoreOptions(optionSet: OptionSet): void;
  /** Puts a short note under the last of a turn's messages and removes its buttons (interrupted, undone, replaced). */
  markMessages(input: { channelId: string; messageIds: string[]; note: string }): Promise<void>;
  /**
   * The X-card: a withdrawn turn's messages keep nothing readable. The first shows one line (WITHDRAWN_TEXT) and no
   * buttons; the others are deleted.
   */
  withdrawMessages(input: { channelId: string; messageIds: string[] }): Promise<void>;
  /**
   * Round mode's one status line in the channel: who the round still waits for (posted once, then edited), then how it
   * ended. Low priority, never awaited: the turn's own writes come first.
   */
  showRoundStatus(input: { channelId: string; status: RoundStatus }): void;
  /** Posts text as the DM (a GM's narration), split across messages where it must be; resolves with their ids. */
  post(channelId: string, text: string): Promise<{ messageIds: string[] }>;
  /** A short notice in the channel (not part of a turn). */
  notice(channelId: string, text: string): Promise<void>;
};

export type RoundStatus =
  | { state: 'waiting'; waitingFor: string[] }
  /** The round's turn begins; `missing`: who its time limit went on without. */
  | { state: 'answered'; missing: string[] }
  /** The campaign ended, or a new one started, before the round was answered. */
  | { state: 'closed' };
