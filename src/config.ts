import { z } from 'zod';
import type { Budgets, ModelPrice } from './campaign/spending.ts';

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

/** A count where 0 means "no limit". */
const wholeNumber = (unit: string, fallback: number) =>
  z.coerce
    .number({ error: `expected a whole number of ${unit} (0: unlimited)` })
    .int(`expected a whole number of ${unit} (0: unlimited)`)
    .min(0, `expected 0 (unlimited) or more`)
    .default(fallback);

const PRICE_EXAMPLE = 'expected MODEL=INPUT/CACHED/OUTPUT in dollars per million tokens, comma-separated, e.g. gpt-4.1-mini=0.40/0.10/1.60';

/**
 * `gpt-4.1-mini=0.40/0.10/1.60,gpt-4.1-nano=0.10/0.025/0.40`: dollars per million input, cached input and output
 * tokens. Two numbers: cached input costs as much as input. The model is what comes before the last `=`, so names
 * with `/` or `:` (vLLM, Ollama) work. Returns the problem as text, for one clear start-up message.
 */
function parsePrices(text: string): Map<string, ModelPrice> | string {
  const prices = new Map<string, ModelPrice>();
  for (const entry of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const separator = entry.lastIndexOf('=');
    const model = entry.slice(0, separator).trim();
    const numbers = entry.slice(separator + 1).split('/').map((part) => part.trim());
    const values = numbers.map(Number);
    const wellFormed = separator > 0 && model !== '' && (numbers.length === 2 || numbers.length === 3);
    const validNumbers = numbers.every((part) => part !== '') && values.every((value) => Number.isFinite(value) && value >= 0);
    if (!wellFormed || !validNumbers) return `"${entry}": ${PRICE_EXAMPLE}`;
    if (prices.has(model)) return `"${model}" is priced twice`;
    const [input = 0, second = 0, third] = values;
    prices.set(model, third === undefined ? { input, cachedInput: input, output: second } : { input, cachedInput: second, output: third });
  }
  return prices;
}

/** `0,2` or `0-3` (both ends included), in order, each once. */
function parseShardIds(text: string): number[] {
  const ids = new Set<number>();
  for (const part of text.split(',')) {
    const [from = 0, to = from] = part.split('-').map((bound) => Number(bound.trim()));
    for (let id = from; id <= to; id++) ids.add(id);
  }
  return [...ids].sort((first, second) => first - second);
}

