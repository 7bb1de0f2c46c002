import { DiscordAPIError, type MessageCreateOptions, type MessageEditOptions } from 'discord.js';
import type { RenderChannel } from '../../src/discord/render/discord-message-port.ts';

// A text channel as the turn renderer sees it, recording every send, edit and typing request with its time, and
// refusing an edit of a message it never created or that was deleted (as Discord does, 10008). Failures are the
// DiscordAPIError discord.js throws, with Discord's codes.

export type ChannelRequest = { kind: 'send' | 'edit' | 'typing'; at: number; messageId?: string; body?: MessageCreateOptions | MessageEditOptions };

function discordError(status: number, code: number, message: string, method: string, path: string): DiscordAPIError {
  return new DiscordAPIError({ code, message }, code, status, method, `https://discord.test/api/v10${path}`, { body: undefined, files: undefined });
}

export function createFakeChannel(options: { failSends?: boolean } = {}) {
  const requests: ChannelRequest[] = [];
  /** Statuses the next edits fail with (500: Discord failing beyond discord.js's own retries). */
  const failingEdits: number[] = [];
  const messages = new Map<string, { content: string; components: unknown[] }>();
  let nextId = 100;
  const channel: RenderChannel = {
    id: 'channel-1',
    async send(body) {
      const id = String(nextId);
      nextId += 1;
      requests.push({ kind: 'send', at: Date.now(), messageId: id, body });
      if (options.failSends === true) throw discordError(403, 50013, 'Missing Permissions', 'POST', '/channels/channel-1/messages');
      messages.set(id, { content: body.content ?? '', components: [...(body.components ?? [])] });
      return { id };
    },
    async sendTyping() {
      requests.push({ kind: 'typing', at: Date.now() });
    },
    messages: {
      async edit(messageId, body) {
        requests.push({ kind: 'edit', at: Date.now(), messageId, body });
        const path = `/channels/channel-1/messages/${messageId}`;
        const failing = failingEdits.shift();
        if (failing !== undefined) throw discordError(failing, 0, `${failing}: Internal Server Error`, 'PATCH', path);
        const message = messages.get(messageId);
        if (message === undefined) throw discordError(404, 10008, 'Unknown Message', 'PATCH', path);
        if (typeof body.content === 'string') message.content = body.content;
        if (body.components !== undefined) message.components = [...body.components];
      },
    },
  };
  return {
    channel,
    requests,
    messages,
    /** As a moderator deleting the message. */
    deleteMessage: (messageId: string) => messages.delete(messageId),
    failNextEdits: (count: number, status = 500) => failingEdits.push(...Array.from({ length: count }, () => status)),
  };
}
