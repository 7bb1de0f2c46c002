import { RESTEvents, type RateLimitData } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../support/discord-emulator/index.ts';
import { receiveAct, startClient } from './start-client.ts';

// Discord's 50 per second, scaled down so that a handful of requests spends it.
const globalPerSecond = 5;
const interactionRoutes: (string | null)[] = [
  '/interactions/:interactionId/:interactionToken/callback',
  '/webhooks/:applicationId/:interactionToken',
  '/webhooks/:applicationId/:interactionToken/messages/:messageId',
];

describe('discord emulator: global rate limit', () => {
  let discord: DiscordEmulator;

  beforeEach(async () => {
    discord = await startDiscordEmulator({ rateLimits: { globalPerSecond } });
  });
  afterEach(async () => {
    await discord.stop();
  });

  // Raw fetches, so that discord.js's own client-side global limit does not hide the emulator's.
  const botFetch = (path: string, method: string, body?: unknown) =>
    fetch(`${discord.apiUrl}/v10${path}`, {
      method,
      headers: { authorization: `Bot ${discord.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const send = (channel: string, content = 'spam') => botFetch(`/channels/${discord.channels[channel]!.id}/messages`, 'POST', { content });
  // Sends until the global limit refuses one, whatever discord.js has already spent in this window.
  const exhaust = async (): Promise<void> => {
    for (let attempt = 0; attempt <= globalPerSecond; attempt += 1) {
      const answer = await send('general');
      if (answer.status === 429) return;
    }
    throw new Error('the global limit never refused a request');
  };

  it('refuses the request past the limit across channels with a global 429, spending no route bucket', async () => {
    const channels = ['tavern', 'dungeon', 'general'];
    const answers = [];
    for (let index = 0; index < globalPerSecond + 2; index += 1) answers.push(await send(channels[index % channels.length]!));

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const refused = answers[5]!;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('x-ratelimit-global')).toBe('true');
    expect(refused.headers.get('x-ratelimit-scope')).toBe('global');
    // No route bucket was consulted, so none is reported.
    expect(refused.headers.get('x-ratelimit-bucket')).toBeNull();
    const body = (await refused.json()) as { message: string; retry_after: number; global: boolean; code: number };
    expect(body).toEqual({ message: 'You are being rate limited.', retry_after: expect.any(Number), global: true, code: 0 });
    expect(body.retry_after).toBeGreaterThan(0);
    expect(body.retry_after).toBeLessThanOrEqual(1);

    const logged = discord.requests.filter((request) => request.status === 429);
    expect(logged).toHaveLength(2);
    expect(logged.map((request) => request.channelId)).toEqual([discord.channels.general!.id, discord.channels.tavern!.id]);
    expect(logged[0]).toMatchObject({ route: '/channels/:channelId/messages', global: true, errorCode: 0 });
    expect(discord.requests.filter((request) => request.status === 200).every((request) => request.global === undefined)).toBe(true);

    // Once the second is over, tavern's bucket (5 per 5 s) holds its 2 accepted sends (0 and 3), not the refused one (6).
    discord.clock.advance(1000);
    const next = await send('tavern');
    expect(next.status).toBe(200);
    expect(next.headers.get('x-ratelimit-remaining')).toBe('2');
  });

  it('counts every route of the bot token, unknown ones included, but not requests without it', async () => {
    for (let index = 0; index < globalPerSecond; index += 1) expect((await botFetch('/users/@me', 'GET')).status).toBe(200);
    expect((await botFetch('/channels/123456789012345678/pins', 'GET')).status).toBe(429);
    // Not the bot's token: a 401, not a global 429.
    const anonymous = await fetch(`${discord.apiUrl}/v10/users/@me`);
    expect(anonymous.status).toBe(401);
  });

  it('makes discord.js wait out a global 429, then retry', async () => {
    const client = await startClient(discord);
    try {
      const channel = client.channels.cache.get(discord.channels.tavern!.id);
      if (!channel?.isSendable()) throw new Error('tavern is not sendable');
      const rateLimited: RateLimitData[] = [];
      client.rest.on(RESTEvents.RateLimited, (data) => rateLimited.push(data));

      await exhaust();
      const startedAt = Date.now();
      const message = await channel.send('eventually');
      // Retry-After: 1 makes discord.js hold every request for a second.
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
      const creates = discord.requests.filter((request) => request.channelId === discord.channels.tavern!.id);
      expect(creates.map((request) => [request.status, request.global])).toEqual([
        [429, true],
        [200, undefined],
      ]);
      expect(rateLimited.some((data) => data.global)).toBe(true);
      expect(discord.message(message.id)?.content).toBe('eventually');
    } finally {
      await client.destroy();
    }
  });

  it('never refuses the interaction callback nor the interaction webhook, even with the bot token and the limit spent', async () => {
    const client = await startClient(discord);
    try {
      const { handle, interaction } = await receiveAct(client, discord, 'open');
      const webhookPath = `/webhooks/${discord.applicationId}/${interaction.token}`;

      // Each answer comes right after a global 429: sent with the bot token by hand, or without it by discord.js.
      await exhaust();
      const callbackPath = `/interactions/${interaction.id}/${interaction.token}/callback`;
      const callback = await botFetch(callbackPath, 'POST', { type: 4, data: { content: 'The door creaks.' } });
      expect(callback.status).toBe(204);
      await exhaust();
      await interaction.webhook.editMessage('@original', 'The door opens.');
      await exhaust();
      const followUp = await interaction.webhook.send('A draft.');
      await exhaust();
      await interaction.webhook.editMessage(followUp.id, 'A cold draft.');
      await exhaust();
      expect((await botFetch(`${webhookPath}/messages/@original`, 'PATCH', { content: 'The door is open.' })).status).toBe(200);

      const answers = discord.requests.filter((request) => interactionRoutes.includes(request.route));
      expect(answers.map((request) => request.status)).toEqual([204, 200, 200, 200, 200]);
      expect(discord.requests.filter((request) => request.global)).toHaveLength(5);
      expect(handle.view().original?.content).toBe('The door is open.');
      expect(discord.message(followUp.id)?.content).toBe('A cold draft.');
    } finally {
      await client.destroy();
    }
  });
});
