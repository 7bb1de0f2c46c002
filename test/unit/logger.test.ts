import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';

describe('logger', () => {
  it('never writes the bot token or the API key, even when a whole config is logged', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
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
});
