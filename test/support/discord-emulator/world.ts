import type { EmulatorClock } from './clock.ts';
import { everyonePermissions, moderatorPermissions, type PermissionOverwrite } from './permissions.ts';
import { guildIdOnShard, type ShardSpec, type SnowflakeSource } from './snowflakes.ts';

export type WorldUser = { id: string; username: string; globalName: string | null; bot: boolean };
export type WorldRole = { id: string; name: string; permissions: bigint; position: number; managed: boolean };
export type WorldChannel = {
  id: string;
  guildId: string;
  name: string;
  position: number;
  topic: string | null;
  overwrites: PermissionOverwrite[];
};
export type WorldMember = { userId: string; roleIds: string[]; joinedAt: string };
export type RoleKeys = { everyone: string; gm: string; moderator: string; bot: string };

// Every guild has the same cast (the bot, the owner, the GMs, the players), each with its own roles and members.
export type WorldGuild = {
  id: string;
  name: string;
  ownerId: string;
  createdAt: string;
  roles: Map<string, WorldRole>;
  members: Map<string, WorldMember>;
  roleKeys: RoleKeys;
};

export type World = {
  // The default guild, the first of `guilds`.
  guild: WorldGuild;
  guilds: Map<string, WorldGuild>;
  bot: WorldUser;
  applicationId: string;
  users: Map<string, WorldUser>;
  // The channels of every guild (channel ids are unique across Discord).
  channels: Map<string, WorldChannel>;
  // Keys tests use instead of ids: 'gm', 'gmByRole', 'owner', the player names, the bot.
  userKeys: Map<string, string>;
};

export type GuildSpec = { name: string; channels: readonly string[]; shard?: ShardSpec };

export type WorldOptions = {
  botUsername: string;
  guildName: string;
  channelNames: readonly string[];
  playerNames: readonly string[];
  guildShard?: ShardSpec | undefined;
};

export function createWorld(options: WorldOptions, nextId: SnowflakeSource, clock: EmulatorClock): World {
  const users = new Map<string, WorldUser>();
  const userKeys = new Map<string, string>();
  const addUser = (key: string, username: string, globalName: string | null, bot = false): WorldUser => {
    const user: WorldUser = { id: nextId(), username, globalName, bot };
    users.set(user.id, user);
    userKeys.set(key, user.id);
    return user;
  };
  const bot = addUser('bot', options.botUsername, null, true);
  addUser('owner', 'owner', 'Server Owner');
  addUser('gm', 'gamemaster', 'Game Master');
  addUser('gmByRole', 'dungeonkeeper', 'Dungeon Keeper');
  for (const name of options.playerNames) addUser(name, name.toLowerCase(), name.charAt(0).toUpperCase() + name.slice(1));

  const world: World = {
    guild: undefined as unknown as WorldGuild, // set just below: addGuild needs the world
    guilds: new Map(),
    bot,
    // Applications created since 2020 share their id with their bot user.
    applicationId: bot.id,
    users,
    channels: new Map(),
    userKeys,
  };
  world.guild = addGuild(world, { name: options.guildName, channels: options.channelNames, shard: options.guildShard }, nextId, clock);
  return world;
}

export function addGuild(world: World, spec: GuildSpec, nextId: SnowflakeSource, clock: EmulatorClock): WorldGuild {
  const joinedAt = new Date(clock.now()).toISOString();
  const guildId = spec.shard ? guildIdOnShard(clock, spec.shard) : nextId();
  const roles = new Map<string, WorldRole>();
  const addRole = (name: string, permissions: bigint, position: number, managed = false): string => {
    // Discord gives @everyone the guild's own id; discord.js relies on it (guild.roles.everyone).
    const id = position === 0 ? guildId : nextId();
    roles.set(id, { id, name, permissions, position, managed });
    return id;
  };
  const roleKeys: RoleKeys = {
    everyone: addRole('@everyone', everyonePermissions, 0),
    gm: addRole('GM', everyonePermissions, 1),
    moderator: addRole('Moderator', everyonePermissions | moderatorPermissions, 2),
    bot: addRole(world.bot.username, everyonePermissions, 3, true),
  };
  const rolesByKey: Record<string, string[]> = { bot: [roleKeys.bot], gm: [roleKeys.moderator], gmByRole: [roleKeys.gm] };
  const members = new Map<string, WorldMember>();
  for (const [key, userId] of world.userKeys) members.set(userId, { userId, roleIds: rolesByKey[key] ?? [], joinedAt });

  const ownerId = world.userKeys.get('owner') ?? world.bot.id;
  const guild: WorldGuild = { id: guildId, name: spec.name, ownerId, createdAt: joinedAt, roles, members, roleKeys };
  world.guilds.set(guildId, guild);
  spec.channels.forEach((name, position) => {
    const id = nextId();
    world.channels.set(id, { id, guildId, name, position, topic: null, overwrites: [] });
  });
  return guild;
}

export function guildOf(world: World, channel: WorldChannel): WorldGuild {
  const guild = world.guilds.get(channel.guildId);
  if (!guild) throw new Error(`channel ${channel.id} belongs to no known guild`);
  return guild;
}

export function findGuild(world: World, reference: string): WorldGuild {
  const guild = world.guilds.get(reference) ?? [...world.guilds.values()].find((candidate) => candidate.name === reference);
  if (!guild) throw new Error(`the emulator knows no guild "${reference}" (known: ${[...world.guilds.values()].map((g) => g.name).join(', ')})`);
  return guild;
}

export type UserReference = string | { id: string };
// A name, an id, an object with an id (an API channel), or a name within a guild (the guild's name or id).
export type ChannelReference = string | { id: string } | { guild: string; name: string };

export function findUser(world: World, reference: UserReference): WorldUser {
  const key = typeof reference === 'string' ? reference : reference.id;
  const id = world.userKeys.get(key) ?? key;
  const user = world.users.get(id) ?? [...world.users.values()].find((candidate) => candidate.username === key);
  if (!user) throw new Error(`the emulator knows no user "${key}" (known: ${[...world.userKeys.keys()].join(', ')})`);
  return user;
}

export function describeChannelReference(reference: ChannelReference): string {
  if (typeof reference === 'string') return reference;
  return 'id' in reference ? reference.id : `${reference.guild}/#${reference.name}`;
}

// A bare name means the default guild's channel first, so tests written for one guild keep working when other
// guilds reuse its channel names; another guild's channel is found by a name no other guild uses.
export function findChannel(world: World, reference: ChannelReference): WorldChannel {
  const all = [...world.channels.values()];
  let candidates: WorldChannel[];
  if (typeof reference === 'object' && !('id' in reference)) {
    const guild = findGuild(world, reference.guild);
    candidates = all.filter((channel) => channel.guildId === guild.id && channel.name === reference.name);
  } else {
    const key = typeof reference === 'string' ? reference : reference.id;
    const byId = world.channels.get(key);
    const named = all.filter((channel) => channel.name === key);
    const inDefault = named.filter((channel) => channel.guildId === world.guild.id);
    candidates = byId ? [byId] : inDefault.length > 0 ? inDefault : named;
  }
  if (candidates.length > 1) {
    throw new Error(`the channel name "${describeChannelReference(reference)}" is used in several guilds: pass { guild, name } or an id`);
  }
  const [channel] = candidates;
  if (!channel) {
    const known = all.map((candidate) => `${guildOf(world, candidate).name}/#${candidate.name}`).join(', ');
    throw new Error(`the emulator knows no channel "${describeChannelReference(reference)}" (known: ${known})`);
  }
  return channel;
}
