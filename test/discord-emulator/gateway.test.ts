import { Events, GatewayIntentBits, type Message } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startDiscordEmulator, type DiscordEmulator } from '../support/discord-emulator/index.ts';
import { startClient } from './start-client.ts';

type Frame = { op: number; t?: string; s?: number; d?: unknown };

// A bare gateway connection, for what discord.js does not let a test provoke quickly.
async function rawGateway(discord: DiscordEmulator) {
  const socket = new WebSocket(`${discord.gatewayUrl}/?v=10&encoding=json`);
  const frames: Frame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
  const closed = new Promise<number>((resolve) => socket.on('close', resolve));
  await new Promise((resolve) => socket.once('open', resolve));
  await discord.waitFor(() => frames.some((frame) => frame.op === 10));
  return {
    closed,
    send: (frame: Frame) => socket.send(JSON.stringify(frame)),
    next: (predicate: (frame: Frame) => boolean) => discord.waitFor(() => frames.find(predicate)),
    close: () => socket.close(1000),
  };
}

describe('discord emulator: gateway', () => {
  let discord: DiscordEmulator;
  const clients: { destroy(): Promise<void> }[] = [];

  beforeEach(async () => {
    discord = await startDiscordEmulator({ heartbeatIntervalMs: 250 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.destroy()));
    await discord.stop();
  });

  it('answers heartbeats with op 11, so the client measures a ping', async () => {
    const client = await startClient(discord);
    clients.push(client);
    await discord.waitFor(() => (discord.gatewaySessions()[0]?.heartbeats ?? 0) >= 2, { timeoutMs: 3000 });
    await discord.waitFor(() => client.ws.ping >= 0, { timeoutMs: 1000 });
    expect(discord.gatewaySessions()[0]?.connected).toBe(true);
  });

  it('resumes after a close with 4000, replaying what was missed, and keeps delivering', async () => {
    const client = await startClient(discord);
    clients.push(client);
    const contents: string[] = [];
    client.on(Events.MessageCreate, (message: Message) => contents.push(message.content));
    const resumed = new Promise((resolve) => client.once(Events.ShardResume, resolve));

    await discord.closeGateway(4000);
    // Sent while the client is away: it must come through the RESUME replay.
    discord.userMessage({ channel: 'tavern', user: 'alice', content: 'while you were away' });
    await resumed;
    discord.userMessage({ channel: 'tavern', user: 'bob', content: 'after the resume' });
    await discord.waitFor(() => contents.length === 2);

    expect(contents).toEqual(['while you were away', 'after the resume']);
    const [session] = discord.gatewaySessions();
    expect(discord.gatewaySessions()).toHaveLength(1);
    expect(session).toMatchObject({ resumes: 1, connected: true, closeCodes: [4000] });
    expect(session?.dispatched.map((frame) => frame.t)).toContain('RESUMED');
  });

  it('answers a RESUME of an invalidated session with op 9, so the client identifies anew', async () => {
    // A raw socket: discord.js would wait out its 5 s identify throttle before identifying again.
    const identified = await rawGateway(discord);
    identified.send({ op: 2, d: { token: discord.token, intents: 513, properties: {} } });
    const ready = await identified.next((frame) => frame.t === 'READY');
    await discord.closeGateway(4009, { invalidateSession: true });

    const resuming = await rawGateway(discord);
    resuming.send({ op: 6, d: { token: discord.token, session_id: (ready.d as { session_id: string }).session_id, seq: 2 } });
    expect(await resuming.next((frame) => frame.op === 9)).toMatchObject({ op: 9, d: false });
    resuming.close();
  });

  it('blanks message content without the Message Content intent, except where the bot is mentioned', async () => {
    const client = await startClient(discord, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]);
    clients.push(client);
    const received: Message[] = [];
    client.on(Events.MessageCreate, (message: Message) => received.push(message));

    discord.userMessage({ channel: 'tavern', user: 'alice', content: 'a secret plan' });
    discord.userMessage({ channel: 'tavern', user: 'bob', content: `<@${discord.bot.id}> what do I see?` });
    await discord.waitFor(() => received.length === 2);

    expect(received[0]?.content).toBe('');
    expect(received[1]?.content).toBe(`<@${discord.bot.id}> what do I see?`);
    expect(received[1]?.mentions.users.has(discord.bot.id)).toBe(true);
  });

  it('sends no message events without the Guild Messages intent, and refuses a privileged intent the app lacks', async () => {
    const client = await startClient(discord, [GatewayIntentBits.Guilds]);
    clients.push(client);
    discord.userMessage({ channel: 'tavern', user: 'alice', content: 'hello?' });
    expect(discord.gatewaySessions()[0]?.dispatched.map((frame) => frame.t)).toEqual(['READY', 'GUILD_CREATE']);

    const strict = await startDiscordEmulator({ messageContentIntentEnabled: false });
    try {
      const socket = await rawGateway(strict);
      socket.send({ op: 2, d: { token: strict.token, intents: 33281, properties: {} } });
      expect(await socket.closed).toBe(4014);
    } finally {
      await strict.stop();
    }
  });
});
