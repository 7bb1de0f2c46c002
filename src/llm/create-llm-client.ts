import { OpenAI } from 'openai';
import type { Logger } from '../logger.ts';
import { completeText } from './complete-text.ts';
import type { LlmContext, LlmMetrics } from './llm-context.ts';
import { RequestFields, type TokenLimitField } from './request-params.ts';
import { streamText } from './stream-text.ts';
import { structuredOutput } from './structured.ts';
import type { LlmClient } from './types.ts';

export type LlmClientOptions = {
  apiKey: string;
  /** An OpenAI-compatible base URL ending in /v1; undefined means OpenAI itself. */
  baseUrl: string | undefined;
  firstTokenTimeoutMs: number;
  chunkTimeoutMs: number;
  totalTimeoutMs: number;
  maxRetries: number;
  /** Delay before the first retry, doubled for each further one (default 500 ms). */
  retryBaseDelayMs?: number;
  /** The name the token cap is sent under; `auto` (default): `max_completion_tokens` for OpenAI, `max_tokens` elsewhere. */
  tokenLimitField?: TokenLimitField | 'auto';
  /** Whether `prompt_cache_key` is sent; `auto` (default): to OpenAI itself only. */
  promptCacheKey?: boolean | 'auto';
  logger?: Pick<Logger, 'warn' | 'debug'>;
  /** Failed attempts and retries by error kind (src/metrics/); absent: not counted. */
  metrics?: LlmMetrics | undefined;
};

// Long enough for a brief overload to pass, short enough that two retries fit in a player's patience.
const defaultRetryBaseDelayMs = 500;

/** Accepts `config.llm` as it is (extra fields such as `models` are ignored). */
export function createLlmClient(options: LlmClientOptions): LlmClient {
  const context: LlmContext = {
    openai: new OpenAI({
      apiKey: options.apiKey,
      // Explicit, so that the SDK does not read OPENAI_BASE_URL itself: config.ts is the one reader of the environment.
      baseURL: options.baseUrl ?? 'https://api.openai.com/v1',
      // Retries are ours alone: the SDK's would also retry after the first token, and multiply with ours.
      maxRetries: 0,
      timeout: options.totalTimeoutMs,
    }),
    firstTokenTimeoutMs: options.firstTokenTimeoutMs,
    chunkTimeoutMs: options.chunkTimeoutMs,
    totalTimeoutMs: options.totalTimeoutMs,
    retryPolicy: { maxRetries: options.maxRetries, baseDelayMs: options.retryBaseDelayMs ?? defaultRetryBaseDelayMs },
    logger: options.logger,
    metrics: options.metrics,
    modelsWithoutJsonSchema: new Set(),
    fields: new RequestFields({ baseUrl: options.baseUrl, tokenLimitField: options.tokenLimitField, promptCacheKey: options.promptCacheKey }),
  };
  return {
    stream: (request) => streamText(context, request),
    complete: (request) => completeText(context, request),
    structured: (request) => structuredOutput(context, request),
  };
}
