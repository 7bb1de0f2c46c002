import { z } from 'zod';

// The only module that reads the environment (every variable is in .env.example and the README). Everything else receives a Config.

const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
      error: 'expected true or false',
    })
    .default(fallback ? 'true' : 'false')
    .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const positiveMilliseconds = (fallback: number) =>
  z.coerce
    .number({ error: 'expected a number of milliseconds' })
    .int('expected a whole number of milliseconds')
    .positive('expected a positive number of milliseconds')
    .default(fallback);

const optionalText = z.string().trim().optional();

const snowflake = z.string().regex(/^\d{17,20}$/, 'expected a Discord id (17 to 20 digits)');

const environmentSchema = z.object({
  DISCORD_TOKEN: z.string({ error: 'required: the bot token from the Developer Portal' }).trim().min(1, 'required: the bot token from the Developer Portal'),
  DISCORD_API_URL: z.url({ error: 'expected an http(s) URL such as https://discord.com/api' }).default('https://discord.com/api'),
  DISCORD_GUILD_ID: snowflake.optional(),
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: z.url({ error: 'expected an http(s) URL such as http://localhost:11434/v1' }).optional(),
  DM_MODEL: z.string().trim().min(1, 'expected a model name').default('gpt-4.1-mini'),
  DM_OPTIONS_MODEL: optionalText,
  DM_METADATA_MODEL: optionalText,
  STORE_URL: z
    .string()
    .trim()
    .regex(/^(sqlite:\/\/.+|rediss?:\/\/.+)$/, 'expected sqlite://PATH or redis://HOST:PORT')
    .default('sqlite://data/dm.sqlite'),
  STREAMING: booleanFlag(true),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  GM_ROLE_NAMES: z
    .string()
    .default('DM,GM,Dungeon Master,Game Master')
    .transform((value) =>
      value
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
    ),
  EDIT_INTERVAL_MS: positiveMilliseconds(1000),
  DISCORD_GLOBAL_REQUESTS_PER_SECOND: z.coerce
    .number({ error: 'expected a whole number of requests per second' })
    .int('expected a whole number of requests per second')
    .min(10, 'expected at least 10')
    .default(50),
  LLM_FIRST_TOKEN_TIMEOUT_MS: positiveMilliseconds(20_000),
  LLM_CHUNK_TIMEOUT_MS: positiveMilliseconds(15_000),
  LLM_TOTAL_TIMEOUT_MS: positiveMilliseconds(180_000),
  LLM_MAX_RETRIES: z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(0, 'expected 0 or more')
    .max(10, 'expected at most 10')
    .default(2),
  SHUTDOWN_GRACE_MS: positiveMilliseconds(6000),
});

export type Config = {
  discord: {
    token: string;
    apiUrl: string;
    guildId: string | undefined;
    gmRoleNames: string[];
    /** Discord's global limit for this bot: 50 unless Discord raised it. */
    globalRequestsPerSecond: number;
  };
  llm: {
    apiKey: string;
    baseUrl: string | undefined;
    models: { narrative: string; response: string; options: string; metadata: string };
    firstTokenTimeoutMs: number;
    chunkTimeoutMs: number;
    totalTimeoutMs: number;
    maxRetries: number;
  };
  store: { url: string };
  streaming: boolean;
  editIntervalMs: number;
  shutdownGraceMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
};

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export function parseConfig(rawEnvironment: Record<string, string | undefined>): ConfigResult {
  // An empty line in .env (`DISCORD_GUILD_ID=`) means "not set", as it does for most tools.
  const environment = Object.fromEntries(
    Object.entries(rawEnvironment).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = environmentSchema.safeParse(environment);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'environment');
      const received = environment[name];
      const message = received === undefined && issue.code === 'invalid_type' ? 'is missing' : `is invalid: ${issue.message}`;
      problems.push(`${name} ${message}`);
    }
  }
  if (environment['OPENAI_API_KEY'] === undefined && environment['OPENAI_BASE_URL'] === undefined) {
    problems.push('OPENAI_API_KEY is missing: required for OpenAI itself (set OPENAI_BASE_URL to use a local server)');
  }
  if (!parsed.success || problems.length > 0) return { ok: false, problems };

  const environmentValues = parsed.data;
  const model = environmentValues.DM_MODEL;
  return {
    ok: true,
    config: {
      discord: {
        token: environmentValues.DISCORD_TOKEN,
        apiUrl: environmentValues.DISCORD_API_URL.replace(/\/+$/, ''),
        guildId: environmentValues.DISCORD_GUILD_ID,
        gmRoleNames: environmentValues.GM_ROLE_NAMES,
        globalRequestsPerSecond: environmentValues.DISCORD_GLOBAL_REQUESTS_PER_SECOND,
      },
      llm: {
        // Local OpenAI-compatible servers accept any key; the SDK insists on one.
        apiKey: environmentValues.OPENAI_API_KEY ?? 'not-needed',
        baseUrl: environmentValues.OPENAI_BASE_URL,
        models: {
          narrative: model,
          response: model,
          options: environmentValues.DM_OPTIONS_MODEL ?? model,
          metadata: environmentValues.DM_METADATA_MODEL ?? model,
        },
        firstTokenTimeoutMs: environmentValues.LLM_FIRST_TOKEN_TIMEOUT_MS,
        chunkTimeoutMs: environmentValues.LLM_CHUNK_TIMEOUT_MS,
        totalTimeoutMs: environmentValues.LLM_TOTAL_TIMEOUT_MS,
        maxRetries: environmentValues.LLM_MAX_RETRIES,
      },
      store: { url: environmentValues.STORE_URL },
      streaming: environmentValues.STREAMING,
      editIntervalMs: environmentValues.EDIT_INTERVAL_MS,
      shutdownGraceMs: environmentValues.SHUTDOWN_GRACE_MS,
      logLevel: environmentValues.LOG_LEVEL,
    },
  };
}
