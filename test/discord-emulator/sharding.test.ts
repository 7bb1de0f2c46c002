import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Events,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type Client,
  type Interaction,
  type Message,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { shardOf, startDiscordEmulator, type DiscordEmulator } from '../support/discord-emulator/index.ts';
import { startClient } from './start-client.ts';

type Frame = { op: number; t?: string; d?: unknown };

// A bare IDENTIFY, for what discord.js refuses to send (an invalid shard) or always adds (a shard).
async function identifyRaw(discord: DiscordEmulator, shard?: unknown) {
  const socket = new WebSocket(`${discord.gatewayUrl}/?v=10&encoding=json`);
  const frames: Frame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
  const closed = new Promise<number>((resolve) => socket.on('close', resolve));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ op: 2, d: { token: discord.token, intents: 513, properties: {}, ...(shard === undefined ? {} : { shard }) } }));
  return { frames, closed, close: () => socket.close(1000) };
}

const seenBy = (client: Client) => {
  const seen = { messages: [] as Message[], interactions: [] as Interaction[] };
  client.on(Events.MessageCreate, (message) => seen.messages.push(message));
  client.on(Events.InteractionCreate, (interaction) => seen.interactions.push(interaction));
  return seen;
};

const dispatchedEvents = (discord: DiscordEmulator, shardId: number) =>
  discord.gatewaySessions().find((session) => session.shard?.[0] === shardId)?.dispatched.map((frame) => frame.t) ?? [];

// A second guild named "Harbour Realm" also has a #tavern: a bare 'tavern' means the default guild's.
const harbourTavern = { guild: 'Harbour Realm', name: 'tavern' };

