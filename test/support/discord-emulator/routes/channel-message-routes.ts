import { MessageFlags, PermissionFlagsBits } from 'discord-api-types/v10';
import { invalidFormBody } from '../discord-errors.ts';
import type { Gateway } from '../gateway/gateway-server.ts';
import { asRecord } from '../json-shapes.ts';
import { canReadContent, withoutGuardedContent } from '../message-dispatch.ts';
import { createBotMessage, deleteMessage, editMessage } from '../message-operations.ts';
import type { StoredMessage } from '../message-store.ts';
import { toApiChannel } from '../payloads.ts';
import { bucketHashes } from '../rate-limits.ts';
import { routeTemplates } from '../route-templates.ts';
import type { Route, RouteRequest } from '../router.ts';
import type { EmulatorState } from '../state.ts';
import { enforceBucket, manageOwnMessages, requireBotPermission, requireChannel, requireChannelMessage, sendMessages } from './route-guards.ts';

export function channelMessageRoutes(state: EmulatorState, gateway: Gateway): Route[] {
  // Sends, edits and deletes of one channel count against one bucket, as discord.js also assumes (notes A.2).
  const channelBucket = (request: RouteRequest, channelId: string): void =>
    enforceBucket(state, request, bucketHashes.channelMessages, channelId, state.options.channelMessagesBucket);

  // REST reads follow the app-level Message Content switch, not the intents of a gateway session.
  const readable = (message: StoredMessage) => {
    const payload = state.messages.toApi(message);
    return canReadContent(state, message, state.options.messageContentIntentEnabled) ? payload : withoutGuardedContent(payload);
  };

  return [
    {
      method: 'GET',
      template: routeTemplates.channel,
      authenticated: true,
      handle: (request) => ({ status: 200, body: toApiChannel(requireChannel(state, request)) }),
    },
    {
      method: 'POST',
      template: routeTemplates.channelMessages,
      authenticated: true,
      handle(request) {
        const channel = requireChannel(state, request);
        channelBucket(request, channel.id);
        requireBotPermission(state, channel, sendMessages);
        const message = createBotMessage(state, gateway, { channelId: channel.id, body: asRecord(request.body), files: request.files });
        request.notes.messageId = message.id;
        return { status: 200, body: state.messages.toApi(message) };
      },
    },
    {
      method: 'GET',
      template: routeTemplates.channelMessages,
      authenticated: true,
      handle(request) {
        const channel = requireChannel(state, request);
        requireBotPermission(state, channel, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ReadMessageHistory);
        const limit = Number(request.query.get('limit') ?? 50);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
          throw invalidFormBody([{ path: ['limit'], code: 'NUMBER_TYPE_MAX', message: 'int value should be less than or equal to 100.' }]);
        }
        const before = request.query.get('before');
        const after = request.query.get('after');
        const visible = state.messages
          .inChannel(channel.id)
          .filter((message) => message.deletedAt === null && (message.flags & MessageFlags.Ephemeral) === 0)
          .filter((message) => (before ? BigInt(message.id) < BigInt(before) : true))
          .filter((message) => (after ? BigInt(message.id) > BigInt(after) : true))
          .sort((left, right) => (BigInt(right.id) > BigInt(left.id) ? 1 : -1));
        // With `after`, Discord returns the oldest messages after the id, still newest first.
        const page = after ? visible.slice(-limit) : visible.slice(0, limit);
        return { status: 200, body: page.map(readable) };
      },
    },
    {
      method: 'GET',
      template: routeTemplates.channelMessage,
      authenticated: true,
      handle(request) {
        const channel = requireChannel(state, request);
        requireBotPermission(state, channel, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ReadMessageHistory);
        return { status: 200, body: readable(requireChannelMessage(state, request, channel)) };
      },
    },
    {
      method: 'PATCH',
      template: routeTemplates.channelMessage,
      authenticated: true,
      handle(request) {
        const channel = requireChannel(state, request);
        channelBucket(request, channel.id);
        requireBotPermission(state, channel, manageOwnMessages);
        const message = requireChannelMessage(state, request, channel);
        editMessage(state, gateway, message, asRecord(request.body), request.files);
        return { status: 200, body: state.messages.toApi(message) };
      },
    },
    {
      method: 'DELETE',
      template: routeTemplates.channelMessage,
      authenticated: true,
      handle(request) {
        const channel = requireChannel(state, request);
        channelBucket(request, channel.id);
        requireBotPermission(state, channel, manageOwnMessages);
        const message = requireChannelMessage(state, request, channel);
        if (message.authorId !== state.world.bot.id) requireBotPermission(state, channel, PermissionFlagsBits.ManageMessages);
        deleteMessage(state, gateway, message);
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      template: routeTemplates.typing,
      authenticated: true,
      handle(request) {
        const channel = requireChannel(state, request);
        requireBotPermission(state, channel, sendMessages);
        return { status: 204 };
      },
    },
  ];
}

