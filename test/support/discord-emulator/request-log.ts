import type { RouteTemplate } from './route-templates.ts';

export type RecordedRequest = {
  // Emulator clock time at which the request arrived.
  at: number;
  method: string;
  // Route template such as '/channels/:channelId/messages/:messageId'; null for a route the emulator does not know.
  route: RouteTemplate | null;
  // Decoded path below /api/v10, e.g. '/webhooks/123/abc/messages/@original'.
  path: string;
  query: Record<string, string>;
  status: number;
  // Parsed JSON body (payload_json for multipart uploads), or null.
  body: unknown;
  // `allowed_mentions` of the body (of `data` for interaction callbacks); undefined when absent.
  allowedMentions: unknown;
  channelId?: string;
  messageId?: string;
  interactionId?: string;
  // Discord's JSON error code when the answer was an error.
  errorCode?: number;
  // True for a 429 of the global limit (Discord's `global: true`), whether the emulator's own or a failNext() one.
  global?: true;
  responseBody: unknown;
  // Set when the emulator itself failed (answered 500): a bug to fix here, not a Discord behaviour.
  emulatorError?: string;
};

export type ForcedFailure = {
  method: string;
  route: RouteTemplate;
  status: number;
  code?: number;
  message?: string;
  // Seconds, for 429s (Retry-After and retry_after).
  retryAfter?: number;
  global?: boolean;
  scope?: 'user' | 'global' | 'shared';
  // How many matching requests fail; 1 by default.
  times?: number;
};
