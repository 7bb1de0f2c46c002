import type { Logger } from 'pino';

/** Wraps a gateway listener so that nothing it throws or rejects ever reaches discord.js's event emitter. */
export function safeListener<Arguments extends unknown[]>(
  logger: Logger,
  event: string,
  listener: (...listenerArguments: Arguments) => Promise<void> | void,
): (...listenerArguments: Arguments) => void {
  return (...listenerArguments) => {
    try {
      const pending = listener(...listenerArguments);
      if (pending instanceof Promise) pending.catch((error: unknown) => logger.error({ err: error, event }, 'listener failed'));
    } catch (error) {
      logger.error({ err: error, event }, 'listener failed');
    }
  };
}
