import { REST, Routes } from 'discord.js';
import { commands } from '../commands/index.ts';

export type CommandTarget = { apiUrl: string; token: string; guildId: string | undefined };

/**
 * Registers every slash command in one bulk overwrite (PUT): to `guildId` when set (instant, for development),
 * globally otherwise (Discord may take up to an hour to show changes everywhere). `npm run deploy-commands` runs it;
 * the end-to-end tests run it against the Discord emulator, so that they use the commands as deployed.
 * Returns how many commands Discord now holds.
 */
export async function registerCommands(target: CommandTarget): Promise<number> {
  const rest = new REST({ api: target.apiUrl }).setToken(target.token);
  const application = (await rest.get(Routes.currentApplication())) as { id: string };
  const body = commands.map((command) => command.data);
  const route = target.guildId
    ? Routes.applicationGuildCommands(application.id, target.guildId)
    : Routes.applicationCommands(application.id);
  const registered = (await rest.put(route, { body })) as unknown[];
  return registered.length;
}
