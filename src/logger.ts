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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    destination ?? pino.destination(1),
  );
}
