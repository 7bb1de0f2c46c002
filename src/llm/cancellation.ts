import { LlmError } from './errors.ts';

/**
 * One abort signal for an HTTP request, fed by the caller's signal, a parent scope (the whole call, across retries)
 * and a watchdog of our own. Our own aborts carry an LlmError as their reason, so whatever the SDK throws (or does
 * not throw: an aborted stream just ends), `failure()` tells a timeout from the caller's abort.
 */
export class Cancellation {
  readonly signal: AbortSignal;
  readonly #controller = new AbortController();
  #watchdog: NodeJS.Timeout | undefined;

  constructor(upstream: AbortSignal | undefined) {
    this.signal = upstream === undefined ? this.#controller.signal : AbortSignal.any([upstream, this.#controller.signal]);
  }

  /** Aborts with a timeout unless `watch` or `unwatch` is called again within `milliseconds`. */
  watch(milliseconds: number, message: string): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => this.#controller.abort(new LlmError('timeout', message)), milliseconds);
  }

  unwatch(): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
  }

  /** Our side is done with the request (the consumer stopped reading): close the connection. */
  cancel(): void {
    this.unwatch();
    this.#controller.abort(new LlmError('aborted', 'the request was cancelled because its result is no longer needed'));
  }

  dispose(): void {
    this.unwatch();
  }

  /** Why the signal fired, or undefined while it has not. */
  failure(): LlmError | undefined {
    if (!this.signal.aborted) return undefined;
    const reason: unknown = this.signal.reason;
    if (reason instanceof LlmError) return reason;
    return new LlmError('aborted', 'the request was aborted by the caller', { cause: reason });
  }

  throwIfAborted(): void {
    const failure = this.failure();
    if (failure !== undefined) throw failure;
  }
}
