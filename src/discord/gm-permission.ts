import { PermissionFlagsBits, type ChatInputCommandInteraction, type GuildMember } from 'discord.js';
import { UserFacingError } from '../errors.ts';

/**
 * /gm is registered without a default member permission (commands/gm.ts): a default of Manage Server would make
 * Discord hide it from members who only have a GM role, in every fresh server, until an admin changed it in Server
 * Settings → Integrations. So every member sees /gm, and this run-time check is the one that counts: Manage Server, or
 * a role listed in GM_ROLE_NAMES by name (case-insensitive) or by id (a name can be renamed or shared, an id cannot).
 */
export function isGameMaster(interaction: ChatInputCommandInteraction, gmRoles: string[]): boolean {
  if (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) === true) return true;
  const member = interaction.member;
  if (member === null) return false;
  const wanted = new Set(gmRoles.map((entry) => entry.toLocaleLowerCase()));
  const roleIds = Array.isArray(member.roles) ? member.roles : [...(member as GuildMember).roles.cache.keys()];
  return roleIds.some((roleId) => {
    if (wanted.has(roleId)) return true;
    const role = interaction.guild?.roles.cache.get(roleId);
    return role !== undefined && wanted.has(role.name.toLocaleLowerCase());
  });
}

export function requireGameMaster(interaction: ChatInputCommandInteraction, gmRoles: string[]): void {
  if (!isGameMaster(interaction, gmRoles)) {
    throw new UserFacingError(
      `Only a GM can do that: you need the Manage Server permission or one of these roles: ${gmRoles.map(roleLabel).join(', ')}.`,
    );
  }
}

/** A role listed by id shows as a role mention (Discord renders its name; the bot's replies never ping anyone). */
function roleLabel(entry: string): string {
  return /^\d{17,20}$/.test(entry) ? `<@&${entry}>` : entry;
}
