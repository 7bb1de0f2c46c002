import { randomBytes } from 'node:crypto';
import { REST, Routes } from 'discord.js';

// Loaded into the bot process by the fail-fast test (NODE_OPTIONS=--import): SIGUSR2 makes the process start a
// Discord request that nobody awaits, as a forgotten `await` would, on an interaction route the emulator does not
// know. Its real DiscordAPIError, whose `url` carries the interaction token, becomes an unhandled rejection, so the
// test can watch what the bot does with one, and that the token stays out of what it logs.
process.on('SIGUSR2', () => {
  const token = `aW50ZXJhY3Rpb24${randomBytes(48).toString('base64url')}`;
  const rest = new REST({ api: process.env['DISCORD_API_URL'] ?? '', retries: 0 });
  void rest.post(Routes.interactionCallback('1200000000000000042', token), { body: { type: 1 }, auth: false });
});
