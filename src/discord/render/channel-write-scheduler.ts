import {
  CHANNEL_WRITE_BUDGET,
  CHANNEL_WRITE_URGENT_RESERVE,
  CHANNEL_WRITE_WINDOW_MS,
  DEFAULT_EDIT_INTERVAL_MS,
  LOW_PRIORITY_MAX_DELAY_MS,
  SETTLED_TEXT_PAUSE_MS,
} from '../../constants.ts';
import type { Logger } from '../../logger.ts';
import type { GatePriority, GateTicket, GlobalWriteGate } from './global-write-gate.ts';

// One scheduler per channel decides when each send or edit of that channel goes out (docs/architecture.md: Discord's
// limits). Discord gives a channel about 5 writes per 5 s, shared by sends and edits; discord.js queues anything
// beyond that, and a queued edit only delays text players are waiting for. So the scheduler keeps the one true queue
// itself. Its goals, in this order:
// 1. Never a 429: at most `budget` writes start in any sliding `windowMs` (5 in 5.25 s: Discord's 5 per 5 s with a
//    margin for jitter), and none while Discord's own headers say the bucket is empty (writes made before a restart).
// 2. The final text exact and prompt: a final (and a create: until it lands players see nothing) goes first, and
//    streaming edits leave `urgentReserve` slots of the window free for it, borrowing the reserved slot only when it
//    comes back within one stream interval (so a final waits at most that long).
// 3. The first words as soon as they exist: a create never waits for a streaming interval.
// 4. The longest pause between visible updates as short as the budget allows, across consecutive turns: streaming
//    edits are paced by the budget's refill (one every windowMs / streaming slots, about 1.3 s), not at a faster
//    fixed interval that spends the window in a burst and then stalls for seconds. The pace counts every write of
//    the channel (the previous turn's final, a notice), so a new turn starts into a window with room for its stream.
//    Text that will not grow any more (`settled`: its final, with the buttons, follows) is shown only if the final has
//    not come SETTLED_TEXT_PAUSE_MS after the previous write: usually the final carries it, one write fewer.
// 5. Courtesies last: a background write (disabling old buttons) waits for a quiet channel with room for two more
//    streaming writes in the window, or for its maximum delay.
// Newest content wins (only the latest payload of a message is ever sent) and one request is in flight at a time.

/**
 * How a write may be treated: a partial edit may be merged into a later one; a final is awaited by its caller; a
 * settled write is text that will not grow any more (its final follows): shown only if the final is slow to come.
 */
export type WriteUrgency = 'final' | 'partial' | 'settled' | 'background';

/** The only way the scheduler reaches Discord; the discord.js adapter implements it. */
export type MessageWritePort<Payload> = {
  send(payload: Payload): Promise<{ id: string }>;
  edit(messageId: string, payload: Payload): Promise<void>;
};

export type ScheduledMessage<Payload> = {
  /**
   * Asks for the message to show `payload`. The first write of a new message creates it. Resolves once this content
   * or newer has landed. Rejects only for a final write that failed; other failures are logged and resolve.
   */
  write(payload: Payload, urgency: WriteUrgency): Promise<void>;
  /** Discord's id of the message, once it exists. */
  readonly id: string | undefined;
};

export type ChannelWriteScheduler = {
  /** A message that does not exist yet: its first write is a send. */
  newMessage<Payload>(port: MessageWritePort<Payload>): ScheduledMessage<Payload>;
  /** A message that exists already, for example an old turn whose buttons must be disabled. */
  existingMessage<Payload>(port: MessageWritePort<Payload>, messageId: string): ScheduledMessage<Payload>;
  /** Resolves when nothing is waiting or in flight. */
  whenIdle(): Promise<void>;
  /** At shutdown: courtesy writes go as soon as the budget allows instead of waiting for a quiet channel. */
  hurry(): void;
  /** Discord's rate-limit headers for this channel's message bucket: with nothing remaining, writes wait for the reset. */
  observeBucket(state: { remaining: number; resetAfterMs: number }): void;
};

