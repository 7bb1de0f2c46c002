// Discord limits a bot to about 50 requests per second in all (discord.js enforces it locally, first come first
// served). When many channels stream at once that limit, not the channel buckets, decides when players see text,
// so the gate hands out the process's requests by importance: the first words of turns first (a create: until it
// lands players see nothing), then final texts (already visible, only completed), streaming edits next, courtesies
// (typing, disabling old buttons) last. Order alone is not enough: a window already full of streaming edits makes
// the next turn's first words wait for the oldest of them to age out. So streaming edits and courtesies may fill only
// part of the window (URGENT_SHARE stays free for first words and finals), and courtesies only half of it.

/**
 * `first`: a message's creation (until it lands players see nothing of it: a turn's first words); `urgent`: a final
 * text; `partial`: a streaming edit; `background`: a courtesy (typing, disabling old buttons).
 */
export type GatePriority = 'first' | 'urgent' | 'partial' | 'background';

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

/** Typing indicators and old-button edits ask just before text does (a turn's first words follow its typing). */
const BACKGROUND_SHARE = 0.5;
/**
 * Kept from streaming edits for first words and finals: at 45 requests/s, 9. A streaming edit that waits is merged
 * into the next one (the channel scheduler keeps only the newest text), so players lose a step of the stream, not text.
 */
const URGENT_SHARE = 0.2;
const order: GatePriority[] = ['first', 'urgent', 'partial', 'background'];

/**
 * `perSecond` requests start in any `windowMs` (default 1000). A longer window than Discord's second is a margin for
 * the time between a grant and the request's arrival at Discord (see GLOBAL_GATE_WINDOW_MS).
 */
export function createGlobalWriteGate(options: { perSecond: number; windowMs?: number; now?: () => number }): GlobalWriteGate {
  const now = options.now ?? Date.now;
  const windowMs = options.windowMs ?? 1000;
  const starts: number[] = [];
  // Courtesies may fill only part of a second: the rest stays free for the text that follows them within it.
  const backgroundShare = Math.max(1, Math.floor(options.perSecond * BACKGROUND_SHARE));
  const streamingShare = Math.max(1, options.perSecond - Math.floor(options.perSecond * URGENT_SHARE));
  const limitOf: Record<GatePriority, number> = { first: options.perSecond, urgent: options.perSecond, partial: streamingShare, background: backgroundShare };
  const queues: Record<GatePriority, Waiter[]> = { first: [], urgent: [], partial: [], background: [] };
  let timer: ReturnType<typeof setTimeout> | undefined;

  function forgetOld(at: number): void {
    while (starts.length > 0 && (starts[0] ?? at) <= at - windowMs) starts.shift();
  }

  /** The most important waiter whose share of the window has room for `started` requests. */
  function nextWaiter(started: number): Waiter | undefined {
    for (const priority of order) {
      if (started >= limitOf[priority]) return undefined;
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
      const waiter = nextWaiter(starts.length);
      if (waiter === undefined) break;
      waiter.settled = true;
      starts.push(at);
      waiter.grant(true);
    }
    if (hasWaiters()) timer = setTimeout(serve, Math.max(1, (starts[0] ?? at) + windowMs - at));
  }

  function serveNow(): void {
    if (timer !== undefined) clearTimeout(timer);
    serve();
  }

  function request(priority: GatePriority, requestOptions: { maxWaitMs?: number } = {}): GateTicket {
    const at = now();
    forgetOld(at);
    if (starts.length < limitOf[priority] && !hasWaitersAtOrAbove(priority)) {
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
    timer ??= setTimeout(serve, Math.max(1, (starts[0] ?? at) + windowMs - at));
    return {
      granted: promise,
      raise(higher) {
        if (waiter.settled || order.indexOf(higher) >= order.indexOf(waiter.priority)) return;
        const queue = queues[waiter.priority];
        queue.splice(queue.indexOf(waiter), 1);
        waiter.priority = higher;
        queues[higher].push(waiter);
        // Its new share may have room now: waiting for the oldest request to age out would hold the first words of a
        // turn behind a courtesy that a busy second had starved (seen: 100-190 ms at 8 turns/s).
        serveNow();
      },
    };
  }

  return {
    request,
    acquire: (priority, acquireOptions) => request(priority, acquireOptions).granted,
  };
}
