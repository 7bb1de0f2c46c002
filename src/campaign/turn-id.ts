import { randomBytes } from 'node:crypto';

/** Short, sortable by time, safe inside a button custom_id (letters and digits only). */
export function createTurnId(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

/** One per `/gm start`: names the campaign's log keys and its provider prompt cache. */
export function createCampaignId(): string {
  return `c${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}
