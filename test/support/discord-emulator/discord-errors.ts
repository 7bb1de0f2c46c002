// Error bodies exactly as Discord sends them, so discord.js builds the same DiscordAPIError (code, status, message
// flattened from `errors`) that the bot would meet in production.

export type FieldError = { path: readonly (string | number)[]; code: string; message: string };

type ErrorTree = { _errors?: { code: string; message: string }[]; [field: string]: unknown };

export type DiscordErrorBody = { message: string; code: number; errors?: ErrorTree };
export type RateLimitedBody = { message: string; retry_after: number; global: boolean; code?: number };

export class DiscordHttpError extends Error {
  readonly status: number;
  readonly body: DiscordErrorBody | RateLimitedBody;
  readonly headers: Record<string, string>;

  constructor(status: number, body: DiscordErrorBody | RateLimitedBody, headers: Record<string, string> = {}) {
    super(`${status} ${body.code ?? ''} ${body.message}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export function rateLimited(retryAfterSeconds: number, headers: Record<string, string>, global = false): DiscordHttpError {
  return new DiscordHttpError(429, { message: 'You are being rate limited.', retry_after: retryAfterSeconds, global }, headers);
}

// Past the global limit: no bucket headers (no route bucket was touched), `global: true` and code 0, as Discord answers.
export function globalRateLimited(retryAfterSeconds: number): DiscordHttpError {
  const headers = {
    // Whole seconds, as Discord sends Retry-After; the body keeps the float.
    'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    'X-RateLimit-Global': 'true',
    'X-RateLimit-Scope': 'global',
  };
  const error = rateLimited(retryAfterSeconds, headers, true);
  error.body.code = 0;
  return error;
}

const known = {
  unknownApplication: [404, 10002, 'Unknown Application'],
  unknownChannel: [404, 10003, 'Unknown Channel'],
  unknownGuild: [404, 10004, 'Unknown Guild'],
  unknownMember: [404, 10007, 'Unknown Member'],
  unknownMessage: [404, 10008, 'Unknown Message'],
  unknownUser: [404, 10013, 'Unknown User'],
  unknownWebhook: [404, 10015, 'Unknown Webhook'],
  unknownInteraction: [404, 10062, 'Unknown interaction'],
  alreadyAcknowledged: [400, 40060, 'Interaction has already been acknowledged.'],
  missingAccess: [403, 50001, 'Missing Access'],
  cannotEditOthersMessage: [403, 50005, 'Cannot edit a message authored by another user'],
  emptyMessage: [400, 50006, 'Cannot send an empty message'],
  missingPermissions: [403, 50013, 'Missing Permissions'],
  invalidWebhookToken: [401, 50027, 'Invalid Webhook Token'],
  unauthorized: [401, 0, '401: Unauthorized'],
  notFound: [404, 0, '404: Not Found'],
} as const satisfies Record<string, readonly [number, number, string]>;

export type KnownDiscordError = keyof typeof known;

export function discordError(name: KnownDiscordError): DiscordHttpError {
  const [status, code, message] = known[name];
  return new DiscordHttpError(status, { message, code });
}

export function invalidFormBody(fieldErrors: readonly FieldError[]): DiscordHttpError {
  const errors: ErrorTree = {};
  for (const fieldError of fieldErrors) {
    let node = errors;
    for (const segment of fieldError.path) {
      const key = String(segment);
      node[key] ??= {};
      node = node[key] as ErrorTree;
    }
    node._errors ??= [];
    node._errors.push({ code: fieldError.code, message: fieldError.message });
  }
  return new DiscordHttpError(400, { message: 'Invalid Form Body', code: 50035, errors });
}

// Discord's wording for the message a code stands for, used when a test forces a failure by code alone.
export function messageForCode(code: number): string {
  for (const [, knownCode, message] of Object.values(known)) if (knownCode === code) return message;
  if (code === 50035) return 'Invalid Form Body';
  return 'Error';
}
