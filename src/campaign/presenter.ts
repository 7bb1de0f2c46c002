import type { TurnSink } from '../dm/types.ts';
import type { OptionSet } from './types.ts';

/**
 * How a turn is shown to the players. The runner drives it; the Discord renderer implements it, so this
 * folder never learns about messages, buttons or rate limits.
 */
export type TurnPresenter = {
  /** Immediately tells the players that the DM is on it. */
  start(): void;
  sink: TurnSink;
  /** Resolves once everything the players should see has landed. */
  finish(): Promise<{ messageIds: string[] }>;
  /** Shows the text so far with a visible interruption mark, and no options. */
  interrupt(reason: string): Promise<{ messageIds: string[] }>;
};

export type PresenterFactory = {
  create(input: { channelId: string; turnId: string; onMessageCreated: (messageId: string) => void }): TurnPresenter;
  /** Disables an older turn's option buttons, marking the chosen one. Low priority: it must not delay the new turn. */
  retireOptions(optionSet: OptionSet): void;
  /** After a crash: marks the messages of a turn that never finished as interrupted. */
  markInterrupted(input: { channelId: string; messageIds: string[]; reason: string }): Promise<void>;
  /** A short notice in the channel (not part of a turn), e.g. why a turn failed. */
  notice(channelId: string, text: string): Promise<void>;
};
