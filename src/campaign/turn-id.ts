import { randomBytes } from 'node:crypto';

/** Short, sortable by time, safe inside a button custom_id (letters and digits only). */
export function createTurnId(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}
