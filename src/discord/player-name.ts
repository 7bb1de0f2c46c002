import type { GuildMember, User } from 'discord.js';

/** The name the DM calls a player by: their server nickname, else their display name. Mentions and markdown are stripped. */
export function playerName(user: User, member: GuildMember | null | undefined): string {
  const name = member?.displayName ?? user.displayName ?? user.username;
  const cleaned = name.replace(/[<>@#*_~`|\\]/g, '').trim();
  return cleaned === '' ? user.username : cleaned.slice(0, 64);
}
