// Discord limits a bot to about 50 requests per second in all (discord.js enforces it locally, first come first
// served). When many channels stream at once that limit, not the channel buckets, decides when players see text,
// so the gate hands out the process's requests by importance: the first words and final texts of turns first,
// streaming edits next, courtesies (typing, disabling old buttons) last.

export type GatePriority = 'urgent' | 'partial' | 'background';

export type GateTicket = {
  /** True when the request may start; false when it gave up waiting (see `maxWaitMs`). */
  granted: Promise<boolean>;
  /** A more important write joined the wait (the channel's first words behind its old buttons): move it up. */
  raise(priority: GatePriority): void;
};

export type GlobalWriteGate = {
  /**
   * Resolves true when a request may start. With `maxWaitMs`, resolves false instead once that much time has passed
   * without a slot: for requests worth sending only if they can go soon (the typing indicator).
   */
  acquire(priority: GatePriority, options?: { maxWaitMs?: number }): Promise<boolean>;
  request(priority: GatePriority, options?: { maxWaitMs?: number }): GateTicket;
};

type Waiter = { priority: GatePriority; grant: (granted: boolean) => void; settled: boolean };

const WINDOW_MS = 1000;
/** Typing indicators and old-button edits ask just before text does (a turn's first words follow its typing). */
const BACKGROUND_SHARE = 0.5;
const order: GatePriority[] = ['urgent', 'partial', 'background'];

export function createGlobalWriteGate(options: { perSecond: number; now?: () => number }): GlobalWriteGate {
  const now = options.now ?? Date.now;
  const starts: number[] = [];
  // Courtesies may fill only part of a second: the rest stays free for the text that follows them within it.
  const backgroundShare = Math.max(1, Math.floor(options.perSecond * BACKGROUND_SHARE));
  const queues: Record<GatePriority, Waiter[]> = { urgent: [], partial: [], background: [] };
  let timer: ReturnType<typeof setTimeout> | undefined;

  function forgetOld(at: number): void {
    while (starts.length > 0 && (starts[0] ?? at) <= at - WINDOW_MS) starts.shift();
  }

  function nextWaiter(backgroundAllowed: boolean): Waiter | undefined {
    for (const priority of order) {
      if (priority === 'background' && !backgroundAllowed) return undefined;
      const queue = queues[priority];
      while (queue.length > 0 && queue[0]?.settled) queue.shift();
      if (queue.length > 0) return queue.shift();
    }
    return undefined;
  }

  function hasWaiters(): boolean {
    return hasWaitersAtOrAbove('background');
  }

  /** Whether someone at least as important already waits: they go first. */
  function hasWaitersAtOrAbove(priority: GatePriority): boolean {
    return order
      .slice(0, order.indexOf(priority) + 1)
      .some((candidate) => queues[candidate].some((waiter) => !waiter.settled));
  }

  function serve(): void {
    timer = undefined;
    const at = now();
    forgetOld(at);
    while (starts.length < options.perSecond) {
      const waiter = nextWaiter(starts.length < backgroundShare);
      if (waiter === undefined) break;
      waiter.settled = true;
      starts.push(at);
      waiter.grant(true);
    }
    if (hasWaiters()) timer = setTimeout(serve, Math.max(1, (starts[0] ?? at) + WINDOW_MS - at));
  }

  function request(priority: GatePriority, requestOptions: { maxWaitMs?: number } = {}): GateTicket {
    const at = now();
    forgetOld(at);
    const limit = priority === 'background' ? backgroundShare : options.perSecond;
    if (starts.length < limit && !hasWaitersAtOrAbove(priority)) {
      starts.push(at);
      return { granted: Promise.resolve(true), raise: () => undefined };
    }
    const { promise, resolve } = Promise.withResolvers<boolean>();
    const waiter: Waiter = { priority, grant: resolve, settled: false };
    queues[priority].push(waiter);
    if (requestOptions.maxWaitMs !== undefined) {
      setTimeout(() => {
        if (waiter.settled) return;
        waiter.settled = true;
        resolve(false);
      }, requestOptions.maxWaitMs).unref();
    }
    timer ??= setTimeout(serve, Math.max(1, (starts[0] ?? at) + WINDOW_MS - at));
    return {
      granted: promise,
      raise(higher) {
        if (waiter.settled || order.indexOf(higher) >= order.indexOf(waiter.priority)) return;
        const queue = queues[waiter.priority];
        queue.splice(queue.indexOf(waiter), 1);
        waiter.priority = higher;
        queues[higher].push(waiter);
      },
    };
  }

  return {
    request,
    acquire: (priority, acquireOptions) => request(priority, acquireOptions).granted,
  };
}
