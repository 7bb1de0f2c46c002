import { TYPING_DELAY_MS, TYPING_MAX_MS, TYPING_REFRESH_MS } from '../../constants.ts';
import type { Logger } from '../../logger.ts';

export type TypingIndicator = { stop(): void };

/**
 * Shows "is typing…" after TYPING_DELAY_MS unless stopped first (the first words are then the sign that the DM is on
 * it, and the request is saved: every request counts against Discord's global limit), and keeps it up until the first
 * text appears. It is a courtesy: a failure is logged and nothing else.
 */
export function startTyping(channel: { sendTyping(): Promise<void> }, logger: Logger, delayMs: number = TYPING_DELAY_MS): TypingIndicator {
  const startedAt = Date.now();
  let refresh: ReturnType<typeof setInterval> | undefined;
  const send = () => {
    channel.sendTyping().catch((error: unknown) => logger.warn({ err: error }, 'typing indicator failed'));
  };
  const first = setTimeout(() => {
    send();
    refresh = setInterval(() => {
      if (Date.now() - startedAt >= TYPING_MAX_MS) stop();
      else send();
    }, TYPING_REFRESH_MS);
  }, delayMs);
  function stop() {
    clearTimeout(first);
    clearInterval(refresh);
  }
  return { stop };
}
