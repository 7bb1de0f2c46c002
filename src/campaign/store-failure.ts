/** The store failed while a turn was being recorded: the turn is withdrawn and its actions kept (see table.ts). */
export class StoreFailure extends Error {
  constructor(cause: unknown) {
    super('the campaign store did not answer', { cause });
    this.name = 'StoreFailure';
  }
}

/**
 * The store did not answer a read or a write (unreachable, or past its command timeout). Thrown by the campaign
 * store for every failure of its backend, so whoever tells a player can say "the DM's memory is unreachable" instead
 * of a generic error; the request changed nothing that was not written.
 */
export class StoreUnreachableError extends Error {
  constructor(cause: unknown) {
    super('the campaign store is unreachable', { cause });
    this.name = 'StoreUnreachableError';
  }
}

/** Whether a failure was the store's: directly, or a turn's StoreFailure caused by it. */
export function isStoreUnreachable(error: unknown): boolean {
  return error instanceof StoreUnreachableError || (error instanceof StoreFailure && error.cause instanceof StoreUnreachableError);
}
