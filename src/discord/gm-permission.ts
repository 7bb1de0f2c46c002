import { PermissionFlagsBits, type ChatInputCommandInteraction, type GuildMember } from 'discord.js';
import { UserFacingError } from '../errors.ts';

/**
 * /gm is registered with Manage Server as its default permission, but server admins can change who sees
 * a command, so the run-time check is the one that counts: Manage Server, or a role named in GM_ROLE_NAMES.
 */
export function isGameMaster(interaction: ChatInputCommandInteraction, gmRoleNames: string[]): boolean {
  if (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) === true) return true;
  const member = interaction.member;
  if (member === null) return false;
  const wanted = new Set(gmRoleNames.map((name) => name.toLocaleLowerCase()));
  const roleIds = Array.isArray(member.roles) ? member.roles : [...(member as GuildMember).roles.cache.keys()];
  return roleIds.some((roleId) => {
    const role = interaction.guild?.roles.cache.get(roleId);
    return role !== undefined && wanted.has(role.name.toLocaleLowerCase());
  });
}

export function requireGameMaster(interaction: ChatInputCommandInteraction, gmRoleNames: string[]): void {
  if (!isGameMaster(interaction, gmRoleNames)) {
    throw new UserFacingError(
      `Only a GM can do that: you need the Manage Server permission or one of these roles: ${gmRoleNames.join(', ')}.`,
    );
  }
}
