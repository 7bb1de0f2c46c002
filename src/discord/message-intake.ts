import { MessageType, type Message } from 'discord.js';
import type { Tables } from '../campaign/tables.ts';
import { refusalFor } from './describe-submit.ts';
import { playerName } from './player-name.ts';
import { createRefusalNotices } from './refusal-notices.ts';

// Players' messages in a channel. In a channel with an active campaign, every message from a human is a player action
// (or, at a table set to `messages: talk`, only lines starting with `>`). Everything else, and every other channel,
// gets silence.
//
// A refused action (the next turn's batch is full, the message is too long, the DM is restarting) gets a public notice,
// but at most one per player per turn (src/discord/refusal-notices.ts has the rule): a player who floods the channel
// gets one notice, and the rest of their refused messages cost no write of the channel's budget, which the DM's
// streaming text needs. The table names the turn in its refusal (the campaign and its count of delivered turns).
// /act and clicks are refused privately elsewhere.

/** Out-of-character lines: players talking to each other, not to the DM. */
const OUT_OF_CHARACTER_PREFIXES = ['((', '//'];

export type MessageIntake = (message: Message) => Promise<void>;

export function createMessageIntake(input: { tables: Tables; notify: (channelId: string, text: string) => void }): MessageIntake {
  const notices = createRefusalNotices();

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
    if (refusal === null) return;
    const turn = 'turn' in outcome ? outcome.turn : outcome.status;
    if (notices.shouldPost({ channelId: message.channelId, playerId: message.author.id, turn })) input.notify(message.channelId, `${name}: ${refusal}`);
  };
}
