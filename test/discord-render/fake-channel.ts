import type { MessageCreateOptions, MessageEditOptions } from 'discord.js';
import type { RenderChannel } from '../../src/discord/render/discord-message-port.ts';

// A text channel as the turn renderer sees it, recording every send, edit and typing request with its time, and
// refusing an edit of a message it never created (as Discord does, 10008).

export type ChannelRequest = { kind: 'send' | 'edit' | 'typing'; at: number; messageId?: string; body?: MessageCreateOptions | MessageEditOptions };

export function createFakeChannel(options: { failSends?: boolean } = {}) {
  const requests: ChannelRequest[] = [];
  const messages = new Map<string, { content: string; components: unknown[] }>();
  let nextId = 100;
  const channel: RenderChannel = {
    id: 'channel-1',
    async send(body) {
      const id = String(nextId);
      nextId += 1;
      requests.push({ kind: 'send', at: Date.now(), messageId: id, body });
      if (options.failSends === true) throw new Error('50013 Missing Permissions');
      messages.set(id, { content: body.content ?? '', components: [...(body.components ?? [])] });
      return { id };
    },
    async sendTyping() {
      requests.push({ kind: 'typing', at: Date.now() });
    },
    messages: {
      async edit(messageId, body) {
        requests.push({ kind: 'edit', at: Date.now(), messageId, body });
        const message = messages.get(messageId);
        if (message === undefined) throw new Error('10008 Unknown Message');
        if (typeof body.content === 'string') message.content = body.content;
        if (body.components !== undefined) message.components = [...body.components];
      },
    },
  };
  return { channel, requests, messages };
}
