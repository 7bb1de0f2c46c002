import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGlobalWriteGate, type GatePriority } from '../../src/discord/render/global-write-gate.ts';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('global write gate', () => {
  it('lets requests through at once under the limit, and at most the limit in any second', async () => {
    const gate = createGlobalWriteGate({ perSecond: 3 });
    const granted: number[] = [];
    for (let index = 0; index < 7; index += 1) void gate.acquire('partial').then(() => granted.push(Date.now()));
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toEqual([0, 0, 0]);
    await vi.advanceTimersByTimeAsync(2500);
    expect(granted).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('serves the first words and final texts of turns before streaming edits, and those before courtesies', async () => {
    const gate = createGlobalWriteGate({ perSecond: 2 });
    const order: string[] = [];
    const ask = (priority: GatePriority, name: string) => void gate.acquire(priority).then(() => order.push(name));
    ask('partial', 'fills 1');
    ask('partial', 'fills 2');
    ask('background', 'old buttons');
    ask('partial', 'edit');
    ask('urgent', 'first words');
    await vi.advanceTimersByTimeAsync(3000);
    expect(order).toEqual(['fills 1', 'fills 2', 'first words', 'edit', 'old buttons']);
  });

  it('spreads its requests over a longer window when asked, a margin for requests that reach Discord late', async () => {
    const gate = createGlobalWriteGate({ perSecond: 2, windowMs: 1250 });
    const granted: number[] = [];
    for (let index = 0; index < 5; index += 1) void gate.acquire('partial').then(() => granted.push(Date.now()));
    await vi.advanceTimersByTimeAsync(3000);
    expect(granted).toEqual([0, 0, 1250, 1250, 2500]);
  });

  it("serves a turn's first words before other turns' final texts: players see nothing of a turn until it lands", async () => {
    const gate = createGlobalWriteGate({ perSecond: 1 });
    const order: string[] = [];
    await gate.acquire('urgent');
    void gate.acquire('urgent').then(() => order.push('final of a turn shown so far'));
    void gate.acquire('first').then(() => order.push('first words of another turn'));
    await vi.advanceTimersByTimeAsync(2500);
    expect(order).toEqual(['first words of another turn', 'final of a turn shown so far']);
  });

  it('gives up on a request that cannot go soon enough, such as a typing indicator', async () => {
    const gate = createGlobalWriteGate({ perSecond: 1 });
    await gate.acquire('urgent');
    const typing = gate.acquire('background', { maxWaitMs: 250 });
    const text = gate.acquire('urgent');
    await vi.advanceTimersByTimeAsync(300);
    expect(await typing).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await text).toBe(true);
  });
});

describe('global write gate shares', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a fifth of each second from streaming edits, so the first words of a turn go at once in a busy second', async () => {
    const gate = createGlobalWriteGate({ perSecond: 10 });
    const granted: string[] = [];
    for (let index = 0; index < 10; index += 1) void gate.acquire('partial').then(() => granted.push(`edit ${index}`));
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toHaveLength(8);
    void gate.acquire('urgent').then(() => granted.push('first words'));
    void gate.acquire('urgent').then(() => granted.push('final'));
    void gate.acquire('urgent').then(() => granted.push('late final'));
    await vi.advanceTimersByTimeAsync(0);
    expect(granted.slice(8)).toEqual(['first words', 'final']);
    // The next second: the final that found the second full goes first, then the edits that waited.
    await vi.advanceTimersByTimeAsync(1000);
    expect(granted.slice(10)).toEqual(['late final', 'edit 8', 'edit 9']);
  });

  it('serves a courtesy raised to first words at once when the second has room for them, not when the oldest request ages out', async () => {
    const gate = createGlobalWriteGate({ perSecond: 4 });
    await gate.acquire('background');
    await gate.acquire('background');
    // Courtesies are at their half of the second: this one waits, and the channel's next write (a turn's first words) waits behind it.
    const ticket = gate.request('background');
    let grantedAt: number | undefined;
    void ticket.granted.then(() => (grantedAt = Date.now()));
    await vi.advanceTimersByTimeAsync(300);
    expect(grantedAt).toBeUndefined();
    ticket.raise('first');
    await vi.advanceTimersByTimeAsync(0);
    expect(grantedAt).toBe(300);
  });

  it('lets courtesies fill only half of a second, so the text asked for right after them goes at once', async () => {
    const gate = createGlobalWriteGate({ perSecond: 4 });
    const typing = [gate.acquire('background'), gate.acquire('background'), gate.acquire('background', { maxWaitMs: 250 })];
    const firstWords = gate.acquire('urgent');
    await vi.advanceTimersByTimeAsync(0);
    expect(await firstWords).toBe(true);
    await vi.advanceTimersByTimeAsync(300);
    expect(await Promise.all(typing)).toEqual([true, true, false]);
  });
});
