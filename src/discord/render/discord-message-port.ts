import type { APIActionRowComponent, APIComponentInMessageActionRow, MessageCreateOptions, MessageEditOptions } from 'discord.js';
import type { MessageWritePort } from './channel-write-scheduler.ts';

/** What the renderer puts in a message. Without `content`, an edit leaves the text as it is (disabling buttons). */
export type MessagePayload = {
  content?: string;
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
};

/** The part of a discord.js text channel the renderer uses; every guild text channel and thread has it. */
export type RenderChannel = {
  readonly id: string;
  send(options: MessageCreateOptions): Promise<{ id: string }>;
  sendTyping(): Promise<void>;
  messages: { edit(messageId: string, options: MessageEditOptions): Promise<unknown> };
};

/**
 * Model text must never ping anyone. The client sets this too, but an edit without allowed_mentions is parsed with
 * Discord's defaults again, so every request carries it explicitly.
 */
const noMentions = { parse: [], repliedUser: false } as const;

export function createMessagePort(
  channel: RenderChannel,
  onCreated?: (messageId: string) => void,
): MessageWritePort<MessagePayload> {
  return {
    async send(payload) {
      const message = await channel.send({ ...payload, allowedMentions: noMentions });
      onCreated?.(message.id);
      return { id: message.id };
    },
    async edit(messageId, payload) {
      await channel.messages.edit(messageId, { ...payload, allowedMentions: noMentions });
    },
  };
}
