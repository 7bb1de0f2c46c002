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
