export type WaitOptions = { timeoutMs?: number; description?: string };

type Truthy<T> = Exclude<T, false | null | undefined>;

// State changes (requests, dispatches) wake waiters at once; a short poll also covers conditions on the test's own
// variables, such as events a discord.js client received.
export function createChangeSignal() {
  const waiters = new Set<() => void>();
  return {
    notify(): void {
      for (const waiter of [...waiters]) waiter();
    },
    waitFor<T>(check: () => T, options: WaitOptions = {}): Promise<Truthy<T>> {
      const timeoutMs = options.timeoutMs ?? 5000;
      const startedAt = Date.now();
      return new Promise((resolve, reject) => {
        const finish = (): void => {
          clearTimeout(timer);
          clearInterval(poll);
          waiters.delete(attempt);
        };
        const attempt = (): void => {
          let value: T;
          try {
            value = check();
          } catch (error) {
            finish();
            reject(error);
            return;
          }
          // A promise is truthy: waiting on an async check would return at once, before its condition holds.
          if (value instanceof Promise) {
            finish();
            reject(new Error(`waitFor checks synchronously, but the check for ${options.description ?? 'a condition'} returned a promise`));
            return;
          }
          if (value !== undefined && value !== null && value !== false) {
            finish();
            resolve(value as Truthy<T>);
          }
        };
        const timer = setTimeout(() => {
          finish();
          const what = options.description ?? check.toString();
          reject(new Error(`waited ${Date.now() - startedAt} ms (timeout ${timeoutMs} ms) for: ${what}`));
        }, timeoutMs);
        const poll = setInterval(attempt, 20);
        waiters.add(attempt);
        attempt();
      });
    },
  };
}
