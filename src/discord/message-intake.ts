import { MessageType, type Message } from 'discord.js';
import type { Tables } from '../campaign/tables.ts';
import { refusalFor } from './describe-submit.ts';
import { playerName } from './player-name.ts';

/** Out-of-character lines: players talking to each other, not to the DM. */
const OUT_OF_CHARACTER_PREFIXES = ['((', '//'];

export type MessageIntake = (message: Message) => Promise<void>;

/**
 * In a channel with an active campaign, every message from a human is a player action (or, at a table set to
 * `messages: talk`, only lines starting with `>`). Everything else, and every other channel, gets silence.
 */
export function createMessageIntake(input: { tables: Tables; notify: (channelId: string, text: string) => void }): MessageIntake {
  return async (message) => {
    if (!message.inGuild() || message.author.bot || message.webhookId !== null || message.system) return;
    if (message.type !== MessageType.Default && message.type !== MessageType.Reply) return;
    const text = message.content.trim();
    if (text === '' || OUT_OF_CHARACTER_PREFIXES.some((prefix) => text.startsWith(prefix))) return;
    const name = playerName(message.author, message.member);
    const outcome = await input.tables.of(message.channelId).submit({
      id: message.id,
      playerId: message.author.id,
      playerName: name,
      text,
      source: 'message',
    });
    // Silence where the DM is not listening: no campaign, a paused table, table talk. Only a refused action gets an answer.
    if (outcome.status === 'not_active' || outcome.status === 'paused' || outcome.status === 'table_talk') return;
    const refusal = refusalFor(outcome);
    if (refusal !== null) input.notify(message.channelId, `${name}: ${refusal}`);
  };
}
