import { setTimeout as delay } from 'node:timers/promises';

// The emulator's own waitFor re-checks on every request it records; with a hundred channels streaming, a check over
// every channel on every request would load the very process that serves the bot. Figures come from the recorded
// times, not from when a wait notices, so a calm poll is enough.

export type PollOptions = { timeoutMs: number; description: string; intervalMs?: number };

export async function pollUntil(check: () => boolean, options: PollOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`waited ${options.timeoutMs} ms for ${options.description}`);
    await delay(options.intervalMs ?? 100);
  }
}
