import { DiscordAPIError, REST, Routes } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startDiscordEmulator } from '../support/discord-emulator/index.ts';

describe('logger', () => {
  it('never writes the bot token or the API key, even when a whole config is logged', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { destination: { write: (line: string) => void lines.push(line) } });
    const result = parseConfig({ DISCORD_TOKEN: 'secret-bot-token', OPENAI_API_KEY: 'sk-secret-key' });
    if (!result.ok) throw new Error(result.problems.join('; '));
    logger.info({ config: result.config }, 'started');
    logger.child({ guildId: '1' }).info({ llm: result.config.llm, discord: result.config.discord }, 'services');
    const output = lines.join('\n');
    expect(output).not.toContain('secret-bot-token');
    expect(output).not.toContain('sk-secret-key');
    expect(output).toContain('[redacted]');
    expect(output).toContain('gpt-4.1-mini');
  });

  it('cuts interaction tokens out of a real DiscordAPIError, and censors the token and key wherever they appear', async () => {
    const discord = await startDiscordEmulator();
    try {
      const lines: string[] = [];
      const logger = createLogger('debug', {
        destination: { write: (line: string) => void lines.push(line) },
        secrets: [discord.token, 'sk-e2e-very-secret-key'],
      });
      const interactionToken = `aW50ZXJhY3Rpb24${'x'.repeat(60)}`;
      const rest = new REST({ api: discord.apiUrl, retries: 0 }).setToken(discord.token);
      const error = await rest
        .post(Routes.interactionCallback('1200000000000000042', interactionToken), { body: { type: 1 }, auth: false })
        .then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(DiscordAPIError);
      expect((error as DiscordAPIError).url).toContain(interactionToken);
      logger.error({ err: error }, 'interaction failed');
      logger.warn({ note: `retrying with ${discord.token} and sk-e2e-very-secret-key` }, 'careless line');
      const output = lines.join('\n');
      expect(output).toContain('/interactions/1200000000000000042/[redacted]/callback');
      expect(output).not.toContain(interactionToken);
      expect(output).not.toContain(discord.token);
      expect(output).not.toContain('sk-e2e-very-secret-key');
    } finally {
      await discord.stop();
    }
  });
});
