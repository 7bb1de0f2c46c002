import type { MessageWritePort } from '../../src/discord/render/channel-write-scheduler.ts';

export type RecordedWrite = {
  kind: 'send' | 'edit';
  messageId: string;
  payload: string;
  startedAt: number;
  endedAt: number | undefined;
  failed: boolean;
};

export type RecordingPortOptions = {
  /** Time each request takes, on the (possibly fake) timers. */
  latencyMs?: number;
  /** Makes a request fail: return the error to throw, or undefined to let it succeed. */
  fail?: (write: RecordedWrite) => Error | undefined;
};

/** A port that records every request with its timing, and tracks how many were in flight at once. */
export function createRecordingPort(options: RecordingPortOptions = {}) {
  const writes: RecordedWrite[] = [];
  let nextId = 1;
  let inFlight = 0;
  let maxInFlight = 0;

  async function perform(write: RecordedWrite): Promise<void> {
    writes.push(write);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if ((options.latencyMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      const error = options.fail?.(write);
      if (error !== undefined) {
        write.failed = true;
        throw error;
      }
    } finally {
      inFlight -= 1;
      write.endedAt = Date.now();
    }
  }

  const port: MessageWritePort<string> = {
    async send(payload) {
      const id = `m${nextId}`;
      nextId += 1;
      await perform({ kind: 'send', messageId: id, payload, startedAt: Date.now(), endedAt: undefined, failed: false });
      return { id };
    },
    async edit(messageId, payload) {
      await perform({ kind: 'edit', messageId, payload, startedAt: Date.now(), endedAt: undefined, failed: false });
    },
  };

  return {
    port,
    writes,
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

/** The largest number of write starts within any window of `windowMs`. */
export function maxStartsInWindow(writes: readonly { startedAt: number }[], windowMs: number): number {
  const starts = writes.map((write) => write.startedAt).sort((a, b) => a - b);
  let max = 0;
  for (const [index, start] of starts.entries()) {
    const inWindow = starts.slice(index).filter((other) => other < start + windowMs).length;
    max = Math.max(max, inWindow);
  }
  return max;
}