function shardProblems(count: number | undefined, ids: number[] | undefined): string[] {
  if (ids === undefined) return [];
  if (count === undefined) return ['SHARD_IDS needs SHARD_COUNT: every process must agree on the number of shards'];
  if (ids.length === 0) return ['SHARD_IDS is invalid: expected at least one shard id'];
  const outside = ids.filter((id) => id >= count);
  return outside.length === 0 ? [] : [`SHARD_IDS is invalid: ${outside.join(', ')} not below SHARD_COUNT (${count}); shards are numbered from 0`];
}

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
  // Unset: Discord's recommended count, every shard in this process. Several processes: the same count everywhere,
  // and each its own SHARD_IDS.
  SHARD_COUNT: z.coerce.number({ error: 'expected a whole number of shards' }).int('expected a whole number of shards').min(1, 'expected 1 or more').max(4096, 'expected at most 4096').optional(),
  SHARD_IDS: z
    .string()
    .regex(/^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/, 'expected shard ids such as 0,1 or 0-3')
    .transform(parseShardIds)
    .optional(),
  LLM_FIRST_TOKEN_TIMEOUT_MS: positiveMilliseconds(20_000),
  LLM_CHUNK_TIMEOUT_MS: positiveMilliseconds(15_000),
  LLM_TOTAL_TIMEOUT_MS: positiveMilliseconds(180_000),
  LLM_MAX_RETRIES: z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(0, 'expected 0 or more')
    .max(10, 'expected at most 10')
    .default(2),
  // Named after the request fields themselves, so the server's own documentation says which one to pick.
  LLM_TOKEN_LIMIT_FIELD: z
    .enum(['auto', 'max_completion_tokens', 'max_tokens', 'both'], { error: 'expected auto, max_completion_tokens, max_tokens or both' })
    .default('auto'),
  LLM_PROMPT_CACHE_KEY: z
    .enum(['auto', 'true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'expected auto, true or false' })
    .default('auto')
    .transform((value) => (value === 'auto' ? value : ['true', '1', 'yes', 'on'].includes(value))),
  SHUTDOWN_GRACE_MS: positiveMilliseconds(6000),
  DAILY_TOKENS_PER_GUILD: wholeNumber('tokens', 0),
  DAILY_TOKENS_PER_CHANNEL: wholeNumber('tokens', 0),
  ACTIONS_PER_MINUTE_PER_PLAYER: wholeNumber('actions', 6),
  // Hours, not milliseconds: operators think of a table's absence in hours; fractions are allowed (0.5 is half an hour).
  RECAP_AFTER_HOURS: z.coerce
    .number({ error: 'expected a number of hours (0: never)' })
    .min(0, 'expected 0 (never) or more hours')
    .max(24 * 365, 'expected at most a year of hours')
    .default(6),
  // Unset: no metrics server. 0 lets the system pick a free port (tests read it back from the running bot).
  METRICS_PORT: z.coerce
    .number({ error: 'expected a port number from 1 to 65535 (unset: off)' })
    .int('expected a whole port number from 1 to 65535')
    .min(0, 'expected a port number from 1 to 65535')
    .max(65535, 'expected a port number from 1 to 65535')
    .optional(),
  LLM_PRICES: z
    .string()
    .default('')
    .transform((value, context) => {
      const parsed = parsePrices(value);
      if (typeof parsed === 'string') {
        context.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    }),
});

export type Config = {
  discord: {
    token: string;
    apiUrl: string;
    guildId: string | undefined;
    gmRoleNames: string[];
    /**
     * This process's share of Discord's global limit for the bot (50 unless Discord raised it): the limit is the bot's,
     * whatever the number of processes, so a process running some of the shards takes that share of it.
     */
    globalRequestsPerSecond: number;
    /** `count`: 'auto' is Discord's recommendation; `ids`: 'all' of them, or this process's. */
    shards: { count: number | 'auto'; ids: number[] | 'all' };
  };
  llm: {
    apiKey: string;
    baseUrl: string | undefined;
    models: { narrative: string; response: string; options: string; metadata: string };
    firstTokenTimeoutMs: number;
    chunkTimeoutMs: number;
    totalTimeoutMs: number;
    maxRetries: number;
    /** `auto`: `max_completion_tokens` for OpenAI itself, `max_tokens` for other servers. */
    tokenLimitField: 'auto' | 'max_completion_tokens' | 'max_tokens' | 'both';
    /** `auto`: `prompt_cache_key` goes to OpenAI itself only. */
    promptCacheKey: 'auto' | boolean;
  };
  store: { url: string };
  streaming: boolean;
  editIntervalMs: number;
  shutdownGraceMs: number;
  /** Operator ceilings; 0 is unlimited. A table's own budget (/gm budget) may only be lower. */
  budgets: Budgets;
  /** Dollars per million tokens by model, for the estimated cost in /gm budget; a model not listed is not priced. */
  prices: ReadonlyMap<string, ModelPrice>;
  /** After this long without a delivered turn, the next turn opens with a short "previously…"; 0: never. */
  recapAfterMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Port of /metrics and /healthz; undefined: off; 0: any free port. */
  metricsPort: number | undefined;
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
  if (parsed.success) problems.push(...shardProblems(parsed.data.SHARD_COUNT, parsed.data.SHARD_IDS));
  if (!parsed.success || problems.length > 0) return { ok: false, problems };

  const environmentValues = parsed.data;
  const shards = { count: environmentValues.SHARD_COUNT ?? ('auto' as const), ids: environmentValues.SHARD_IDS ?? ('all' as const) };
  const globalShare =
    environment['DISCORD_GLOBAL_REQUESTS_PER_SECOND'] === undefined && shards.ids !== 'all' && shards.count !== 'auto'
      ? Math.max(1, Math.floor((environmentValues.DISCORD_GLOBAL_REQUESTS_PER_SECOND * shards.ids.length) / shards.count))
      : environmentValues.DISCORD_GLOBAL_REQUESTS_PER_SECOND;
  const model = environmentValues.DM_MODEL;
  return {
    ok: true,
    config: {
      discord: {
        token: environmentValues.DISCORD_TOKEN,
        apiUrl: environmentValues.DISCORD_API_URL.replace(/\/+$/, ''),
        guildId: environmentValues.DISCORD_GUILD_ID,
        gmRoleNames: environmentValues.GM_ROLE_NAMES,
        globalRequestsPerSecond: globalShare,
        shards,
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
        tokenLimitField: environmentValues.LLM_TOKEN_LIMIT_FIELD,
        promptCacheKey: environmentValues.LLM_PROMPT_CACHE_KEY,
      },
      store: { url: environmentValues.STORE_URL },
      streaming: environmentValues.STREAMING,
      editIntervalMs: environmentValues.EDIT_INTERVAL_MS,
      shutdownGraceMs: environmentValues.SHUTDOWN_GRACE_MS,
      budgets: {
        dailyTokensPerGuild: environmentValues.DAILY_TOKENS_PER_GUILD,
        dailyTokensPerChannel: environmentValues.DAILY_TOKENS_PER_CHANNEL,
        actionsPerMinutePerPlayer: environmentValues.ACTIONS_PER_MINUTE_PER_PLAYER,
      },
      prices: environmentValues.LLM_PRICES,
      recapAfterMs: Math.round(environmentValues.RECAP_AFTER_HOURS * 60 * 60 * 1000),
      logLevel: environmentValues.LOG_LEVEL,
      metricsPort: environmentValues.METRICS_PORT,
    },
  };
}
