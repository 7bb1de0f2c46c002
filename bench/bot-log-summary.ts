import type { BotLogLine } from './bot-process.ts';

// What the bot itself said during the measured turns. discord.js's `rateLimited` events reach its log through
// src/discord/create-client.ts, at warn, with `global` telling the 50/s global limit from a route's bucket.

export type BotLogSummary = {
  /** Warn-or-worse lines, counted by message. */
  warnings: Map<string, number>;
  rateLimits: { global: number; route: number; longestWaitMs: number };
};

const RATE_LIMIT_MESSAGE = 'Discord rate limit reached';
const PINO_WARN = 40;

export function summariseBotLogs(logs: readonly BotLogLine[], from: number, to: number): BotLogSummary {
  const warnings = new Map<string, number>();
  const rateLimits = { global: 0, route: 0, longestWaitMs: 0 };
  for (const line of logs) {
    if (line.time < from || line.time > to || line.level < PINO_WARN) continue;
    warnings.set(line.msg, (warnings.get(line.msg) ?? 0) + 1);
    if (line.msg !== RATE_LIMIT_MESSAGE) continue;
    if (line['global'] === true) rateLimits.global += 1;
    else rateLimits.route += 1;
    rateLimits.longestWaitMs = Math.max(rateLimits.longestWaitMs, Number(line['timeToReset'] ?? 0));
  }
  return { warnings, rateLimits };
}
