import { MessageType, type Message } from 'discord.js';
import type { CampaignRunner } from '../campaign/runner.ts';
import { refusalFor } from './describe-submit.ts';
import { playerName } from './player-name.ts';

/** Out-of-character lines: players talking to each other, not to the DM. */
const OUT_OF_CHARACTER_PREFIXES = ['((', '//'];

export type MessageIntake = (message: Message) => Promise<void>;

/**
 * In a channel with an active campaign, every message from a human is a player action. Everything else,
 * and every other channel, gets silence.
 */
export function createMessageIntake(input: { runner: CampaignRunner; notify: (channelId: string, text: string) => void }): MessageIntake {
  return async (message) => {
    if (!message.inGuild() || message.author.bot || message.webhookId !== null || message.system) return;
    if (message.type !== MessageType.Default && message.type !== MessageType.Reply) return;
    const text = message.content.trim();
    if (text === '' || OUT_OF_CHARACTER_PREFIXES.some((prefix) => text.startsWith(prefix))) return;
    const name = playerName(message.author, message.member);
    const outcome = await input.runner.submit({
      channelId: message.channelId,
      action: { playerId: message.author.id, playerName: name, text, source: 'message' },
    });
    // Silence outside active campaigns (paused ones included): only a refused action in a running one gets an answer.
    if (outcome.status === 'not_active') return;
    const refusal = refusalFor(outcome);
    if (refusal !== null) input.notify(message.channelId, `${name}: ${refusal}`);
  };
}
