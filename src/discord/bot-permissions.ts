import { PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { UserFacingError } from '../errors.ts';

/** What the DM needs in a campaign channel: read it, write in it, and read its history (the invite asks for these). */
const REQUIRED = [
  ['View Channel', PermissionFlagsBits.ViewChannel],
  ['Send Messages', PermissionFlagsBits.SendMessages],
  ['Read Message History', PermissionFlagsBits.ReadMessageHistory],
] as const;

/** Refuses to start a campaign the DM could not show: better a clear answer to the GM than a silent channel. */
export function requireBotPermissions(interaction: ChatInputCommandInteraction): void {
  const granted = interaction.appPermissions;
  const missing = REQUIRED.filter(([, flag]) => !granted.has(flag)).map(([name]) => name);
  if (missing.length > 0) {
    throw new UserFacingError(`I can't run a campaign here: I need ${missing.join(', ')} in this channel. Ask a server admin to grant them.`);
  }
}
