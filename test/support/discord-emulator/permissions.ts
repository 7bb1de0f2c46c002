import { PermissionFlagsBits } from 'discord-api-types/v10';

// What a fresh server grants @everyone in a text channel, close to Discord's defaults for a new guild.
export const everyonePermissions =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseExternalEmojis |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.CreateInstantInvite |
  PermissionFlagsBits.ChangeNickname;

export const moderatorPermissions = PermissionFlagsBits.ManageGuild | PermissionFlagsBits.ManageMessages;

// Denied to the bot by denyBotPermissions(): everything a bot needs to write in a channel.
export const channelWritePermissions =
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles;

const allPermissions = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

export type PermissionOverwrite = { id: string; type: 0 | 1; allow: bigint; deny: bigint };

export type PermissionSubject = {
  guildId: string;
  ownerId: string;
  userId: string;
  roleIds: readonly string[];
  rolePermissions: (roleId: string) => bigint;
  overwrites: readonly PermissionOverwrite[];
};

// Discord's documented order: base permissions from @everyone and the member's roles, then the channel overwrites
// for @everyone, for the roles together, and for the member. Interactions carry the result as `member.permissions`.
export function computeChannelPermissions(subject: PermissionSubject): bigint {
  if (subject.userId === subject.ownerId) return allPermissions;
  let permissions = subject.rolePermissions(subject.guildId);
  for (const roleId of subject.roleIds) permissions |= subject.rolePermissions(roleId);
  if ((permissions & PermissionFlagsBits.Administrator) !== 0n) return allPermissions;

  const everyoneOverwrite = subject.overwrites.find((overwrite) => overwrite.id === subject.guildId);
  if (everyoneOverwrite) permissions = (permissions & ~everyoneOverwrite.deny) | everyoneOverwrite.allow;

  let roleAllow = 0n;
  let roleDeny = 0n;
  for (const overwrite of subject.overwrites) {
    if (overwrite.type === 0 && subject.roleIds.includes(overwrite.id)) {
      roleAllow |= overwrite.allow;
      roleDeny |= overwrite.deny;
    }
  }
  permissions = (permissions & ~roleDeny) | roleAllow;

  const memberOverwrite = subject.overwrites.find((overwrite) => overwrite.type === 1 && overwrite.id === subject.userId);
  if (memberOverwrite) permissions = (permissions & ~memberOverwrite.deny) | memberOverwrite.allow;
  return permissions;
}

// Whether Discord offers a command to a member in a channel, by its `default_member_permissions` (the per-command
// overrides that server admins set in Server Settings → Integrations are not emulated). Discord's docs (Application
// Commands → Application Command Permissions → Using Default Permissions): it is "the permissions a user must have to
// use it"; "0" prohibits everyone "unless a specific overwrite is configured or the user has admin permissions";
// "Members with the Administrator permission can use all commands"; a command one may not use "will not show up in the
// command picker". The docs do not say guild-level, and a member uses a command in a channel, so the rule here is the
// channel-level one: the member's permissions computed in that channel, overwrites included (what the interaction
// then carries as `member.permissions`, documented as "total permissions of the member in the channel, including
// overwrites"). The guild owner and Administrator get every bit from computeChannelPermissions, so they pass.
export function mayUseCommand(defaultMemberPermissions: string | null | undefined, channelPermissions: bigint): boolean {
  if (defaultMemberPermissions === null || defaultMemberPermissions === undefined) return true;
  if ((channelPermissions & PermissionFlagsBits.Administrator) !== 0n) return true;
  const required = BigInt(defaultMemberPermissions);
  return required !== 0n && (channelPermissions & required) === required;
}
