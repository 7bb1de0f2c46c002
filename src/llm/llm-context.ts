import type { OpenAI } from 'openai';
import type { Logger } from '../logger.ts';
import type { LlmErrorKind } from './types.ts';
import { Cancellation } from './cancellation.ts';
import type { RequestFields } from './request-params.ts';
import type { RetryContext, RetryPolicy } from './retry.ts';

/** What the stream, complete and structured calls of one client share. */
export type LlmContext = {
  openai: OpenAI;
  firstTokenTimeoutMs: number;
  chunkTimeoutMs: number;
  totalTimeoutMs: number;
  retryPolicy: RetryPolicy;
  logger: Pick<Logger, 'warn' | 'debug'> | undefined;
  /** Models whose server said it cannot do json_schema: their later structured calls ask for JSON in the prompt at once. */
  modelsWithoutJsonSchema: Set<string>;
  /** The optional fields this client's server takes, learnt from its refusals. */
  fields: RequestFields;
  /** Counts failed attempts and retries by error kind (src/metrics/). Absent: not counted. */
  metrics: LlmMetrics | undefined;
};

/** What the LLM client reports to the metrics. */
export type LlmMetrics = { llmError(kind: LlmErrorKind): void; llmRetry(kind: LlmErrorKind): void };

/** The scope of one call, retries included: the caller's signal plus the total timeout. Dispose it when done. */
export function beginCall(context: LlmContext, signal: AbortSignal | undefined, description: string): RetryContext {
  const call = new Cancellation(signal);
  call.watch(context.totalTimeoutMs, `${description} took longer than ${context.totalTimeoutMs} ms in total`);
  return {
    call,
    deadline: Date.now() + context.totalTimeoutMs,
    policy: context.retryPolicy,
    logger: context.logger,
    metrics: context.metrics,
    description,
  };
}
