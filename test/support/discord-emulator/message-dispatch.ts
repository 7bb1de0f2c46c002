import {
  ChannelType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  MessageFlags,
  type APIMessage,
  type GatewayMessageCreateDispatchData,
} from 'discord-api-types/v10';
import type { Gateway } from './gateway/gateway-server.ts';
import type { StoredMessage } from './message-store.ts';
import { memberWithoutUser } from './payloads.ts';
import type { EmulatorState } from './state.ts';
import { guildOf } from './world.ts';

// Discord blanks what the Message Content intent guards, except in the app's own messages and messages that
// mention it (docs: gateway "Message Content Intent").
const guildOfMessage = (state: EmulatorState, message: StoredMessage) => {
  const channel = state.world.channels.get(message.channelId);
  if (!channel) throw new Error(`message ${message.id} is in no known channel`);
  return guildOf(state.world, channel);
};

export function canReadContent(state: EmulatorState, message: StoredMessage, hasMessageContent: boolean): boolean {
  return hasMessageContent || message.authorId === state.world.bot.id || message.mentionedUserIds.includes(state.world.bot.id);
}

export function withoutGuardedContent(message: APIMessage): APIMessage {
  return { ...message, content: '', embeds: [], attachments: [], components: [] };
}

function gatewayMessage(state: EmulatorState, message: StoredMessage, intents: number): GatewayMessageCreateDispatchData | null {
  if ((intents & GatewayIntentBits.GuildMessages) === 0) return null;
  const world = state.world;
  const guild = guildOfMessage(state, message);
  let payload = state.messages.toApi(message);
  if (!canReadContent(state, message, (intents & GatewayIntentBits.MessageContent) !== 0)) payload = withoutGuardedContent(payload);
  const member = message.webhookId ? undefined : memberWithoutUser(world, guild, message.authorId);
  return {
    ...payload,
    guild_id: guild.id,
    channel_type: ChannelType.GuildText,
    ...(member ? { member } : {}),
    mentions: payload.mentions.map((user) => {
      const mentioned = memberWithoutUser(world, guild, user.id);
      return mentioned ? { ...user, member: mentioned } : user;
    }),
  };
}

// Bots never receive gateway events for ephemeral messages.
const isEphemeral = (message: StoredMessage): boolean => (message.flags & MessageFlags.Ephemeral) !== 0;

export function dispatchMessageCreate(state: EmulatorState, gateway: Gateway, message: StoredMessage): void {
  if (isEphemeral(message)) return;
  gateway.dispatch(GatewayDispatchEvents.MessageCreate, guildOfMessage(state, message).id, (session) => gatewayMessage(state, message, session.intents));
}

export function dispatchMessageUpdate(state: EmulatorState, gateway: Gateway, message: StoredMessage): void {
  if (isEphemeral(message)) return;
  gateway.dispatch(GatewayDispatchEvents.MessageUpdate, guildOfMessage(state, message).id, (session) => gatewayMessage(state, message, session.intents));
}

export function dispatchMessageDelete(state: EmulatorState, gateway: Gateway, message: StoredMessage): void {
  if (isEphemeral(message)) return;
  const guildId = guildOfMessage(state, message).id;
  gateway.dispatch(GatewayDispatchEvents.MessageDelete, guildId, (session) =>
    (session.intents & GatewayIntentBits.GuildMessages) === 0 ? null : { id: message.id, channel_id: message.channelId, guild_id: guildId },
  );
}
