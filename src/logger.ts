import { pino, type Logger } from 'pino';

export type { Logger };

// Secrets can reach a log line through a config object or an error carrying request options.
const redactedPaths = [
  'token',
  'apiKey',
  '*.token',
  '*.apiKey',
  '*.*.token',
  '*.*.apiKey',
  'headers.authorization',
  '*.headers.authorization',
  'config.discord.token',
  'config.llm.apiKey',
];

/**
 * Interaction and webhook tokens travel in request paths (`/interactions/<id>/<token>/callback`,
 * `/webhooks/<application>/<token>/…`), and discord.js puts the path into every DiscordAPIError's `url`: they are cut out
 * of every line, wherever they appear.
 */
const TOKEN_IN_PATH = /(\/(?:interactions|webhooks)\/\d{15,25}\/)[A-Za-z0-9_.-]{16,}/g;

/** Shorter strings are too likely to be ordinary words: a real token or key is far longer. */
const SHORTEST_SECRET = 8;

export type LoggerOptions = {
  destination?: pino.DestinationStream;
  /** Values censored wherever they appear in a line (the bot token, the API key), whatever carried them there. */
  secrets?: readonly string[];
};

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((secret) => secret.length >= SHORTEST_SECRET);
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      hooks: {
        streamWrite: (line) => {
          let scrubbed = line.replace(TOKEN_IN_PATH, '$1[redacted]');
          for (const secret of secrets) scrubbed = scrubbed.replaceAll(secret, '[redacted]');
          return scrubbed;
        },
      },
    },
    options.destination ?? pino.destination(1),
  );
}
