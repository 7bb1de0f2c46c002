import { InteractionResponseType, InteractionType, MessageFlags, MessageType } from 'discord-api-types/v10';
import { discordError, invalidFormBody } from '../discord-errors.ts';
import type { Gateway } from '../gateway/gateway-server.ts';
import { asRecord } from '../json-shapes.ts';
import { createBotMessage, createLoadingMessage, editMessage } from '../message-operations.ts';
import type { StoredMessage } from '../message-store.ts';
import { routeTemplates } from '../route-templates.ts';
import type { Route } from '../router.ts';
import type { EmulatorState } from '../state.ts';
import { param } from './route-guards.ts';

const invalidResponseType = () =>
  invalidFormBody([{ path: ['type'], code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: 'Invalid interaction response type' }]);

// POST /interactions/:id/:token/callback: the first answer, within the deadline, exactly once (notes A.3).
export function interactionCallbackRoute(state: EmulatorState, gateway: Gateway): Route {
  return {
    method: 'POST',
    template: routeTemplates.interactionCallback,
    authenticated: false,
    handle(request) {
      const interactionId = param(request, 'interactionId');
      request.notes.interactionId = interactionId;
      const record = state.interactions.get(interactionId);
      if (!record || record.token !== param(request, 'interactionToken')) throw discordError('unknownInteraction');
      request.notes.channelId = record.channelId;
      const now = state.clock.now();
      if (record.acknowledgement) {
        record.refusedCallbacks.push({ at: now, code: 40060 });
        throw discordError('alreadyAcknowledged');
      }
      if (now - record.dispatchedAt > state.options.interactionResponseDeadlineMs) {
        record.refusedCallbacks.push({ at: now, code: 10062 });
        throw discordError('unknownInteraction');
      }

      const body = asRecord(request.body);
      const data = asRecord(body.data);
      const isComponent = record.type === InteractionType.MessageComponent;
      const link = { id: record.id, type: record.type, name: record.commandName, userId: record.userId };
      const responseType = isComponent ? MessageType.Default : MessageType.ChatInputCommand;
      const ephemeral = typeof data.flags === 'number' && (data.flags & MessageFlags.Ephemeral) !== 0;
      const source = record.sourceMessageId ? state.messages.get(record.sourceMessageId) : undefined;
      let message: StoredMessage | undefined;

      switch (body.type) {
        case InteractionResponseType.ChannelMessageWithSource:
          message = createBotMessage(state, gateway, {
            channelId: record.channelId,
            body: data,
            files: request.files,
            type: responseType,
            webhookId: state.world.applicationId,
            interaction: link,
            allowEphemeral: true,
          });
          record.originalMessageId = message.id;
          record.ephemeral = ephemeral;
          break;
        case InteractionResponseType.DeferredChannelMessageWithSource:
          message = createLoadingMessage(state, gateway, { channelId: record.channelId, ephemeral, type: responseType, interaction: link });
          record.originalMessageId = message.id;
          record.ephemeral = ephemeral;
          break;
        case InteractionResponseType.DeferredMessageUpdate:
          if (!isComponent || !source) throw invalidResponseType();
          break;
        case InteractionResponseType.UpdateMessage:
          if (!isComponent || !source) throw invalidResponseType();
          message = editMessage(state, gateway, source, data, request.files);
          break;
        case InteractionResponseType.Modal:
          break;
        default:
          throw invalidResponseType();
      }
      record.acknowledgement = { type: Number(body.type), at: now };

      if (request.query.get('with_response') !== 'true') return { status: 204 };
      return {
        status: 200,
        body: {
          interaction: {
            id: record.id,
            type: record.type,
            ...(message
              ? {
                  response_message_id: message.id,
                  response_message_loading: (message.flags & MessageFlags.Loading) !== 0,
                  response_message_ephemeral: (message.flags & MessageFlags.Ephemeral) !== 0,
                }
              : {}),
          },
          resource: { type: Number(body.type), ...(message ? { message: state.messages.toApi(message) } : {}) },
        },
      };
    },
  };
}
