/** The store failed while a turn was being recorded: the turn is withdrawn and its actions kept (see table.ts). */
export class StoreFailure extends Error {
  constructor(cause: unknown) {
    super('the campaign store did not answer', { cause });
    this.name = 'StoreFailure';
  }
}
