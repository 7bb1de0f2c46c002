import { DiscordAPIError, HTTPError, RESTJSONErrorCodes } from 'discord.js';

/**
 * Why a write to a channel failed, as far as what to do next is concerned:
 * - `message_gone`: the message was deleted (a moderator, a purge): the turn goes on in a new message.
 * - `channel_unwritable`: the bot may not write here any more (a permission removed, the channel deleted, a thread
 *   archived or locked): nothing more is written until someone fixes it.
 * - `transient`: Discord or the network failed beyond discord.js's own retries (5xx, a reset): worth another try.
 * - `refused`: Discord refused the request itself (400): trying the same again would fail the same way.
 */
export type WriteFailure = 'message_gone' | 'channel_unwritable' | 'transient' | 'refused';

const unwritableCodes: ReadonlySet<number> = new Set([
  RESTJSONErrorCodes.UnknownChannel,
  RESTJSONErrorCodes.MissingAccess,
  RESTJSONErrorCodes.MissingPermissions,
  RESTJSONErrorCodes.CannotSendMessagesInNonTextChannel,
  RESTJSONErrorCodes.ThreadLocked,
  RESTJSONErrorCodes.InvalidActionOnArchivedThread,
]);

export function classifyWriteFailure(error: unknown): WriteFailure {
  if (error instanceof DiscordAPIError) {
    if (error.code === RESTJSONErrorCodes.UnknownMessage) return 'message_gone';
    if (typeof error.code === 'number' && unwritableCodes.has(error.code)) return 'channel_unwritable';
    if (error.status === 403) return 'channel_unwritable';
    if (error.status >= 500 || error.status === 429) return 'transient';
    return 'refused';
  }
  if (error instanceof HTTPError) return error.status >= 500 || error.status === 429 ? 'transient' : 'refused';
  // Resets, timeouts and DNS failures reach us as plain errors: the request may go through next time.
  return 'transient';
}
