import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createChannelWriteScheduler,
  type ChannelWriteSchedulerOptions,
} from '../../src/discord/render/channel-write-scheduler.ts';
import { createSchedulerRegistry } from '../../src/discord/render/scheduler-registry.ts';
import { createRecordingPort, maxStartsInWindow } from './recording-port.ts';

const logger = pino({ level: 'silent' });

/** Discord's 5 writes per 5 s, counted in a 5.25 s window; streaming paced at 5250 / 4 slots. */
const WINDOW_MS = 5250;
const STREAM_INTERVAL_MS = 1313;

function scheduler(options: Partial<ChannelWriteSchedulerOptions> = {}) {
  return createChannelWriteScheduler({ logger, editIntervalMs: 1000, budget: 5, windowMs: WINDOW_MS, urgentReserve: 1, ...options });
}

/** Streams a growing text into one message: a partial write every `everyMs` for `durationMs`, then the final. */
async function stream(write: (text: string, final: boolean) => Promise<void>, durationMs: number, everyMs: number) {
  let text = '';
  for (let elapsed = 0; elapsed < durationMs; elapsed += everyMs) {
    text += `w${elapsed} `;
    void write(text, false);
    await vi.advanceTimersByTimeAsync(everyMs);
  }
  return { text, final: write(`${text}END`, true) };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('channel write scheduler', () => {
  it('creates a message with the first text at once when the channel is idle', async () => {
    const recording = createRecordingPort({ latencyMs: 50 });
    const message = scheduler().newMessage(recording.port);
    const written = message.write('The tavern', 'partial');
    await vi.advanceTimersByTimeAsync(0);
    expect(recording.writes).toMatchObject([{ kind: 'send', payload: 'The tavern', startedAt: 0 }]);
    await vi.advanceTimersByTimeAsync(50);
    await written;
    expect(message.id).toBe('m1');
  });

  it("waits for Discord's reset when Discord says the channel's bucket is empty (writes made before a restart)", async () => {
    const recording = createRecordingPort({ latencyMs: 10 });
    const channel = scheduler();
    const message = channel.newMessage(recording.port);
    void message.write('first words', 'partial');
    await vi.advanceTimersByTimeAsync(10);
    // The create's response carried X-RateLimit-Remaining 0 and Reset-After 2.5 s: an earlier process used the bucket.
    channel.observeBucket({ remaining: 0, resetAfterMs: 2500 });
    const final = message.write('first words, then the end', 'final');
    await vi.advanceTimersByTimeAsync(2000);
    expect(recording.writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(600);
    await final;
    expect(recording.writes.map((write) => [write.kind, write.startedAt])).toEqual([
      ['send', 0],
      ['edit', 2510],
    ]);
  });

  it('keeps a courtesy write (old buttons) out of a stream until the channel is quiet', async () => {
    const recording = createRecordingPort({ latencyMs: 10 });
    const channel = scheduler();
    const oldButtons = channel.existingMessage(recording.port, 'old');
    const turn = channel.newMessage(recording.port);
    void oldButtons.write('disabled buttons', 'background');
    let text = '';
    for (let step = 0; step < 30; step += 1) {
      text += `w${step} `;
      void turn.write(text, 'partial');
      await vi.advanceTimersByTimeAsync(100);
    }
    const streamEnd = Date.now();
    await vi.advanceTimersByTimeAsync(6000);
    const courtesy = recording.writes.find((write) => write.messageId === 'old');
    const streamed = recording.writes.filter((write) => write.messageId !== 'old');
    // The create and the streaming edits had every slot while text flowed; the old buttons came once it stopped.
    expect(streamed.map((write) => write.startedAt)).toEqual([0, STREAM_INTERVAL_MS, 2 * STREAM_INTERVAL_MS, 3 * STREAM_INTERVAL_MS]);
    expect(recording.writes[0]?.messageId).not.toBe('old');
    expect(courtesy?.startedAt).toBeGreaterThanOrEqual(streamEnd);
  });

  it('sends only the newest content of a message: latest wins', async () => {
    const recording = createRecordingPort({ latencyMs: 100 });
    const message = scheduler().newMessage(recording.port);
    void message.write('a', 'partial');
    for (const text of ['ab', 'abc', 'abcd']) {
      await vi.advanceTimersByTimeAsync(20);
      void message.write(text, 'partial');
    }
    await vi.advanceTimersByTimeAsync(3000);
    expect(recording.writes.map((write) => [write.kind, write.payload, write.startedAt])).toEqual([
      ['send', 'a', 0],
      ['edit', 'abcd', STREAM_INTERVAL_MS],
    ]);
  });

  it("spaces partial edits by the budget's refill, keeps one request in flight and never exceeds the budget", async () => {
    const recording = createRecordingPort({ latencyMs: 120 });
    const message = scheduler().newMessage(recording.port);
    const { text, final } = await stream((content, isFinal) => message.write(content, isFinal ? 'final' : 'partial'), 20_000, 20);
    await vi.advanceTimersByTimeAsync(10_000);
    await final;

    const partialEdits = recording.writes.slice(1, -1);
    expect(partialEdits.length).toBeGreaterThan(5);
    const starts = recording.writes.map((write) => write.startedAt);
    for (let index = 1; index < starts.length - 1; index += 1) {
      expect((starts[index] ?? 0) - (starts[index - 1] ?? 0)).toBeGreaterThanOrEqual(STREAM_INTERVAL_MS);
      // Evenly: the budget is never spent in a burst that must then stall.
      expect((starts[index] ?? 0) - (starts[index - 1] ?? 0)).toBeLessThan(STREAM_INTERVAL_MS + 150);
    }
    expect(recording.maxInFlight).toBe(1);
    expect(maxStartsInWindow(recording.writes.slice(0, -1), WINDOW_MS)).toBeLessThanOrEqual(4);
    expect(maxStartsInWindow(recording.writes, WINDOW_MS)).toBeLessThanOrEqual(5);
    expect(recording.writes.at(-1)?.payload).toBe(`${text}END`);
  });

  it('sends a final edit without waiting for the streaming interval', async () => {
    const recording = createRecordingPort({ latencyMs: 10 });
    const message = scheduler().newMessage(recording.port);
    void message.write('a', 'partial');
    await vi.advanceTimersByTimeAsync(300);
    void message.write('ab', 'partial');
    const final = message.write('abc.', 'final');
    await vi.advanceTimersByTimeAsync(10);
    await final;
    expect(recording.writes.map((write) => [write.payload, write.startedAt])).toEqual([
      ['a', 0],
      ['abc.', 300],
    ]);
  });

  it('keeps the budget even for a burst of creates and finals, and sends every one with its exact content', async () => {
    const recording = createRecordingPort({ latencyMs: 30 });
    const channel = scheduler();
    const finals: Promise<void>[] = [];
    for (let index = 0; index < 10; index += 1) {
      finals.push(channel.newMessage(recording.port).write(`piece ${index}`, 'final'));
    }
    await vi.advanceTimersByTimeAsync(20_000);
    await Promise.all(finals);
    expect(recording.writes.map((write) => write.payload)).toEqual(Array.from({ length: 10 }, (_, index) => `piece ${index}`));
    expect(maxStartsInWindow(recording.writes, WINDOW_MS)).toBe(5);
    expect(recording.writes.slice(0, 5).map((write) => write.startedAt)).toEqual([0, 30, 60, 90, 120]);
    expect(recording.writes[5]?.startedAt).toBe(WINDOW_MS);
  });

  it('leaves a budget slot free for finals while streaming', async () => {
    const recording = createRecordingPort({ latencyMs: 10 });
    const channel = scheduler();
    const streaming = channel.newMessage(recording.port);
    for (let tick = 0; tick < 80; tick += 1) {
      void streaming.write(`text ${tick}`, 'partial');
      await vi.advanceTimersByTimeAsync(50);
    }
    // Four streaming writes fill the window; the fifth slot is kept for this final, which goes at once.
    expect(maxStartsInWindow(recording.writes, WINDOW_MS)).toBe(4);
    const requestedAt = Date.now();
    const final = channel.newMessage(recording.port).write('urgent', 'final');
    await vi.advanceTimersByTimeAsync(10);
    await final;
    expect(recording.writes.at(-1)).toMatchObject({ kind: 'send', payload: 'urgent' });
    expect((recording.writes.at(-1)?.startedAt ?? Infinity) - requestedAt).toBeLessThanOrEqual(10);
  });

  it('keeps an even pace across consecutive turns: the turn after a final starts and streams without a long pause', async () => {
    const recording = createRecordingPort({ latencyMs: 30 });
    const channel = scheduler();
    // Two turns as a table plays them: ~3.3 s of text at a word every 16 ms, the final 0.8 s later (the options call),
    // and the next player's words 1.4 s after that final (a second to answer, the model's first token).
    let turnStart = 0;
    const finals: number[] = [];
    for (let turn = 0; turn < 3; turn += 1) {
      const message = channel.newMessage(recording.port);
      let text = '';
      for (let word = 0; word < 200; word += 1) {
        text += `t${turn}w${word} `;
        void message.write(text, 'partial');
        await vi.advanceTimersByTimeAsync(16);
      }
      // The text is complete; the final, with the buttons, follows once the options are there.
      void message.write(text, 'settled');
      await vi.advanceTimersByTimeAsync(800);
      const final = message.write(`${text}END`, 'final');
      await vi.advanceTimersByTimeAsync(100);
      await final;
      finals.push(recording.writes.at(-1)?.startedAt ?? 0);
      await vi.advanceTimersByTimeAsync(1300);
      turnStart = Date.now();
    }
    expect(turnStart).toBeGreaterThan(0);
    // Within every turn, from its first write to its final, no pause longer than 1.5 s.
    for (let turn = 0; turn < 3; turn += 1) {
      const writes = recording.writes.filter((write) => String(write.payload).startsWith(`t${turn}w`));
      const starts = writes.map((write) => write.startedAt);
      const pauses = starts.slice(1).map((start, index) => start - (starts[index] ?? start));
      expect(Math.max(...pauses), `turn ${turn}: ${starts.join(', ')}`).toBeLessThanOrEqual(1500);
      expect(writes.at(-1)?.payload).toMatch(/END$/);
    }
    expect(maxStartsInWindow(recording.writes, WINDOW_MS)).toBeLessThanOrEqual(5);
  });

  it('lets a stream borrow the reserved slot when it comes back within one interval, so it does not stall behind the turn before', async () => {
    const recording = createRecordingPort({ latencyMs: 5 });
    const channel = scheduler();
    // The turn before: its create, two edits, its complete text shown while its buttons were late, then its final.
    const before = channel.newMessage(recording.port);
    void before.write('a', 'partial');
    await vi.advanceTimersByTimeAsync(STREAM_INTERVAL_MS);
    void before.write('ab', 'partial');
    await vi.advanceTimersByTimeAsync(STREAM_INTERVAL_MS);
    void before.write('abc', 'partial');
    await vi.advanceTimersByTimeAsync(50);
    void before.write('abcd', 'settled');
    await vi.advanceTimersByTimeAsync(1450);
    void before.write('abcd.', 'final');
    await vi.advanceTimersByTimeAsync(1500);
    // The next turn, a second and a half later: five writes in the window so far.
    const next = channel.newMessage(recording.port);
    const startedAt = Date.now();
    void next.write('x y z', 'partial');
    for (let tick = 1; tick <= 60; tick += 1) {
      await vi.advanceTimersByTimeAsync(50);
      void next.write(`x y z ${tick}`, 'partial');
    }
    const starts = recording.writes.filter((write) => String(write.payload).startsWith('x')).map((write) => write.startedAt);
    expect(starts[0]).toBe(startedAt);
    expect(starts.length).toBeGreaterThanOrEqual(3);
    const pauses = starts.slice(1).map((start, index) => start - (starts[index] ?? start));
    expect(Math.max(...pauses), starts.join(', ')).toBeLessThanOrEqual(STREAM_INTERVAL_MS);
    expect(maxStartsInWindow(recording.writes, WINDOW_MS)).toBeLessThanOrEqual(5);
  });

  it('sends finals and creates first, then partial edits, then low-priority writes', async () => {
    const recording = createRecordingPort({ latencyMs: 10 });
    const channel = scheduler();
    const streaming = channel.newMessage(recording.port);
    const oldTurn = channel.existingMessage(recording.port, 'old');
    const finished = channel.newMessage(recording.port);
    void streaming.write('first words', 'partial');
    void finished.write('earlier text', 'partial');
    await vi.advanceTimersByTimeAsync(6000);
    recording.writes.length = 0;

    // While another write is in flight, everything below has to wait and be ordered.
    void channel.newMessage(recording.port).write('in flight', 'final');
    void streaming.write('first words and more', 'partial');
    void oldTurn.write('disabled buttons', 'background');
    void streaming.write('first words and more still', 'partial');
    void finished.write('earlier text, final', 'final');
    await vi.advanceTimersByTimeAsync(12_000);
    expect(recording.writes.map((write) => write.payload)).toEqual([
      'in flight',
      'earlier text, final',
      'first words and more still',
      'disabled buttons',
    ]);
  });

  it('lets a low-priority write through after its maximum delay even while streaming goes on', async () => {
    const recording = createRecordingPort({ latencyMs: 10 });
    const channel = scheduler({ lowPriorityMaxDelayMs: 3000 });
    const streaming = channel.newMessage(recording.port);
    const oldTurn = channel.existingMessage(recording.port, 'old');
    void streaming.write('start', 'partial');
    await vi.advanceTimersByTimeAsync(0);
    void oldTurn.write('disabled buttons', 'background');
    const { final } = await stream((content, isFinal) => streaming.write(content, isFinal ? 'final' : 'partial'), 8000, 50);
    await vi.advanceTimersByTimeAsync(10_000);
    await final;
    const background = recording.writes.find((write) => write.payload === 'disabled buttons');
    expect(background?.startedAt).toBeGreaterThanOrEqual(3000);
    expect(background?.startedAt).toBeLessThan(8000);
  });

  it('rejects a failed final write, but only logs a failed partial edit and carries on', async () => {
    const failing = new Set(['boom partial', 'boom final']);
    const recording = createRecordingPort({
      fail: (write) => (failing.has(write.payload) ? new Error(`50013 Missing Permissions: ${write.payload}`) : undefined),
    });
    const message = scheduler().newMessage(recording.port);
    const hello = message.write('hello', 'partial');
    await vi.advanceTimersByTimeAsync(STREAM_INTERVAL_MS);
    await hello;
    const partial = message.write('boom partial', 'partial');
    await vi.advanceTimersByTimeAsync(0);
    await expect(partial).resolves.toBeUndefined();
    const final = message.write('boom final', 'final');
    const rejection = expect(final).rejects.toThrow('50013');
    await vi.advanceTimersByTimeAsync(0);
    await rejection;
    const retry = message.write('fine', 'final');
    await vi.advanceTimersByTimeAsync(0);
    await expect(retry).resolves.toBeUndefined();
    expect(recording.writes.map((write) => [write.payload, write.failed])).toEqual([
      ['hello', false],
      ['boom partial', true],
      ['boom final', true],
      ['fine', false],
    ]);
  });

  it('fails every later final of a message whose create failed, without sending anything', async () => {
    const recording = createRecordingPort({ latencyMs: 10, fail: (write) => (write.kind === 'send' ? new Error('10003 Unknown Channel') : undefined) });
    const message = scheduler().newMessage(recording.port);
    const first = message.write('hello', 'partial');
    const queuedFinal = message.write('hello world', 'final');
    const rejection = expect(queuedFinal).rejects.toThrow('10003');
    await vi.advanceTimersByTimeAsync(10);
    await expect(first).resolves.toBeUndefined();
    await rejection;
    await expect(message.write('again', 'final')).rejects.toThrow('10003');
    expect(recording.writes.length).toBe(1);
  });

  it('waits for writes to land in whenIdle', async () => {
    const recording = createRecordingPort({ latencyMs: 40 });
    const channel = scheduler();
    void channel.newMessage(recording.port).write('one', 'final');
    let idle = false;
    void channel.whenIdle().then(() => {
      idle = true;
    });
    await vi.advanceTimersByTimeAsync(20);
    expect(idle).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    expect(idle).toBe(true);
  });
});

describe('scheduler registry', () => {
  it('hands out one scheduler per channel', () => {
    const registry = createSchedulerRegistry({ logger });
    expect(registry.getScheduler('1')).toBe(registry.getScheduler('1'));
    expect(registry.getScheduler('1')).not.toBe(registry.getScheduler('2'));
  });
});
