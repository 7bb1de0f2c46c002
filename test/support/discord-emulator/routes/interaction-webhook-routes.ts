import { InteractionType, MessageFlags, MessageType } from 'discord-api-types/v10';
import { discordError } from '../discord-errors.ts';
import type { Gateway } from '../gateway/gateway-server.ts';
import type { InteractionRecord } from '../interactions.ts';
import { asRecord } from '../json-shapes.ts';
import { createBotMessage, deleteMessage, editMessage } from '../message-operations.ts';
import type { StoredMessage } from '../message-store.ts';
import { bucketHashes } from '../rate-limits.ts';
import { routeTemplates } from '../route-templates.ts';
import type { Route, RouteRequest } from '../router.ts';
import type { EmulatorState } from '../state.ts';
import { enforceBucket, param } from './route-guards.ts';

// editReply, deleteReply, fetchReply and followUp: the interaction webhook, called without the bot token.
export function interactionWebhookRoutes(state: EmulatorState, gateway: Gateway): Route[] {
  const requireLiveToken = (request: RouteRequest): InteractionRecord => {
    const token = param(request, 'interactionToken');
    const record = state.interactions.byToken(token);
    if (!record || param(request, 'applicationId') !== state.world.applicationId) throw discordError('unknownWebhook');
    request.notes.interactionId = record.id;
    request.notes.channelId = record.channelId;
    if (state.clock.now() - record.dispatchedAt > state.options.interactionTokenLifetimeMs) throw discordError('invalidWebhookToken');
    // A token is only usable once the interaction was answered; unanswered past the deadline, Discord drops it.
    if (!record.acknowledgement) throw discordError('unknownWebhook');
    enforceBucket(state, request, bucketHashes.interactionWebhook, `${state.world.applicationId}/${token}`, state.options.interactionWebhookBucket);
    return record;
  };

  const requireResponseMessage = (request: RouteRequest, record: InteractionRecord): StoredMessage => {
    const requested = param(request, 'messageId');
    const messageId = requested === '@original' ? record.originalMessageId : requested;
    request.notes.messageId = messageId ?? undefined;
    const belongs = messageId !== null && (messageId === record.originalMessageId || record.followUpIds.includes(messageId));
    const message = belongs ? state.messages.get(messageId) : undefined;
    if (!message || message.deletedAt !== null) throw discordError('unknownMessage');
    return message;
  };

  return [
    {
      method: 'POST',
      template: routeTemplates.interactionWebhook,
      authenticated: false,
      handle(request) {
        const record = requireLiveToken(request);
        const body = asRecord(request.body);
        const original = record.originalMessageId ? state.messages.get(record.originalMessageId) : undefined;
        let message: StoredMessage;
        if (original && original.deletedAt === null && (original.flags & MessageFlags.Loading) !== 0) {
          // Discord turns the first follow-up after a deferred reply into the reply itself.
          message = editMessage(state, gateway, original, body, request.files);
        } else {
          message = createBotMessage(state, gateway, {
            channelId: record.channelId,
            body,
            files: request.files,
            type: record.type === InteractionType.MessageComponent ? MessageType.Default : MessageType.ChatInputCommand,
            webhookId: state.world.applicationId,
            interaction: { id: record.id, type: record.type, name: record.commandName, userId: record.userId },
            allowEphemeral: true,
          });
          record.followUpIds.push(message.id);
        }
        request.notes.messageId = message.id;
        if (request.query.get('wait') === 'false') return { status: 204 };
        return { status: 200, body: state.messages.toApi(message) };
      },
    },
    {
      method: 'GET',
      template: routeTemplates.interactionWebhookMessage,
      authenticated: false,
      handle(request) {
        const record = requireLiveToken(request);
        return { status: 200, body: state.messages.toApi(requireResponseMessage(request, record)) };
      },
    },
    {
      method: 'PATCH',
      template: routeTemplates.interactionWebhookMessage,
      authenticated: false,
      handle(request) {
        const record = requireLiveToken(request);
        const message = editMessage(state, gateway, requireResponseMessage(request, record), asRecord(request.body), request.files);
        return { status: 200, body: state.messages.toApi(message) };
      },
    },
    {
      method: 'DELETE',
      template: routeTemplates.interactionWebhookMessage,
      authenticated: false,
      handle(request) {
        const record = requireLiveToken(request);
        deleteMessage(state, gateway, requireResponseMessage(request, record));
        return { status: 204 };
      },
    },
  ];
}
