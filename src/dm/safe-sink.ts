import type { Logger } from 'pino';
import type { TurnEvent } from './events.ts';
import type { TurnSink } from './types.ts';

/** A sink that throws or rejects must never stop the generation: its failure is logged and forgotten. */
export function createSafeEmitter(sink: TurnSink, logger: Logger): (event: TurnEvent) => void {
  return (event) => {
    try {
      const pending = sink(event);
      if (pending instanceof Promise) {
        pending.catch((error: unknown) => logger.warn({ err: error, eventType: event.type }, 'turn sink rejected an event'));
      }
    } catch (error) {
      logger.warn({ err: error, eventType: event.type }, 'turn sink threw on an event');
    }
  };
}
