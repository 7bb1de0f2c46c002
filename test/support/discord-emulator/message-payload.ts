import { InteractionType, type APIAttachment, type APIMessage, type APIMessageInteractionMetadata } from 'discord-api-types/v10';
import type { StoredAttachment, StoredMessage } from './message-store.ts';
import { toApiUser } from './payloads.ts';
import type { World } from './world.ts';

// The message object as REST answers it and as MESSAGE_CREATE / MESSAGE_UPDATE carry it (before the gateway extras).
export function toApiMessage(world: World, message: StoredMessage, lookup: (id: string) => StoredMessage | undefined): APIMessage {
  const author = world.users.get(message.authorId);
  if (!author) throw new Error(`message ${message.id} has an unknown author ${message.authorId}`);
  const guildId = world.channels.get(message.channelId)?.guildId ?? world.guild.id;
  const payload: APIMessage = {
    id: message.id,
    channel_id: message.channelId,
    author: toApiUser(author),
    content: message.content,
    timestamp: new Date(message.createdAt).toISOString(),
    edited_timestamp: message.editedAt === null ? null : new Date(message.editedAt).toISOString(),
    tts: message.tts,
    mention_everyone: message.mentionEveryone,
    mentions: message.mentionedUserIds.flatMap((id) => {
      const user = world.users.get(id);
      return user ? [toApiUser(user)] : [];
    }),
    mention_roles: [],
    attachments: message.attachments.map((attachment) => toApiAttachment(message, attachment)),
    embeds: message.embeds,
    components: message.components,
    pinned: false,
    type: message.type,
    flags: message.flags,
  };
  if (message.webhookId) payload.webhook_id = message.webhookId;
  if (message.webhookId === world.applicationId) payload.application_id = world.applicationId;
  if (message.nonce !== null) payload.nonce = message.nonce;

  const referenced = message.referencedMessageId ? lookup(message.referencedMessageId) : undefined;
  if (referenced) {
    payload.message_reference = { message_id: referenced.id, channel_id: referenced.channelId, guild_id: guildId };
    payload.referenced_message = referenced.deletedAt === null ? toApiMessage(world, referenced, lookup) : null;
  }

  const interactionUser = message.interaction ? world.users.get(message.interaction.userId) : undefined;
  if (message.interaction && interactionUser) {
    payload.interaction_metadata = {
      id: message.interaction.id,
      type: message.interaction.type,
      user: toApiUser(interactionUser),
      authorizing_integration_owners: { '0': guildId },
      ...(message.interaction.type === InteractionType.MessageComponent && referenced ? { interacted_message_id: referenced.id } : {}),
    } as APIMessageInteractionMetadata;
    // The deprecated `interaction` field, still read by discord.js for message.interaction.commandName.
    if (message.interaction.name !== null) {
      payload.interaction = {
        id: message.interaction.id,
        type: message.interaction.type,
        name: message.interaction.name,
        user: toApiUser(interactionUser),
      };
    }
  }
  return payload;
}

function toApiAttachment(message: StoredMessage, attachment: StoredAttachment): APIAttachment {
  const url = `https://cdn.discordapp.com/attachments/${message.channelId}/${attachment.id}/${encodeURIComponent(attachment.filename)}`;
  return {
    id: attachment.id,
    filename: attachment.filename,
    size: attachment.size,
    url,
    proxy_url: url,
    ...(attachment.contentType ? { content_type: attachment.contentType } : {}),
  };
}
