import type { Logger } from 'pino';
import { LlmError } from '../llm/errors.ts';
import type { LlmClient, LlmRequest, TokenUsage } from '../llm/types.ts';
import { continuationInstruction } from './prompts/phase-instructions.ts';
import { addUsage } from '../llm/token-usage.ts';
import type { PhaseTiming } from './types.ts';

export type TextPhaseOutcome = { text: string; usage: TokenUsage | undefined; timing: PhaseTiming };

type TextPhaseInput = {
  llm: LlmClient;
  request: LlmRequest & { signal: AbortSignal };
  streaming: boolean;
  /** Emits one chunk event of this phase; `isFinal` closes the phase. */
  emitChunk: (content: string, isFinal: boolean) => void;
  logger: Logger;
};

/**
 * Runs a narrated phase (1 or 2): streamed when streaming is on, with a non-streaming fallback so the
 * players always get an answer.
 *
 * Fallback rule, so that text already shown is never repeated:
 * - nothing shown yet (the stream failed before its first token, or ended empty): the fallback asks for
 *   the whole text again and emits it as one chunk;
 * - some text shown (the stream broke midway): the shown text stays as it is, and the fallback asks the
 *   model to continue it (the partial text is sent back as the assistant's unfinished message); only the
 *   continuation is emitted. A server that echoes the partial text back has the echo removed.
 * - the fallback fails too: if text was shown, the phase ends with it; if not, the error propagates.
 *
 * A text stopped by the token cap (finish_reason `length`) is not continued: the cap is the table's length setting.
 * It ends with an ellipsis instead, so players see the sentence trail off rather than a message that looks broken,
 * and the cut is logged: a model that keeps hitting the cap needs a larger one or a shorter length setting.
 */
export async function runTextPhase(input: TextPhaseInput): Promise<TextPhaseOutcome> {
  const { llm, request, emitChunk, logger } = input;
  const startedAt = performance.now();
  let firstTokenMs: number | undefined;
  let shown = '';
  let usage: TokenUsage | undefined;

  if (input.streaming) {
    try {
      const stream = llm.stream(request);
      for await (const delta of stream) {
        if (delta === '') continue;
        firstTokenMs ??= performance.now() - startedAt;
        shown += delta;
        emitChunk(delta, false);
      }
      throwIfAborted(request.signal);
      usage = addUsage(usage, stream.usage);
      if (shown.trim() !== '') {
        if (stream.truncated) shown += trailOff(shown, input);
        emitChunk('', true);
        return { text: shown, usage, timing: { firstTokenMs, durationMs: performance.now() - startedAt, via: 'stream' } };
      }
      logger.warn({ model: request.model }, 'stream ended without text; falling back to a non-streaming call');
    } catch (error) {
      if (request.signal.aborted || (error instanceof LlmError && error.kind === 'aborted')) throw abortedError(error);
      logger.warn({ err: error, model: request.model, shownCharacters: shown.length }, 'stream failed; falling back');
    }
  }

  try {
    const messages = shown === '' ? request.messages : [...request.messages, { role: 'assistant' as const, content: shown }, continuationInstruction()];
    const completion = await llm.complete({ ...request, messages });
    throwIfAborted(request.signal);
    usage = addUsage(usage, completion.usage);
    let addition = shown === '' ? completion.text.trim() : withoutEcho(shown, completion.text);
    if (shown === '' && addition === '') throw new LlmError('invalid_output', 'the model returned no text');
    firstTokenMs ??= performance.now() - startedAt;
    if (addition !== '') emitChunk(addition, false);
    if (completion.truncated) addition += trailOff(shown + addition, input);
    emitChunk('', true);
    const via = input.streaming ? 'fallback' : 'complete';
    return { text: shown + addition, usage, timing: { firstTokenMs, durationMs: performance.now() - startedAt, via } };
  } catch (error) {
    if (request.signal.aborted || (error instanceof LlmError && error.kind === 'aborted')) throw abortedError(error);
    if (shown.trim() === '') throw error;
    logger.warn({ err: error, model: request.model }, 'fallback failed; the phase ends with the text already shown');
    emitChunk('', true);
    return { text: shown, usage, timing: { firstTokenMs, durationMs: performance.now() - startedAt, via: 'stream' } };
  }
}

/** Emits and returns the ellipsis a cut text ends with ('' when it happens to end a sentence anyway). */
function trailOff(text: string, input: TextPhaseInput): string {
  input.logger.warn({ model: input.request.model, maxTokens: input.request.maxTokens }, 'the narrated text was cut at the token cap');
  if (/[.!?…"'”»)*_]\s*$/u.test(text)) return '';
  input.emitChunk('…', false);
  return '…';
}

function withoutEcho(shown: string, continuation: string): string {
  if (continuation.startsWith(shown)) return continuation.slice(shown.length);
  const trimmedShown = shown.trim();
  const trimmedContinuation = continuation.trimStart();
  if (trimmedShown !== '' && trimmedContinuation.startsWith(trimmedShown)) return trimmedContinuation.slice(trimmedShown.length);
  return continuation;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new LlmError('aborted', 'the turn was aborted');
}

function abortedError(cause: unknown): LlmError {
  return cause instanceof LlmError && cause.kind === 'aborted' ? cause : new LlmError('aborted', 'the turn was aborted', { cause });
}
