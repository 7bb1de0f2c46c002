import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { Cancellation } from './cancellation.ts';
import { classifyError } from './classify-error.ts';
import { LlmError } from './errors.ts';
import { beginCall, type LlmContext } from './llm-context.ts';
import { withRetries } from './retry.ts';
import { sendRequest } from './send-request.ts';
import { toTokenUsage } from './token-usage.ts';
import type { LlmRequest, TextStream, TokenUsage } from './types.ts';

type ChunkIterator = AsyncIterator<ChatCompletionChunk>;

type Progress = { finished: boolean; truncated: boolean; usage: TokenUsage | undefined };

/** A request that has produced its first token (or finished without one); from here on nothing is retried. */
type OpenedStream = { attempt: Cancellation; chunks: ChunkIterator; firstText: string | undefined; progress: Progress };

/**
 * Streams text deltas as the server sends them. The request starts when iteration starts; leaving the loop early
 * closes the connection.
 */
export function streamText(context: LlmContext, request: LlmRequest): TextStream {
  let usage: TokenUsage | undefined;
  let truncated = false;
  let iterated = false;

  async function* deltas(): AsyncGenerator<string, void, undefined> {
    const retry = beginCall(context, request.signal, `streamed completion (${request.model})`);
    let opened: OpenedStream | undefined;
    let completed = false;
    try {
      opened = await withRetries(retry, () => openStream(context, request, retry.call));
      const { attempt, chunks, progress } = opened;
      if (opened.firstText !== undefined) {
        yield opened.firstText;
        for (;;) {
          // The watchdog covers only the wait for the server, not the time the consumer spends on a delta.
          attempt.watch(context.chunkTimeoutMs, `the stream stalled: no data for ${context.chunkTimeoutMs} ms`);
          const next = await chunks.next();
          attempt.unwatch();
          if (next.done) break;
          const text = absorb(next.value, progress);
          if (text !== '') yield text;
        }
      }
      // An aborted SDK stream ends quietly, as if the text were complete.
      attempt.throwIfAborted();
      if (!progress.finished) throw new LlmError('connection', 'the stream ended before its finish chunk');
      usage = progress.usage;
      truncated = progress.truncated;
      completed = true;
    } catch (error) {
      const failure = classifyError(error, opened?.attempt.failure() ?? retry.call.failure());
      // Failures before the first token were counted by withRetries; this one broke a stream already under way.
      if (opened !== undefined) context.metrics?.llmError(failure.kind);
      throw failure;
    } finally {
      if (opened !== undefined) await closeAttempt(opened.attempt, opened.chunks, completed);
      retry.call.dispose();
    }
  }

  return {
    get usage() {
      return usage;
    },
    get truncated() {
      return truncated;
    },
    [Symbol.asyncIterator]() {
      if (iterated) throw new Error('a TextStream can be read only once');
      iterated = true;
      return deltas();
    },
  };
}

/** One attempt, up to the first token: every failure up to here may be retried. */
async function openStream(context: LlmContext, request: LlmRequest, call: Cancellation): Promise<OpenedStream> {
  const attempt = new Cancellation(call.signal);
  attempt.watch(context.firstTokenTimeoutMs, `no first token within ${context.firstTokenTimeoutMs} ms`);
  let chunks: ChunkIterator | undefined;
  try {
    const sdkStream = await sendRequest(
      context,
      () => ({ ...context.fields.chatParams(request, { streaming: true }), stream: true as const }),
      // Our watchdogs and retries are the only ones; the SDK's timeout merely backs up the total.
      (params) => context.openai.chat.completions.create(params, { signal: attempt.signal, maxRetries: 0, timeout: context.totalTimeoutMs }),
    );
    chunks = sdkStream[Symbol.asyncIterator]();
    const progress: Progress = { finished: false, truncated: false, usage: undefined };
    for (;;) {
      const next = await chunks.next();
      if (next.done) {
        attempt.throwIfAborted();
        if (!progress.finished) throw new LlmError('connection', 'the stream ended before its first token');
        attempt.unwatch();
        return { attempt, chunks, firstText: undefined, progress };
      }
      const text = absorb(next.value, progress);
      if (text !== '') {
        attempt.unwatch();
        return { attempt, chunks, firstText: text, progress };
      }
    }
  } catch (error) {
    const failure = classifyError(error, attempt.failure());
    await closeAttempt(attempt, chunks, false);
    throw failure;
  }
}

/** Reads one chunk into `progress` and returns its text (the role chunk and the usage chunk have none). */
function absorb(chunk: ChatCompletionChunk, progress: Progress): string {
  if (chunk.usage !== undefined && chunk.usage !== null) progress.usage = toTokenUsage(chunk.usage);
  const choice = chunk.choices[0];
  if (choice?.finish_reason !== null && choice?.finish_reason !== undefined) {
    progress.finished = true;
    progress.truncated = choice.finish_reason === 'length';
  }
  return choice?.delta.content ?? '';
}

async function closeAttempt(attempt: Cancellation, chunks: ChunkIterator | undefined, completed: boolean): Promise<void> {
  if (!completed) attempt.cancel();
  attempt.dispose();
  // The SDK aborts its own request on return(); after a failure it may reject, which changes nothing here.
  if (!completed) await chunks?.return?.().catch(() => undefined);
}
