import { parseConfig, type Config } from './config.ts';

/**
 * Reads the configuration, or prints one line per problem and exits 1. Start-up scripts use this so an
 * operator sees "DISCORD_TOKEN is missing" rather than a stack trace.
 */
export function loadConfigOrExit(environment: Record<string, string | undefined>): Config {
  const result = parseConfig(environment);
  if (result.ok) return result.config;
  process.stderr.write(`Configuration problems (see .env.example):\n${result.problems.map((problem) => `  - ${problem}`).join('\n')}\n`);
  process.exit(1);
}
