import { TYPING_MAX_MS, TYPING_REFRESH_MS } from '../../constants.ts';
import type { Logger } from '../../logger.ts';

export type TypingIndicator = { stop(): void };

/**
 * Shows "is typing…" at once, so players see within a moment that the DM is on it, and keeps it up until the first
 * text appears. It is a courtesy: a failure is logged and nothing else.
 */
export function startTyping(channel: { sendTyping(): Promise<void> }, logger: Logger): TypingIndicator {
  const startedAt = Date.now();
  const send = () => {
    channel.sendTyping().catch((error: unknown) => logger.warn({ err: error }, 'typing indicator failed'));
  };
  send();
  const timer = setInterval(() => {
    if (Date.now() - startedAt >= TYPING_MAX_MS) stop();
    else send();
  }, TYPING_REFRESH_MS);
  function stop() {
    clearInterval(timer);
  }
  return { stop };
}
