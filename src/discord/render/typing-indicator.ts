import { TYPING_DELAY_MS, TYPING_MAX_GATE_WAIT_MS, TYPING_MAX_MS, TYPING_REFRESH_MS } from '../../constants.ts';
import type { Logger } from '../../logger.ts';
import type { GlobalWriteGate } from './global-write-gate.ts';

export type TypingIndicator = { stop(): void };

/**
 * Shows "is typing…" after TYPING_DELAY_MS unless stopped first (the first words are then the sign that the DM is on
 * it, and the request is saved: every request counts against Discord's global limit), and keeps it up until the first
 * text appears. It is a courtesy: a failure is logged and nothing else.
 */
export function startTyping(
  channel: { sendTyping(): Promise<void> },
  logger: Logger,
  options: { delayMs?: number; gate?: GlobalWriteGate } = {},
): TypingIndicator {
  const startedAt = Date.now();
  const delayMs = options.delayMs ?? TYPING_DELAY_MS;
  let refresh: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  const send = async () => {
    // Only worth sending if it can go soon: when the process is at Discord's global limit, text matters more.
    if (options.gate !== undefined && !(await options.gate.acquire('background', { maxWaitMs: TYPING_MAX_GATE_WAIT_MS }))) return;
    if (stopped) return;
    channel.sendTyping().catch((error: unknown) => logger.warn({ err: error }, 'typing indicator failed'));
  };
  const first = setTimeout(() => {
    void send();
    refresh = setInterval(() => {
      if (Date.now() - startedAt >= TYPING_MAX_MS) stop();
      else void send();
    }, TYPING_REFRESH_MS);
  }, delayMs);
  function stop() {
    stopped = true;
    clearTimeout(first);
    clearInterval(refresh);
  }
  return { stop };
}
