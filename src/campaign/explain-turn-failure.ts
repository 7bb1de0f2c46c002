import { LlmError } from '../llm/errors.ts';
import { StoreFailure } from './store-failure.ts';

/** What players read when the DM could not answer: the cause in plain words, and that nothing is lost. */
export function explainTurnFailure(error: unknown): string {
  const kept = 'your actions are kept and will be answered with the next one';
  if (error instanceof StoreFailure) return `the DM could not write this turn into its memory (the store did not answer); ${kept}`;
  if (!(error instanceof LlmError)) return `the DM stumbled; ${kept}`;
  switch (error.kind) {
    case 'auth':
      return `the DM's model refused the API key (ask the bot's operator); ${kept}`;
    case 'rate_limit':
      return `the DM's model is over its rate limit; ${kept}`;
    case 'timeout':
      return `the DM's model took too long to answer; ${kept}`;
    case 'server':
    case 'connection':
      return `the DM's model could not be reached; ${kept}`;
    default:
      return `the DM's model gave no usable answer; ${kept}`;
  }
}
