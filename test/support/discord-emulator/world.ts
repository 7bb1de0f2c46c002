import type { EmulatorClock } from './clock.ts';
import { everyonePermissions, moderatorPermissions, type PermissionOverwrite } from './permissions.ts';
import type { SnowflakeSource } from './snowflakes.ts';

export type WorldUser = { id: string; username: string; globalName: string | null; bot: boolean };
export type WorldRole = { id: string; name: string; permissions: bigint; position: number; managed: boolean };
export type WorldChannel = { id: string; name: string; position: number; topic: string | null; overwrites: PermissionOverwrite[] };
export type WorldMember = { userId: string; roleIds: string[]; joinedAt: string };

export type World = {
  guild: { id: string; name: string; ownerId: string; createdAt: string };
  bot: WorldUser;
  applicationId: string;
  users: Map<string, WorldUser>;
  roles: Map<string, WorldRole>;
  channels: Map<string, WorldChannel>;
  members: Map<string, WorldMember>;
  // Keys tests use instead of ids: 'gm', 'gmByRole', 'owner', the player names, the bot.
  userKeys: Map<string, string>;
  roleKeys: { everyone: string; gm: string; moderator: string; bot: string };
};

export type WorldOptions = {
  botUsername: string;
  guildName: string;
  channelNames: readonly string[];
  playerNames: readonly string[];
};

export function createWorld(options: WorldOptions, nextId: SnowflakeSource, clock: EmulatorClock): World {
  const joinedAt = new Date(clock.now()).toISOString();
  const guildId = nextId();
  const users = new Map<string, WorldUser>();
  const userKeys = new Map<string, string>();
  const members = new Map<string, WorldMember>();
  const roles = new Map<string, WorldRole>();

  const addRole = (name: string, permissions: bigint, position: number, managed = false): string => {
    // Discord gives @everyone the guild's own id; discord.js relies on it (guild.roles.everyone).
    const id = position === 0 ? guildId : nextId();
    roles.set(id, { id, name, permissions, position, managed });
    return id;
  };
  const everyoneRoleId = addRole('@everyone', everyonePermissions, 0);
  const gmRoleId = addRole('GM', everyonePermissions, 1);
  const moderatorRoleId = addRole('Moderator', everyonePermissions | moderatorPermissions, 2);
  const botRoleId = addRole(options.botUsername, everyonePermissions, 3, true);

  const addUser = (key: string, username: string, globalName: string | null, roleIds: string[], bot = false): WorldUser => {
    const user: WorldUser = { id: nextId(), username, globalName, bot };
    users.set(user.id, user);
    userKeys.set(key, user.id);
    members.set(user.id, { userId: user.id, roleIds, joinedAt });
    return user;
  };

  const bot = addUser('bot', options.botUsername, null, [botRoleId], true);
  const owner = addUser('owner', 'owner', 'Server Owner', []);
  addUser('gm', 'gamemaster', 'Game Master', [moderatorRoleId]);
  addUser('gmByRole', 'dungeonkeeper', 'Dungeon Keeper', [gmRoleId]);
  for (const name of options.playerNames) {
    addUser(name, name.toLowerCase(), name.charAt(0).toUpperCase() + name.slice(1), []);
  }

  const channels = new Map<string, WorldChannel>();
  options.channelNames.forEach((name, position) => {
    const id = nextId();
    channels.set(id, { id, name, position, topic: null, overwrites: [] });
  });

  return {
    guild: { id: guildId, name: options.guildName, ownerId: owner.id, createdAt: joinedAt },
    bot,
    // Applications created since 2020 share their id with their bot user.
    applicationId: bot.id,
    users,
    roles,
    channels,
    members,
    userKeys,
    roleKeys: { everyone: everyoneRoleId, gm: gmRoleId, moderator: moderatorRoleId, bot: botRoleId },
  };
}

export type UserReference = string | { id: string };
export type ChannelReference = string | { id: string };

export function findUser(world: World, reference: UserReference): WorldUser {
  const key = typeof reference === 'string' ? reference : reference.id;
  const id = world.userKeys.get(key) ?? key;
  const user = world.users.get(id) ?? [...world.users.values()].find((candidate) => candidate.username === key);
  if (!user) throw new Error(`the emulator knows no user "${key}" (known: ${[...world.userKeys.keys()].join(', ')})`);
  return user;
}

export function findChannel(world: World, reference: ChannelReference): WorldChannel {
  const key = typeof reference === 'string' ? reference : reference.id;
  const channel = world.channels.get(key) ?? [...world.channels.values()].find((candidate) => candidate.name === key);
  if (!channel) {
    const known = [...world.channels.values()].map((candidate) => candidate.name).join(', ');
    throw new Error(`the emulator knows no channel "${key}" (known: ${known})`);
  }
  return channel;
}
