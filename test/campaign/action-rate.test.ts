import { describe, expect, it } from 'vitest';
import { createActionRate } from '../../src/campaign/action-rate.ts';

function clock(start = 1_000_000) {
  let time = start;
  return { now: () => time, advance: (milliseconds: number) => void (time += milliseconds) };
}

describe('the per-player action rate', () => {
  it('takes a player’s actions up to the rate, then says when they can act again', () => {
    const time = clock();
    const rate = createActionRate({ perMinute: 2, now: time.now });
    const alice = { guildId: 'g', playerId: 'alice' };
    expect(rate.take(alice)).toBeNull();
    time.advance(10_000);
    expect(rate.take(alice)).toBeNull();
    time.advance(5_000);
    expect(rate.take(alice)?.getTime()).toBe(1_000_000 + 60_000);
    // A refused action costs nothing: the time stays the same.
    time.advance(20_000);
    expect(rate.take(alice)?.getTime()).toBe(1_000_000 + 60_000);
    time.advance(25_000);
    expect(rate.take(alice)).toBeNull();
    expect(rate.take(alice)?.getTime()).toBe(1_010_000 + 60_000);
  });

  it('counts each player of each server apart', () => {
    const time = clock();
    const rate = createActionRate({ perMinute: 1, now: time.now });
    expect(rate.take({ guildId: 'g', playerId: 'alice' })).toBeNull();
    expect(rate.take({ guildId: 'g', playerId: 'bob' })).toBeNull();
    expect(rate.take({ guildId: 'h', playerId: 'alice' })).toBeNull();
    expect(rate.take({ guildId: 'g', playerId: 'alice' })).not.toBeNull();
  });

  it('is unlimited at 0', () => {
    const rate = createActionRate({ perMinute: 0 });
    for (let index = 0; index < 100; index += 1) expect(rate.take({ guildId: 'g', playerId: 'alice' })).toBeNull();
  });

  it('forgets players whose window has passed, and never remembers more than its bound', () => {
    const time = clock();
    const rate = createActionRate({ perMinute: 1, now: time.now, maxPlayers: 3 });
    for (const playerId of ['a', 'b', 'c', 'd', 'e']) expect(rate.take({ guildId: 'g', playerId })).toBeNull();
    // 'a' and 'b' were forgotten to keep the bound: at worst they may act again sooner.
    expect(rate.take({ guildId: 'g', playerId: 'a' })).toBeNull();
    expect(rate.take({ guildId: 'g', playerId: 'e' })).not.toBeNull();
    time.advance(60_000);
    expect(rate.take({ guildId: 'g', playerId: 'e' })).toBeNull();
  });
});
