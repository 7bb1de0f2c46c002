import { RESTEvents, type RateLimitData } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../support/discord-emulator/index.ts';
import { receiveAct, startClient } from './start-client.ts';

const window = { limit: 5, windowMs: 1000 };

describe('discord emulator: rate limits', () => {
  let discord: DiscordEmulator;

  beforeEach(async () => {
    // Discord's 5 per 5 s, scaled down to keep the suite fast.
    discord = await startDiscordEmulator({ rateLimits: { channelMessages: window, interactionWebhook: window } });
  });
  afterEach(async () => {
    await discord.stop();
  });

  it('sends bucket headers that let discord.js pace twelve quick edits without a single 429', async () => {
    const client = await startClient(discord);
    try {
      const channel = client.channels.cache.get(discord.channels.tavern!.id);
      if (!channel?.isSendable()) throw new Error('tavern is not sendable');
      const rateLimited: RateLimitData[] = [];
      client.rest.on(RESTEvents.RateLimited, (data) => rateLimited.push(data));

      const message = await channel.send('Once upon');
      await Promise.all(Array.from({ length: 12 }, (_, index) => message.edit(`Once upon a time ${index}`)));

      const edits = discord.requests.filter((request) => request.method === 'PATCH');
      expect(edits).toHaveLength(12);
      expect(discord.requests.filter((request) => request.status === 429)).toHaveLength(0);
      // Send + 4 edits in the first window, 5 in the second, 3 in the third.
      const first = edits[0]!.at;
      const last = edits.at(-1)!.at;
      expect(last - first).toBeGreaterThanOrEqual(2 * window.windowMs - 150);
      expect(rateLimited.length).toBeGreaterThan(0);
      expect(edits[0]?.allowedMentions).toEqual({ parse: [], replied_user: false });
      expect(discord.message(message.id)?.content).toBe('Once upon a time 11');
    } finally {
      await client.destroy();
    }
  });

  it('keeps a separate bucket per interaction token for editReply', async () => {
    const client = await startClient(discord);
    try {
      const { handle, interaction } = await receiveAct(client, discord, 'run');
      await interaction.deferReply();
      // The channel bucket is spent by others meanwhile: the webhook edits must not care.
      const channel = client.channels.cache.get(discord.channels.tavern!.id);
      if (!channel?.isSendable()) throw new Error('tavern is not sendable');
      await Promise.all([
        ...Array.from({ length: 5 }, (_, index) => channel.send(`noise ${index}`)),
        ...Array.from({ length: 7 }, (_, index) => interaction.editReply(`You run ${index}`)),
      ]);

      const edits = discord.requests.filter((request) => request.method === 'PATCH' && request.interactionId === handle.id);
      expect(edits).toHaveLength(7);
      expect(discord.requests.filter((request) => request.status === 429)).toHaveLength(0);
      expect(edits.at(-1)!.at - edits[0]!.at).toBeGreaterThanOrEqual(window.windowMs - 150);
      expect(handle.view().original?.content).toBe('You run 6');
    } finally {
      await client.destroy();
    }
  });

  it('answers 429 past the bucket with Discord headers and body', async () => {
    const channelId = discord.channels.general!.id;
    const send = () =>
      fetch(`${discord.apiUrl}/v10/channels/${channelId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bot ${discord.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'spam' }),
      });
    const answers = [];
    for (let index = 0; index < 6; index += 1) answers.push(await send());

    expect(answers.slice(0, 5).map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[4]?.headers.get('x-ratelimit-remaining')).toBe('0');
    const refused = answers[5]!;
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-scope')).toBe('user');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('x-ratelimit-bucket')).toBe(answers[0]?.headers.get('x-ratelimit-bucket'));
    const body = (await refused.json()) as { retry_after: number; global: boolean };
    expect(body.global).toBe(false);
    expect(body.retry_after).toBeGreaterThan(0);
    expect(body.retry_after).toBeLessThanOrEqual(1);
  });

  it('forces a 429 that discord.js waits out and retries', async () => {
    const client = await startClient(discord);
    try {
      const channel = client.channels.cache.get(discord.channels.dungeon!.id);
      if (!channel?.isSendable()) throw new Error('dungeon is not sendable');
      discord.failNext({ method: 'POST', route: '/channels/:channelId/messages', status: 429, retryAfter: 0.3 });

      const startedAt = Date.now();
      const message = await channel.send('eventually');
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
      const creates = discord.requests.filter((request) => request.route === '/channels/:channelId/messages');
      expect(creates.map((request) => request.status)).toEqual([429, 200]);
      expect(discord.message(message.id)?.content).toBe('eventually');
    } finally {
      await client.destroy();
    }
  });

  it('forces other failures by code, and records unknown routes as 404', async () => {
    const client = await startClient(discord);
    try {
      const channel = client.channels.cache.get(discord.channels.dungeon!.id);
      if (!channel?.isSendable()) throw new Error('dungeon is not sendable');
      discord.failNext({ method: 'POST', route: '/channels/:channelId/messages', status: 403, code: 50013 });
      await expect(channel.send('denied')).rejects.toMatchObject({ code: 50013, status: 403, message: 'Missing Permissions' });

      await expect(client.rest.get('/channels/123456789012345678/pins')).rejects.toMatchObject({ status: 404 });
      expect(discord.requests.at(-1)).toMatchObject({ route: null, path: '/channels/123456789012345678/pins', status: 404 });
    } finally {
      await client.destroy();
    }
  });
});