export type ChannelWriteSchedulerOptions = {
  logger: Logger;
  /** Minimum time between streaming edits, from the start of the previous write (the budget's pace may be slower). */
  editIntervalMs?: number;
  /** At most this many writes start within any window of `windowMs`. */
  budget?: number;
  windowMs?: number;
  /** Budget slots streaming and background writes leave free for creates and finals. */
  urgentReserve?: number;
  lowPriorityMaxDelayMs?: number;
  /** How long after the previous write settled text (complete, its final to follow) may wait for that final. */
  settledPauseMs?: number;
  now?: () => number;
  /** Shared by every channel of the process: Discord's global request limit, handed out by importance. */
  gate?: GlobalWriteGate;
};

type Waiter = { urgency: WriteUrgency; resolve: () => void; reject: (error: unknown) => void };

type PendingWrite = { payload: unknown; urgency: WriteUrgency; requestedAt: number; waiters: Waiter[] };

type MessageState = {
  port: MessageWritePort<unknown>;
  id: string | undefined;
  /** Set when the create failed: the message will never exist, so later writes fail at once. */
  createError: { error: unknown } | undefined;
  pending: PendingWrite | undefined;
};

type Decision = { go: MessageState } | { waitUntil: number } | null;

const urgencyRank: Record<WriteUrgency, number> = { background: 0, settled: 1, partial: 2, final: 3 };
/** A channel counts as streaming until this many edit intervals after the last streamed text. */
const QUIET_AFTER_PARTIAL_FACTOR = 1.5;
const gateRank: Record<GatePriority, number> = { background: 0, partial: 1, urgent: 2, first: 3 };

