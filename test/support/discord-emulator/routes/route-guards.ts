import { MessageFlags, PermissionFlagsBits } from 'discord-api-types/v10';
import { discordError, rateLimited } from '../discord-errors.ts';
import type { StoredMessage } from '../message-store.ts';
import { memberChannelPermissions } from '../payloads.ts';
import type { BucketPolicy } from '../rate-limits.ts';
import type { RouteRequest } from '../router.ts';
import type { EmulatorState } from '../state.ts';
import type { WorldChannel } from '../world.ts';

export function param(request: RouteRequest, name: string): string {
  const value = request.params[name];
  if (value === undefined) throw new Error(`route parameter ${name} missing`);
  return value;
}

export function requireChannel(state: EmulatorState, request: RouteRequest): WorldChannel {
  const channelId = param(request, 'channelId');
  request.notes.channelId = channelId;
  const channel = state.world.channels.get(channelId);
  if (!channel) throw discordError('unknownChannel');
  return channel;
}

// A channel the bot cannot see answers 50001 Missing Access whatever was asked; a missing permission there, 50013.
export function requireBotPermission(state: EmulatorState, channel: WorldChannel, permission: bigint): void {
  const granted = memberChannelPermissions(state.world, state.world.bot.id, channel);
  if ((granted & PermissionFlagsBits.ViewChannel) === 0n) throw discordError('missingAccess');
  if ((granted & permission) !== permission) throw discordError('missingPermissions');
}

export const sendMessages = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages;

// As on Discord, Send Messages gates new messages only: the bot still edits and deletes its own messages without it;
// only losing View Channel takes those away.
export const manageOwnMessages = PermissionFlagsBits.ViewChannel;

// Consumes one request of the bucket; its headers go on the answer whatever it is, as on Discord.
export function enforceBucket(
  state: EmulatorState,
  request: RouteRequest,
  bucketHash: string,
  majorParameter: string,
  policy: BucketPolicy,
): void {
  const outcome = state.rateLimiter.consume(bucketHash, majorParameter, policy);
  Object.assign(request.responseHeaders, outcome.headers);
  if (!outcome.allowed) throw rateLimited(outcome.retryAfterSeconds, outcome.headers);
}

// Ephemeral messages do not exist in the channel: only their interaction webhook reaches them.
export function requireChannelMessage(state: EmulatorState, request: RouteRequest, channel: WorldChannel): StoredMessage {
  const messageId = param(request, 'messageId');
  request.notes.messageId = messageId;
  const message = state.messages.get(messageId);
  const visible =
    message && message.channelId === channel.id && message.deletedAt === null && (message.flags & MessageFlags.Ephemeral) === 0;
  if (!visible) throw discordError('unknownMessage');
  return message;
}
