import type { EmulatorClock } from './clock.ts';

export type BucketPolicy = { limit: number; windowMs: number };

export type RateLimitOutcome =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; headers: Record<string, string>; retryAfterSeconds: number };

// Bucket hashes are per route family, not per channel: the major parameter (channel id, webhook id + token) keeps
// the counters apart, and discord.js keys its queues on `hash:major` the same way.
export const bucketHashes = {
  channelMessages: '80c17d2f203122d936070c88c8d10f33',
  interactionWebhook: 'c3d9a7e1b5f24a6d8e0f1a2b3c4d5e6f',
} as const;

type Window = { startedAt: number; used: number };

const seconds = (milliseconds: number): string => (milliseconds / 1000).toFixed(3);

// A fixed window that opens with the first request, which is how Discord's per-route buckets behave from a client's
// point of view: Reset-After counts down from the first request of the window.
export function createRateLimiter(clock: EmulatorClock) {
  const windows = new Map<string, Window>();

  return {
    consume(bucketHash: string, majorParameter: string, policy: BucketPolicy): RateLimitOutcome {
      const now = clock.now();
      const key = `${bucketHash}:${majorParameter}`;
      let window = windows.get(key);
      if (!window || now >= window.startedAt + policy.windowMs) {
        window = { startedAt: now, used: 0 };
        windows.set(key, window);
      }
      const resetAt = window.startedAt + policy.windowMs;
      const allowed = window.used < policy.limit;
      if (allowed) window.used += 1;
      const headers: Record<string, string> = {
        'X-RateLimit-Limit': String(policy.limit),
        'X-RateLimit-Remaining': String(Math.max(0, policy.limit - window.used)),
        'X-RateLimit-Reset': seconds(resetAt),
        'X-RateLimit-Reset-After': seconds(resetAt - now),
        'X-RateLimit-Bucket': bucketHash,
      };
      if (allowed) return { allowed, headers };
      const retryAfterSeconds = Number(seconds(resetAt - now));
      headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
      headers['X-RateLimit-Scope'] = 'user';
      return { allowed, headers, retryAfterSeconds };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

// Discord's global limit: `perSecond` requests per bot token across all routes. A fixed 1 s window opening with the
// first request, not a sliding one: it is the model discord.js paces itself by (its globalReset is set 1 s after the
// first request of a window, with globalRequestsPerSecond to spend), so a client that keeps to it is never refused,
// while any burst past the limit within a second is. A sliding window would be stricter than that: it would refuse
// discord.js spending one window at its end and the next at its start, which Discord's "50 per second" allows.
export function createGlobalLimiter(clock: EmulatorClock, perSecond: number) {
  let window: Window = { startedAt: Number.NEGATIVE_INFINITY, used: 0 };
  return {
    // Null when the request may go on; otherwise the seconds until the window resets (Discord's float retry_after).
    consume(): number | null {
      const now = clock.now();
      if (now >= window.startedAt + 1000) window = { startedAt: now, used: 0 };
      if (window.used < perSecond) {
        window.used += 1;
        return null;
      }
      return Math.max(0.001, Number(seconds(window.startedAt + 1000 - now)));
    },
  };
}

export type GlobalLimiter = ReturnType<typeof createGlobalLimiter>;
