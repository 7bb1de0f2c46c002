// Which kind of Discord route a request went to, for metrics labels. Only the kind leaves this function: request
// paths carry channel and message ids, and interaction and webhook paths carry tokens that act as credentials for
// 15 minutes, so no part of a path may become a label value.

export const ROUTE_KINDS = [
  'channel_messages',
  'channel_typing',
  'channel_other',
  'interaction_callback',
  'interaction_webhook',
  'application_commands',
  'gateway',
  'other',
] as const;

export type RouteKind = (typeof ROUTE_KINDS)[number];

/**
 * Accepts a request path (`/channels/1/messages/2`), a rate-limit bucket route (`/channels/1/messages/:id`) or a full
 * URL with the API prefix (`https://discord.com/api/v10/interactions/1/TOKEN/callback`).
 */
export function classifyRoute(pathOrUrl: string): RouteKind {
  const path = pathOrUrl.replace(/^[a-z]+:\/\/[^/]+/i, '').replace(/[?#].*$/s, '');
  // The API prefix (`/api`, `/api/v10`) of a full URL, or of a proxy's base URL, goes before matching.
  const segments = path.split('/').filter((segment) => segment !== '');
  const start = segments.findIndex((segment) => ['channels', 'interactions', 'webhooks', 'applications', 'gateway'].includes(segment));
  if (start === -1) return 'other';
  const [head, , third, fourth] = segments.slice(start);
  switch (head) {
    case 'channels':
      if (third === 'messages') return 'channel_messages';
      if (third === 'typing') return 'channel_typing';
      return 'channel_other';
    case 'interactions':
      return fourth === 'callback' ? 'interaction_callback' : 'other';
    case 'webhooks':
      // `/webhooks/<application>/<interaction token>[/messages/…]`: follow-ups and edits of an interaction's answer.
      return third === undefined ? 'other' : 'interaction_webhook';
    case 'applications':
      return segments.slice(start).includes('commands') ? 'application_commands' : 'other';
    case 'gateway':
      return 'gateway';
    default:
      return 'other';
  }
}

/** A response's status as a label: the class, with 429 kept apart (the one Discord status a bot must never provoke). */
export function statusClass(status: number): '2xx' | '3xx' | '4xx' | '429' | '5xx' | 'other' {
  if (status === 429) return '429';
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return 'other';
}
