import { MessageFlags, MessageType, type APIEmbed, type APIMessageTopLevelComponent } from 'discord-api-types/v10';
import { discordError, invalidFormBody } from './discord-errors.ts';
import type { Gateway } from './gateway/gateway-server.ts';
import { asRecord, asRecords, type JsonRecord } from './json-shapes.ts';
import { dispatchMessageCreate, dispatchMessageDelete, dispatchMessageUpdate } from './message-dispatch.ts';
import type { MessageInteractionLink, StoredAttachment, StoredMessage } from './message-store.ts';
import { validateMessageBody } from './message-validation.ts';
import type { UploadedFile } from './request-body.ts';
import type { EmulatorState } from './state.ts';

// Flags a client may set when it creates a message; everything else is Discord's to set.
const creatableFlags = MessageFlags.SuppressEmbeds | MessageFlags.SuppressNotifications | MessageFlags.IsComponentsV2 | MessageFlags.Ephemeral;

export type CreateOptions = {
  channelId: string;
  body: JsonRecord;
  files: UploadedFile[];
  type?: MessageType;
  webhookId?: string | null;
  interaction?: MessageInteractionLink | null;
  // Only interaction responses may be ephemeral; a channel message with the flag is a normal message.
  allowEphemeral?: boolean;
};

export function toStoredAttachments(state: EmulatorState, body: JsonRecord, files: UploadedFile[]): StoredAttachment[] {
  const described = asRecords(body.attachments);
  return files.map((file, index) => {
    const description = described.find((attachment) => String(attachment.id) === String(index));
    return {
      id: state.nextId(),
      filename: typeof description?.filename === 'string' ? description.filename : file.filename,
      size: file.data.length,
      contentType: file.contentType,
      data: file.data,
    };
  });
}

const isEmpty = (content: string, embeds: unknown[], components: unknown[], attachments: unknown[], body: JsonRecord): boolean =>
  content.trim() === '' &&
  embeds.length === 0 &&
  components.length === 0 &&
  attachments.length === 0 &&
  asRecords(body.sticker_ids).length === 0 &&
  body.poll === undefined;

export function createBotMessage(state: EmulatorState, gateway: Gateway, options: CreateOptions): StoredMessage {
  const { body } = options;
  const errors = validateMessageBody(body);
  if (errors.length > 0) throw invalidFormBody(errors);
  const attachments = toStoredAttachments(state, body, options.files);
  const content = typeof body.content === 'string' ? body.content : '';
  const embeds = asRecords(body.embeds) as APIEmbed[];
  const components = asRecords(body.components) as unknown as APIMessageTopLevelComponent[];
  if (isEmpty(content, embeds, components, attachments, body)) throw discordError('emptyMessage');

  const reference = asRecord(body.message_reference);
  let referencedMessageId: string | null = null;
  if (typeof reference.message_id === 'string') {
    const referenced = state.messages.get(reference.message_id);
    if (referenced && referenced.deletedAt === null) referencedMessageId = referenced.id;
    else if (reference.fail_if_not_exists !== false) {
      throw invalidFormBody([{ path: ['message_reference'], code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }]);
    }
  }

  let flags = (typeof body.flags === 'number' ? body.flags : 0) & creatableFlags;
  if (!options.allowEphemeral) flags &= ~MessageFlags.Ephemeral;
  const message = state.messages.create({
    channelId: options.channelId,
    authorId: state.world.bot.id,
    content,
    embeds,
    components,
    attachments,
    flags,
    type: options.type ?? (referencedMessageId ? MessageType.Reply : MessageType.Default),
    webhookId: options.webhookId ?? null,
    interaction: options.interaction ?? null,
    referencedMessageId,
    nonce: typeof body.nonce === 'string' || typeof body.nonce === 'number' ? body.nonce : null,
    tts: body.tts === true,
  });
  dispatchMessageCreate(state, gateway, message);
  return message;
}

// The "thinking…" message of a deferred reply: empty, flagged as loading until the first edit.
export function createLoadingMessage(
  state: EmulatorState,
  gateway: Gateway,
  options: { channelId: string; ephemeral: boolean; type: MessageType; interaction: MessageInteractionLink },
): StoredMessage {
  const message = state.messages.create({
    channelId: options.channelId,
    authorId: state.world.bot.id,
    flags: MessageFlags.Loading | (options.ephemeral ? MessageFlags.Ephemeral : 0),
    type: options.type,
    webhookId: state.world.applicationId,
    interaction: options.interaction,
  });
  dispatchMessageCreate(state, gateway, message);
  return message;
}

export function editMessage(
  state: EmulatorState,
  gateway: Gateway,
  message: StoredMessage,
  body: JsonRecord,
  files: UploadedFile[],
): StoredMessage {
  if (message.authorId !== state.world.bot.id && ['content', 'embeds', 'components', 'attachments'].some((field) => field in body)) {
    throw discordError('cannotEditOthersMessage');
  }
  const errors = validateMessageBody(body);
  if (errors.length > 0) throw invalidFormBody(errors);

  const uploaded = toStoredAttachments(state, body, files);
  const content = 'content' in body ? (typeof body.content === 'string' ? body.content : '') : message.content;
  const embeds = 'embeds' in body ? asRecords(body.embeds) : message.embeds;
  const components = 'components' in body ? asRecords(body.components) : message.components;
  const keptAttachments =
    'attachments' in body
      ? message.attachments.filter((attachment) => asRecords(body.attachments).some((kept) => String(kept.id) === attachment.id))
      : message.attachments;
  if (isEmpty(content, embeds, components, [...keptAttachments, ...uploaded], body)) throw discordError('emptyMessage');

  // The first edit of a deferred reply replaces the "thinking…" state.
  message.flags &= ~MessageFlags.Loading;
  state.messages.applyEdit(message, body, uploaded);
  dispatchMessageUpdate(state, gateway, message);
  return message;
}

export function deleteMessage(state: EmulatorState, gateway: Gateway, message: StoredMessage): void {
  state.messages.markDeleted(message);
  dispatchMessageDelete(state, gateway, message);
}
