import { REST, Routes } from 'discord.js';
import { commands } from '../commands/index.ts';
import { loadConfigOrExit } from './config-problems.ts';

// Registers every slash command in one bulk overwrite: to DISCORD_GUILD_ID when set (instant, for
// development), globally otherwise (Discord may take up to an hour to show changes everywhere).
const config = loadConfigOrExit(process.env);
const rest = new REST({ api: config.discord.apiUrl }).setToken(config.discord.token);

try {
  const application = (await rest.get(Routes.currentApplication())) as { id: string };
  const body = commands.map((command) => command.data);
  const route = config.discord.guildId
    ? Routes.applicationGuildCommands(application.id, config.discord.guildId)
    : Routes.applicationCommands(application.id);
  const registered = (await rest.put(route, { body })) as unknown[];
  const where = config.discord.guildId ? `guild ${config.discord.guildId}` : 'every server (global)';
  process.stdout.write(`Registered ${registered.length} commands (${commands.map((command) => `/${command.data.name}`).join(', ')}) for ${where}.\n`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const status = typeof error === 'object' && error !== null && 'status' in error ? error.status : undefined;
  const hint = status === 401 ? ' (check DISCORD_TOKEN)' : status === 403 || status === 404 ? ' (check DISCORD_GUILD_ID and that the bot is in that server)' : '';
  process.stderr.write(`Could not register the commands: ${message}${hint}\n`);
  process.exitCode = 1;
}