describe('discord emulator: gateway sharding', () => {
  let discord: DiscordEmulator;
  const clients: Client[] = [];

  beforeEach(async () => {
    discord = await startDiscordEmulator({
      guildShard: { id: 0, count: 2 },
      guilds: [{ name: 'Harbour Realm', channels: ['harbour', 'tavern'], shard: { id: 1, count: 2 } }],
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.destroy()));
    await discord.stop();
  });

  const startShards = async () => {
    const [first, second] = await Promise.all([
      startClient(discord, undefined, { shards: [0], shardCount: 2 }),
      startClient(discord, undefined, { shards: [1], shardCount: 2 }),
    ]);
    clients.push(first, second);
    return { first, second };
  };

  it('mints guild ids on the shards asked for', () => {
    const [realm, harbour] = discord.guilds;
    expect(realm?.id).toBe(discord.guild.id);
    expect(shardOf(discord.guild.id, 2)).toBe(0);
    expect(harbour?.name).toBe('Harbour Realm');
    expect(shardOf(harbour!.id, 2)).toBe(1);
    expect(Object.keys(harbour!.channels)).toEqual(['harbour', 'tavern']);
    expect(harbour!.channels.tavern?.guild_id).toBe(harbour!.id);
    expect(harbour!.roles.everyone).toBe(harbour!.id);
  });

  it('gives each shard only its guilds: READY, GUILD_CREATE and guilds.cache', async () => {
    const { first, second } = await startShards();
    const harbour = discord.guilds[1]!;

    expect([...first.guilds.cache.keys()]).toEqual([discord.guild.id]);
    expect([...second.guilds.cache.keys()]).toEqual([harbour.id]);
    expect(second.guilds.cache.get(harbour.id)?.channels.cache.map((channel) => channel.name).sort()).toEqual(['harbour', 'tavern']);
    expect(second.guilds.cache.get(harbour.id)?.members.me?.id).toBe(discord.bot.id);

    const sessions = discord.gatewaySessions().map(({ shard, guildIds, connected }) => ({ shard, guildIds, connected }));
    expect(sessions).toEqual(
      expect.arrayContaining([
        { shard: [0, 2], guildIds: [discord.guild.id], connected: true },
        { shard: [1, 2], guildIds: [harbour.id], connected: true },
      ]),
    );
    expect(dispatchedEvents(discord, 1)).toEqual(['READY', 'GUILD_CREATE']);
  });

  it("delivers a message only to the client of its guild's shard", async () => {
    const { first, second } = await startShards();
    const seenFirst = seenBy(first);
    const seenSecond = seenBy(second);

    const inRealm = discord.userMessage({ channel: 'tavern', user: 'alice', content: 'in the realm' });
    const inHarbour = discord.userMessage({ channel: harbourTavern, user: 'bob', content: 'in the harbour' });
    await discord.waitFor(() => seenFirst.messages.length >= 1 && seenSecond.messages.length >= 1);

    expect(seenFirst.messages.map((message) => message.id)).toEqual([inRealm.id]);
    expect(seenSecond.messages.map((message) => message.id)).toEqual([inHarbour.id]);
    expect(seenSecond.messages[0]?.guildId).toBe(discord.guilds[1]!.id);
    // What each session was sent, whatever has reached the clients yet.
    expect(dispatchedEvents(discord, 0).filter((event) => event === 'MESSAGE_CREATE')).toHaveLength(1);
    expect(dispatchedEvents(discord, 1).filter((event) => event === 'MESSAGE_CREATE')).toHaveLength(1);
  });

  it("routes a guild's interaction to its shard's client, which answers it", async () => {
    const { first, second } = await startShards();
    const harbour = discord.guilds[1]!;
    const seenFirst = seenBy(first);
    second.on(Events.InteractionCreate, async (interaction) => {
      if (interaction.isChatInputCommand()) {
        const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId('raise-anchor').setLabel('Raise anchor').setStyle(ButtonStyle.Primary),
        );
        await interaction.reply({ content: `ahoy from ${interaction.guild?.name}`, components: [row] });
      } else if (interaction.isButton()) {
        await interaction.update({ content: 'anchor raised', components: [] });
      }
    });
    // Registered in the second guild only, by the bulk PUT deploy-commands makes; the GM needs Manage Server.
    const sail = new SlashCommandBuilder().setName('sail').setDescription('Set sail').setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild);
    await second.application.commands.set([sail.toJSON()], harbour.id);

    expect(() => discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'sail' })).toThrow(/not registered/);
    expect(() => discord.slashCommand({ channel: harbourTavern, user: 'alice', name: 'sail' })).toThrow(/default_member_permissions/);

    const command = discord.slashCommand({ channel: harbourTavern, user: 'gm', name: 'sail' });
    expect(command.payload.guild_id).toBe(harbour.id);
    const answer = await command.reply();
    expect(answer.original?.content).toBe('ahoy from Harbour Realm');
    expect(discord.messages(harbourTavern).map((message) => message.content)).toEqual(['ahoy from Harbour Realm']);

    const click = discord.clickButton({ user: 'bob', messageId: answer.original!.id, customId: 'raise-anchor' });
    expect((await click.reply()).original?.content).toBe('anchor raised');

    expect(seenFirst.interactions).toEqual([]);
    expect(dispatchedEvents(discord, 0)).not.toContain('INTERACTION_CREATE');
    expect(dispatchedEvents(discord, 1).filter((event) => event === 'INTERACTION_CREATE')).toHaveLength(2);
  });

  it('closes an IDENTIFY with an invalid shard with 4010', async () => {
    for (const shard of [[2, 2], [0, 0], [-1, 2], [1], 'all']) {
      const session = await identifyRaw(discord, shard);
      expect(await session.closed, JSON.stringify(shard)).toBe(4010);
    }
    expect(discord.gatewaySessions()).toEqual([]);
  });

  it('gives a session without shard every guild, as shard [0, 1]', async () => {
    const raw = await identifyRaw(discord);
    const ready = await discord.waitFor(() => raw.frames.find((frame) => frame.t === 'READY'));
    await discord.waitFor(() => raw.frames.filter((frame) => frame.t === 'GUILD_CREATE').length === 2);
    const readyData = ready.d as { guilds: { id: string }[]; shard?: unknown };
    expect(readyData.guilds.map((guild) => guild.id)).toEqual(discord.guilds.map((guild) => guild.id));
    expect(readyData.shard).toBeUndefined();
    expect(discord.gatewaySessions()[0]?.shard).toBeNull();

    discord.userMessage({ channel: harbourTavern, user: 'carol', content: 'anyone?' });
    await discord.waitFor(() => raw.frames.some((frame) => frame.t === 'MESSAGE_CREATE'));
    raw.close();
  });

  it('answers GET /gateway/bot with the recommended shards and max_concurrency', async () => {
    const sharded = await startDiscordEmulator({ recommendedShards: 2, maxConcurrency: 16 });
    try {
      for (const [emulator, shards, maxConcurrency] of [[discord, 1, 1], [sharded, 2, 16]] as const) {
        const response = await fetch(`${emulator.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${emulator.token}` } });
        const body = (await response.json()) as { shards: number; session_start_limit: { max_concurrency: number } };
        expect(body.shards).toBe(shards);
        expect(body.session_start_limit.max_concurrency).toBe(maxConcurrency);
      }
    } finally {
      await sharded.stop();
    }
  });
});

describe('discord emulator: one unsharded client, as before', () => {
  it('gets the one default guild on a session identified as [0, 1]', async () => {
    await using discord = await startDiscordEmulator();
    const client = await startClient(discord);
    try {
      expect(discord.guilds.map((guild) => guild.id)).toEqual([discord.guild.id]);
      expect([...client.guilds.cache.keys()]).toEqual([discord.guild.id]);
      const session = await discord.waitForGatewaySession({ shard: [0, 1] });
      expect(session).toMatchObject({ shard: [0, 1], guildIds: [discord.guild.id] });
      expect(session.dispatched.map((frame) => frame.t)).toEqual(['READY', 'GUILD_CREATE']);
      const received = new Promise<Message>((resolve) => client.once(Events.MessageCreate, resolve));
      discord.userMessage({ channel: 'tavern', user: 'alice', content: 'still here' });
      expect((await received).content).toBe('still here');
    } finally {
      await client.destroy();
    }
  });
});
