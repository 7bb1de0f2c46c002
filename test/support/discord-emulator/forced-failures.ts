import { DiscordHttpError, messageForCode, rateLimited } from './discord-errors.ts';
import type { ForcedFailure } from './request-log.ts';

// Takes the first failure queued for this method and route, or returns null.
export function takeForcedFailure(queue: ForcedFailure[], method: string, route: string): DiscordHttpError | null {
  const index = queue.findIndex((failure) => failure.method.toUpperCase() === method && failure.route === route);
  const failure = queue[index];
  if (!failure) return null;
  const remaining = (failure.times ?? 1) - 1;
  if (remaining > 0) failure.times = remaining;
  else queue.splice(index, 1);
  return toHttpError(failure);
}

function toHttpError(failure: ForcedFailure): DiscordHttpError {
  if (failure.status === 429) {
    const retryAfter = failure.retryAfter ?? 1;
    // No bucket headers: this 429 stands for a limit the client could not know about (a sublimit, a shared
    // resource), which is exactly when discord.js must rely on Retry-After alone.
    const headers: Record<string, string> = {
      'Retry-After': String(retryAfter),
      'X-RateLimit-Scope': failure.scope ?? (failure.global ? 'global' : 'user'),
    };
    if (failure.global) headers['X-RateLimit-Global'] = 'true';
    const error = rateLimited(retryAfter, headers, failure.global ?? false);
    if (failure.code !== undefined) error.body.code = failure.code;
    return error;
  }
  const code = failure.code ?? 0;
  const message = failure.message ?? (code === 0 ? `${failure.status}: Forced failure` : messageForCode(code));
  return new DiscordHttpError(failure.status, { message, code });
}
