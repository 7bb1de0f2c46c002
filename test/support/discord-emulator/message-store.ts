import {
  MessageFlags,
  type APIEmbed,
  type APIMessage,
  type APIMessageTopLevelComponent,
  type InteractionType,
  type MessageType,
} from 'discord-api-types/v10';
import type { EmulatorClock } from './clock.ts';
import { asRecords, type JsonRecord } from './json-shapes.ts';
import { toApiMessage } from './message-payload.ts';
import type { SnowflakeSource } from './snowflakes.ts';
import type { World } from './world.ts';

export type StoredAttachment = { id: string; filename: string; size: number; contentType: string | null; data: Buffer };

export type MessageVersion = {
  at: number;
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  flags: number;
};

export type MessageInteractionLink = { id: string; type: InteractionType; name: string | null; userId: string };

export type StoredMessage = {
  id: string;
  channelId: string;
  authorId: string;
  webhookId: string | null;
  type: MessageType;
  flags: number;
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  attachments: StoredAttachment[];
  mentionedUserIds: string[];
  mentionEveryone: boolean;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
  versions: MessageVersion[];
  interaction: MessageInteractionLink | null;
  referencedMessageId: string | null;
  nonce: string | number | null;
  tts: boolean;
};

export type NewMessage = {
  channelId: string;
  authorId: string;
  content?: string;
  embeds?: APIEmbed[];
  components?: APIMessageTopLevelComponent[];
  attachments?: StoredAttachment[];
  flags?: number;
  type?: MessageType;
  webhookId?: string | null;
  interaction?: MessageInteractionLink | null;
  referencedMessageId?: string | null;
  nonce?: string | number | null;
  tts?: boolean;
};

export type MessageStore = ReturnType<typeof createMessageStore>;

const mentionPattern = /<@!?(\d{17,20})>/g;

export function createMessageStore(world: World, clock: EmulatorClock, nextId: SnowflakeSource) {
  const messages = new Map<string, StoredMessage>();

  const versionOf = (message: StoredMessage, at: number): MessageVersion => ({
    at,
    content: message.content,
    embeds: structuredClone(message.embeds),
    components: structuredClone(message.components),
    flags: message.flags,
  });

  const mentionsIn = (content: string): string[] =>
    [...content.matchAll(mentionPattern)].map((match) => match[1] ?? '').filter((id) => world.users.has(id));

  return {
    create(input: NewMessage): StoredMessage {
      const now = clock.now();
      const content = input.content ?? '';
      const message: StoredMessage = {
        id: nextId(),
        channelId: input.channelId,
        authorId: input.authorId,
        webhookId: input.webhookId ?? null,
        type: input.type ?? (0 as MessageType),
        flags: input.flags ?? 0,
        content,
        embeds: input.embeds ?? [],
        components: input.components ?? [],
        attachments: input.attachments ?? [],
        mentionedUserIds: mentionsIn(content),
        mentionEveryone: false,
        createdAt: now,
        editedAt: null,
        deletedAt: null,
        versions: [],
        interaction: input.interaction ?? null,
        referencedMessageId: input.referencedMessageId ?? null,
        nonce: input.nonce ?? null,
        tts: input.tts ?? false,
      };
      message.versions.push(versionOf(message, now));
      messages.set(message.id, message);
      return message;
    },

    get(id: string): StoredMessage | undefined {
      return messages.get(id);
    },

    // Fields absent from an edit body stay as they were, as on Discord; `null` clears them.
    applyEdit(message: StoredMessage, body: JsonRecord, uploaded: StoredAttachment[]): void {
      if ('content' in body) message.content = typeof body.content === 'string' ? body.content : '';
      if ('embeds' in body) message.embeds = asRecords(body.embeds) as APIEmbed[];
      if ('components' in body) message.components = asRecords(body.components) as unknown as APIMessageTopLevelComponent[];
      if (typeof body.flags === 'number') {
        // Only the suppress flags and the components-v2 switch can be changed by an edit.
        const changeable = MessageFlags.SuppressEmbeds | MessageFlags.IsComponentsV2;
        message.flags = (message.flags & ~changeable) | (body.flags & changeable);
      }
      if ('attachments' in body) {
        const kept = new Set(asRecords(body.attachments).map((attachment) => String(attachment.id)));
        message.attachments = message.attachments.filter((attachment) => kept.has(attachment.id));
      }
      message.attachments.push(...uploaded);
      message.mentionedUserIds = mentionsIn(message.content);
      const now = clock.now();
      message.editedAt = now;
      message.versions.push(versionOf(message, now));
    },

    markDeleted(message: StoredMessage): void {
      message.deletedAt = clock.now();
    },

    inChannel(channelId: string): StoredMessage[] {
      return [...messages.values()].filter((message) => message.channelId === channelId);
    },

    toApi(message: StoredMessage): APIMessage {
      return toApiMessage(world, message, (id) => messages.get(id));
    },
  };
}
