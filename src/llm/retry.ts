import { setTimeout as sleep } from 'node:timers/promises';
import { APIError } from 'openai';
import type { Logger } from '../logger.ts';
import type { Cancellation } from './cancellation.ts';
import type { LlmMetrics } from './llm-context.ts';
import { classifyError } from './classify-error.ts';
import type { LlmError } from './errors.ts';

export type RetryPolicy = {
  /** Retries after the first attempt; 0 disables them. */
  maxRetries: number;
  /** Delay before the first retry; it doubles for each further one. */
  baseDelayMs: number;
};

// Past this a retry no longer helps the players waiting on a turn: better to fail and let the orchestrator fall back.
const maximumBackoffMs = 8000;
// A server asking for minutes (a daily quota) gets capped; the call's total timeout ends the turn anyway.
const maximumRetryAfterMs = 30_000;

/** Only faults that a second attempt can cure: the network, the rate limiter and the server itself. */
export function isRetryable(error: LlmError): boolean {
  return error.kind === 'connection' || error.kind === 'rate_limit' || error.kind === 'server';
}

/** Exponential backoff with equal jitter, unless the server said how long to wait (`retry-after-ms`, `retry-after`). */
export function retryDelayMs(error: LlmError, retryNumber: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const requested = requestedDelayMs(error);
  if (requested !== undefined) return Math.min(requested, maximumRetryAfterMs);
  const exponential = Math.min(policy.baseDelayMs * 2 ** (retryNumber - 1), maximumBackoffMs);
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

function requestedDelayMs(error: LlmError): number | undefined {
  const cause = error.cause;
  if (!(cause instanceof APIError) || cause.headers === undefined) return undefined;
  const milliseconds = Number.parseFloat(cause.headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const retryAfter = cause.headers.get('retry-after');
  if (retryAfter === null) return undefined;
  const seconds = Number.parseFloat(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export type RetryContext = {
  policy: RetryPolicy;
  /** The whole call: its abort (caller or total timeout) ends the waiting between attempts too. */
  call: Cancellation;
  /** Date.now() at which the call's total timeout fires: a retry that could not start before it is pointless. */
  deadline: number;
  logger: Pick<Logger, 'warn'> | undefined;
  /** Told of every failed attempt and every retry. */
  metrics?: LlmMetrics | undefined;
  description: string;
};

/**
 * Runs `attempt` until it succeeds, fails for good, or the retries run out. `attempt` must throw LlmErrors (or errors
 * `classifyError` understands) and must only be retried while nothing has reached the caller yet.
 */
export async function withRetries<T>(context: RetryContext, attempt: (attemptNumber: number) => Promise<T>): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber += 1) {
    try {
      return await attempt(attemptNumber);
    } catch (thrown) {
      const error = classifyError(thrown, context.call.failure());
      context.metrics?.llmError(error.kind);
      if (!isRetryable(error) || attemptNumber > context.policy.maxRetries) throw error;
      const delayMs = retryDelayMs(error, attemptNumber, context.policy);
      if (Date.now() + delayMs >= context.deadline) throw error;
      context.logger?.warn({ kind: error.kind, status: error.status, attempt: attemptNumber, delayMs, err: error }, `${context.description} failed, retrying`);
      context.metrics?.llmRetry(error.kind);
      try {
        await sleep(delayMs, undefined, { signal: context.call.signal });
      } catch (sleepError) {
        throw classifyError(sleepError, context.call.failure());
      }
    }
  }
}
