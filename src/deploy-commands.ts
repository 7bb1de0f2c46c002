import { commands } from '../commands/index.ts';
import { loadConfigOrExit } from './config-problems.ts';
import { registerCommands } from './register-commands.ts';

// `npm run deploy-commands`: registers every slash command, to DISCORD_GUILD_ID when set, globally otherwise.
const config = loadConfigOrExit(process.env);

try {
  const count = await registerCommands(config.discord);
  const where = config.discord.guildId ? `guild ${config.discord.guildId}` : 'every server (global)';
  process.stdout.write(`Registered ${count} commands (${commands.map((command) => `/${command.data.name}`).join(', ')}) for ${where}.\n`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const status = typeof error === 'object' && error !== null && 'status' in error ? error.status : undefined;
  const hint = status === 401 ? ' (check DISCORD_TOKEN)' : status === 403 || status === 404 ? ' (check DISCORD_GUILD_ID and that the bot is in that server)' : '';
  process.stderr.write(`Could not register the commands: ${message}${hint}\n`);
  process.exitCode = 1;
}
