import { Events, type Message } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../support/discord-emulator/index.ts';
import { startClient } from './start-client.ts';

describe('discord emulator: login and channel messages', () => {
  let discord: DiscordEmulator;
  const clients: { destroy(): Promise<void> }[] = [];

  beforeEach(async () => {
    discord = await startDiscordEmulator();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.destroy()));
    await discord.stop();
  });

  it('logs the real client in: READY, the guild with its channels, roles and the bot member', async () => {
    const client = await startClient(discord);
    clients.push(client);

    expect(client.user.id).toBe(discord.bot.id);
    expect(client.application.id).toBe(discord.applicationId);
    const guild = client.guilds.cache.get(discord.guild.id);
    expect(guild?.available).toBe(true);
    expect(guild?.channels.cache.map((channel) => channel.name).sort()).toEqual(['dungeon', 'general', 'tavern']);
    expect(guild?.roles.everyone.id).toBe(discord.guild.id);
    expect(guild?.roles.cache.find((role) => role.name === 'GM')).toBeDefined();
    expect(guild?.members.me?.id).toBe(discord.bot.id);
    expect(discord.requests.map((request) => `${request.method} ${request.route}`)).toEqual(['GET /gateway/bot']);
  });

  it('delivers a player message to messageCreate and records the bot reply', async () => {
    const client = await startClient(discord);
    clients.push(client);
    const received = new Promise<Message>((resolve) => client.once(Events.MessageCreate, resolve));

    const sent = discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I open the door' });
    const message = await received;
    expect(message.id).toBe(sent.id);
    expect(message.content).toBe('I open the door');
    expect(message.author.username).toBe('alice');
    expect(message.member?.displayName).toBe('Alice');

    if (!message.channel.isSendable()) throw new Error('tavern is not sendable');
    await message.channel.sendTyping();
    const reply = await message.reply('The door creaks open.');
    const seen = await discord.waitForMessage('tavern', (candidate) => candidate.authorId === discord.bot.id);
    expect(seen.id).toBe(reply.id);
    expect(seen.content).toBe('The door creaks open.');
    expect(seen.referencedMessageId).toBe(sent.id);
    const create = discord.requests.find((request) => request.route === '/channels/:channelId/messages' && request.method === 'POST');
    expect(create?.allowedMentions).toEqual({ parse: [], replied_user: false });
    expect(discord.requests.find((request) => request.route === '/channels/:channelId/typing')).toMatchObject({ status: 204 });
  });

  it('records edits with their times and dispatches MESSAGE_UPDATE and MESSAGE_DELETE back', async () => {
    const client = await startClient(discord);
    clients.push(client);
    const channel = client.channels.cache.get(discord.channels.dungeon!.id);
    if (!channel?.isSendable()) throw new Error('dungeon is not sendable');

    const updates: string[] = [];
    client.on(Events.MessageUpdate, (_old, updated) => updates.push(updated.content ?? ''));
    const message = await channel.send('The torch flickers');
    await message.edit('The torch goes out');
    await discord.waitFor(() => updates.includes('The torch goes out'));

    const [snapshot] = discord.messages('dungeon');
    expect(snapshot?.content).toBe('The torch goes out');
    expect(snapshot?.versions.map((version) => version.content)).toEqual(['The torch flickers', 'The torch goes out']);
    expect(snapshot?.edits).toHaveLength(1);
    expect(snapshot?.edits[0]?.at).toBeGreaterThanOrEqual(snapshot?.createdAt ?? Infinity);

    const deleted = new Promise((resolve) => client.once(Events.MessageDelete, resolve));
    await message.delete();
    await deleted;
    expect(discord.message(message.id)?.deleted).toBe(true);
  });

  it('refuses a 2001-character message with 50035 naming the field', async () => {
    const client = await startClient(discord);
    clients.push(client);
    const channel = client.channels.cache.get(discord.channels.tavern!.id);
    if (!channel?.isSendable()) throw new Error('tavern is not sendable');

    const error = await channel.send('x'.repeat(2001)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 50035, status: 400 });
    expect((error as Error).message).toContain('content[BASE_TYPE_MAX_LENGTH]: Must be 2000 or fewer in length.');
    expect(discord.messages('tavern')).toHaveLength(0);
    await expect(channel.send('x'.repeat(2000))).resolves.toBeDefined();
  });

  it('answers 10008 for a message deleted meanwhile, 50013 for a send without permission, 50001 in a hidden channel', async () => {
    const client = await startClient(discord);
    clients.push(client);
    const channel = client.channels.cache.get(discord.channels.tavern!.id);
    if (!channel?.isSendable()) throw new Error('tavern is not sendable');

    const message = await channel.send('A turn in progress');
    discord.deleteMessage(message.id);
    await expect(message.edit('…continued')).rejects.toMatchObject({ code: 10008, status: 404 });

    const kept = await channel.send('A message from before the permission change');
    discord.denyBotPermissions('tavern');
    await expect(channel.send('anyone?')).rejects.toMatchObject({ code: 50013, status: 403 });
    // As on Discord, Send Messages gates new messages only: the bot's own messages can still be edited.
    await expect(kept.edit('edited without Send Messages')).resolves.toBeDefined();
    discord.denyBotPermissions('tavern', { hide: true });
    await expect(kept.edit('edited without View Channel')).rejects.toMatchObject({ code: 50001, status: 403 });
    await expect(channel.send('anyone?')).rejects.toMatchObject({ code: 50001, status: 403 });
    // The CHANNEL_UPDATE reached the client: discord.js can tell before it tries.
    const guildChannel = client.guilds.cache.get(discord.guild.id)?.channels.cache.get(channel.id);
    await discord.waitFor(() => guildChannel?.permissionsFor(client.user)?.has('SendMessages') === false);
    discord.restoreBotPermissions('tavern');
    await expect(channel.send('back again')).resolves.toBeDefined();
  });

  it('lets a restarted bot log in again and receive the same guild', async () => {
    const first = await startClient(discord);
    await first.destroy();
    const second = await startClient(discord);
    clients.push(second);

    expect(second.guilds.cache.get(discord.guild.id)?.channels.cache.size).toBe(3);
    const received = new Promise<Message>((resolve) => second.once(Events.MessageCreate, resolve));
    discord.userMessage({ channel: 'general', user: 'bob', content: 'still there?' });
    expect((await received).content).toBe('still there?');
    const sessions = discord.gatewaySessions();
    expect(sessions).toHaveLength(2);
    expect(sessions[0]?.invalidated).toBe(true);
    expect(sessions[1]?.connected).toBe(true);
  });
});