export function createChannelWriteScheduler(options: ChannelWriteSchedulerOptions): ChannelWriteScheduler {
  const logger = options.logger;
  const now = options.now ?? Date.now;
  const editIntervalMs = options.editIntervalMs ?? DEFAULT_EDIT_INTERVAL_MS;
  const budget = options.budget ?? CHANNEL_WRITE_BUDGET;
  const windowMs = options.windowMs ?? CHANNEL_WRITE_WINDOW_MS;
  const streamingBudget = Math.max(1, budget - (options.urgentReserve ?? CHANNEL_WRITE_URGENT_RESERVE));
  // The refill pace: spending the streaming slots any faster only moves the wait to the end of the window.
  const streamIntervalMs = Math.max(editIntervalMs, Math.ceil(windowMs / streamingBudget));
  const lowPriorityMaxDelayMs = options.lowPriorityMaxDelayMs ?? LOW_PRIORITY_MAX_DELAY_MS;
  const settledPauseMs = options.settledPauseMs ?? SETTLED_TEXT_PAUSE_MS;

  // Messages with a pending write, in the order their pending write was first asked for (a Set keeps insertion order).
  const waiting = new Set<MessageState>();
  // Start times of the writes within the last window, oldest first.
  const recentStarts: number[] = [];
  // What Discord itself last said about the channel's bucket. Our own count cannot know writes made before we
  // started (a restart within the window) or by another process; Discord's headers do.
  let discordBlocksUntil = Number.NEGATIVE_INFINITY;
  let lastStartedAt = Number.NEGATIVE_INFINITY;
  let lastPartialRequestAt = Number.NEGATIVE_INFINITY;
  let inFlight = false;
  // The process-wide slot this channel waits for, if any: raised when a more urgent write joins.
  let waitingTicket: GateTicket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let idleWaiters: Array<() => void> = [];

  function handle<Payload>(state: MessageState): ScheduledMessage<Payload> {
    return {
      write: (payload, urgency) => requestWrite(state, payload, urgency),
      get id() {
        return state.id;
      },
    };
  }

  function gatePriority(state: MessageState): GatePriority {
    const urgency = state.pending?.urgency ?? 'background';
    if (state.id === undefined) return 'first';
    if (urgency === 'final') return 'urgent';
    return urgency === 'settled' ? 'partial' : urgency;
  }

  function mostUrgentWaiting(): MessageState | undefined {
    let best: MessageState | undefined;
    for (const candidate of waiting) {
      if (candidate.pending === undefined) continue;
      if (best === undefined || gateRank[gatePriority(candidate)] > gateRank[gatePriority(best)]) best = candidate;
    }
    return best;
  }

  function requestWrite(state: MessageState, payload: unknown, urgency: WriteUrgency): Promise<void> {
    if (urgency === 'partial') lastPartialRequestAt = now();
    if (state.createError !== undefined) {
      return urgency === 'final' ? Promise.reject(state.createError.error) : Promise.resolve();
    }
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const waiter = { urgency, resolve, reject };
    if (state.pending === undefined) {
      state.pending = { payload, urgency, requestedAt: now(), waiters: [waiter] };
      waiting.add(state);
    } else {
      // Latest wins: the content in between is never sent; whoever waited for it is served by the newer content.
      state.pending.payload = payload;
      // The newest content decides, except that it never lowers a final: settled text replaces a pending partial.
      const settles = urgency === 'settled' && state.pending.urgency === 'partial';
      if (settles || urgencyRank[urgency] > urgencyRank[state.pending.urgency]) state.pending.urgency = urgency;
      state.pending.waiters.push(waiter);
    }
    waitingTicket?.raise(gatePriority(state));
    pump();
    return promise;
  }

  function pump(): void {
    if (inFlight) return;
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    const at = now();
    forgetOldStarts(at);
    const decision = decide(at);
    if (decision === null) {
      notifyIdle();
    } else if ('go' in decision) {
      void start(decision.go, at);
    } else {
      timer = setTimeout(pump, Math.max(0, decision.waitUntil - at));
    }
  }

  function decide(at: number): Decision {
    let firstUrgent: MessageState | undefined;
    let firstStreaming: MessageState | undefined;
    let firstBackground: MessageState | undefined;
    for (const state of waiting) {
      const pending = state.pending;
      if (pending === undefined) continue;
      // A create is never merely "partial": until it lands, players see nothing at all.
      if (state.id === undefined || pending.urgency === 'final') firstUrgent ??= state;
      else if (pending.urgency === 'partial' || pending.urgency === 'settled') firstStreaming ??= state;
      else if (at - pending.requestedAt >= lowPriorityMaxDelayMs) firstStreaming ??= state;
      else firstBackground ??= state;
    }
    // While text streams in this channel, a courtesy write would take one of the few slots the stream has: it waits
    // for a quiet moment (or for its maximum delay, above). It is usually asked for as a turn starts, before the first
    // words exist, so it also gives the stream that long to begin.
    const quietAfter = QUIET_AFTER_PARTIAL_FACTOR * editIntervalMs;
    const quietAt = Math.max(lastPartialRequestAt, firstBackground?.pending?.requestedAt ?? at) + quietAfter;
    if (firstBackground !== undefined && at < quietAt) {
      if (firstUrgent === undefined && firstStreaming === undefined) return { waitUntil: quietAt };
      firstBackground = undefined;
    }

    if (firstUrgent !== undefined) {
      const readyAt = Math.max(budgetFreeAt(at, budget), discordBlocksUntil);
      return readyAt <= at ? { go: firstUrgent } : { waitUntil: readyAt };
    }
    const candidate = firstStreaming ?? firstBackground;
    if (candidate === undefined) return null;
    // A courtesy leaves room in the window for two more streaming writes, so it never delays the next turn's stream.
    const slots = candidate === firstStreaming ? streamingBudget : Math.max(1, streamingBudget - 2);
    const urgency = candidate.pending?.urgency;
    const settledAt = urgency === 'settled' ? lastStartedAt + settledPauseMs : at;
    let budgetAt = budgetFreeAt(at, slots);
    if (urgency === 'partial') {
      // Growing text may take the reserved slot when it comes back within one stream interval: a final would then wait
      // at most that long, while a stream that starts right after the previous turn's writes does not stall.
      const oldest = recentStarts[0];
      const borrowAt = Math.max(budgetFreeAt(at, budget), oldest === undefined ? at : oldest + windowMs - streamIntervalMs);
      budgetAt = Math.min(budgetAt, borrowAt);
    }
    const readyAt = Math.max(lastStartedAt + streamIntervalMs, settledAt, budgetAt, discordBlocksUntil);
    return readyAt <= at ? { go: candidate } : { waitUntil: readyAt };
  }

  /** When a write may start without more than `allowed` writes starting in any window. */
  function budgetFreeAt(at: number, allowed: number): number {
    if (recentStarts.length < allowed) return at;
    return (recentStarts[recentStarts.length - allowed] ?? at) + windowMs;
  }

  function forgetOldStarts(at: number): void {
    while (recentStarts.length > 0 && (recentStarts[0] ?? at) <= at - windowMs) recentStarts.shift();
  }

  async function start(chosen: MessageState, startAt: number): Promise<void> {
    let at = startAt;
    let state = chosen;
    if (state.pending === undefined) return;
    inFlight = true;
    if (options.gate !== undefined) {
      // The process-wide slot comes first, and what is sent is decided once it is granted: the newest content, and
      // the channel's most urgent message if one arrived meanwhile (the first words of a turn behind old buttons).
      waitingTicket = options.gate.request(gatePriority(state));
      await waitingTicket.granted;
      waitingTicket = undefined;
      at = now();
      state = mostUrgentWaiting() ?? state;
    }
    const pending = state.pending;
    if (pending === undefined) {
      inFlight = false;
      pump();
      return;
    }
    state.pending = undefined;
    waiting.delete(state);
    recentStarts.push(at);
    lastStartedAt = at;
    const messageId = state.id;
    try {
      if (messageId === undefined) {
        const { id } = await state.port.send(pending.payload);
        state.id = id;
      } else {
        await state.port.edit(messageId, pending.payload);
      }
      for (const waiter of pending.waiters) waiter.resolve();
    } catch (error) {
      reportFailure(state, pending, messageId, error);
    } finally {
      inFlight = false;
      pump();
    }
  }

  function reportFailure(state: MessageState, pending: PendingWrite, messageId: string | undefined, error: unknown): void {
    const action = messageId === undefined ? 'send' : 'edit';
    if (pending.urgency === 'final' || messageId === undefined) {
      logger.error({ err: error, messageId, urgency: pending.urgency }, `channel write failed: ${action}`);
    } else {
      logger.warn({ err: error, messageId, urgency: pending.urgency }, `channel write failed: ${action}`);
    }
    const settle = (waiters: Waiter[]) => {
      for (const waiter of waiters) {
        if (waiter.urgency === 'final') waiter.reject(error);
        else waiter.resolve();
      }
    };
    settle(pending.waiters);
    if (messageId === undefined) {
      // Without a message there is nothing to edit: what was asked for meanwhile fails the same way.
      state.createError = { error };
      if (state.pending !== undefined) settle(state.pending.waiters);
      state.pending = undefined;
      waiting.delete(state);
    }
  }

  function notifyIdle(): void {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  return {
    newMessage: <Payload>(port: MessageWritePort<Payload>) =>
      handle<Payload>({ port: port as MessageWritePort<unknown>, id: undefined, createError: undefined, pending: undefined }),
    existingMessage: <Payload>(port: MessageWritePort<Payload>, messageId: string) =>
      handle<Payload>({ port: port as MessageWritePort<unknown>, id: messageId, createError: undefined, pending: undefined }),
    hurry: () => {
      // Stopping: courtesy writes wait no longer for a quiet channel (there will be no more streams).
      for (const state of waiting) if (state.pending?.urgency === 'background') state.pending.urgency = 'partial';
      if (!inFlight) pump();
    },
    observeBucket: ({ remaining, resetAfterMs }) => {
      if (remaining > 0) return;
      discordBlocksUntil = Math.max(discordBlocksUntil, now() + resetAfterMs);
      if (!inFlight) pump();
    },
    whenIdle: () => {
      if (!inFlight && waiting.size === 0) return Promise.resolve();
      const { promise, resolve } = Promise.withResolvers<void>();
      idleWaiters.push(resolve);
      return promise;
    },
  };
}
