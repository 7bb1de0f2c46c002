import { describe, expect, it } from 'vitest';
import { nextActionAt } from '../../src/campaign/action-rate.ts';
import {
  addToRecord,
  channelBudget,
  costOf,
  emptyRecord,
  linesOfTurn,
  nextUtcDay,
  spentBudget,
  tokensOf,
  utcDay,
  utcMonth,
  type ModelPrice,
} from '../../src/campaign/spending.ts';

const models = { narrative: 'big', response: 'big', options: 'small', metadata: 'small' };

describe('UTC days and months', () => {
  it('names the day and month in UTC, whatever the local time zone', () => {
    // 23:30 on 31 January in UTC-5 is already 1 February in UTC.
    const at = new Date('2025-01-31T23:30:00-05:00');
    expect(utcDay(at)).toBe('2025-02-01');
    expect(utcMonth(at)).toBe('2025-02');
  });

  it('resets at the next 00:00 UTC, across months and years', () => {
    expect(nextUtcDay(new Date('2025-01-15T10:30:00Z')).toISOString()).toBe('2025-01-16T00:00:00.000Z');
    expect(nextUtcDay(new Date('2025-01-31T23:59:59.999Z')).toISOString()).toBe('2025-02-01T00:00:00.000Z');
    expect(nextUtcDay(new Date('2024-02-28T12:00:00Z')).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(nextUtcDay(new Date('2025-12-31T00:00:00Z')).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    // Exactly midnight is the start of a day: the reset is the next one.
    expect(nextUtcDay(new Date('2025-03-01T00:00:00Z')).toISOString()).toBe('2025-03-02T00:00:00.000Z');
  });
});

describe('records', () => {
  it("adds a turn's phases with their models, merging what was spent on the same phase and model", () => {
    const turn = linesOfTurn(
      {
        narrative: { promptTokens: 1000, cachedPromptTokens: 800, completionTokens: 100 },
        options: { promptTokens: 1200, cachedPromptTokens: 0, completionTokens: 30 },
      },
      models,
    );
    expect(turn).toEqual([
      { phase: 'narrative', model: 'big', promptTokens: 1000, cachedPromptTokens: 800, completionTokens: 100 },
      { phase: 'options', model: 'small', promptTokens: 1200, cachedPromptTokens: 0, completionTokens: 30 },
    ]);
    const once = addToRecord(emptyRecord(), turn, 1);
    const twice = addToRecord(once, turn, 1);
    const withSummary = addToRecord(twice, [{ phase: 'summary', model: 'small', promptTokens: 50, cachedPromptTokens: 0, completionTokens: 20 }], 0);
    expect(withSummary.turns).toBe(2);
    expect(withSummary.lines).toEqual([
      { phase: 'narrative', model: 'big', promptTokens: 2000, cachedPromptTokens: 1600, completionTokens: 200 },
      { phase: 'options', model: 'small', promptTokens: 2400, cachedPromptTokens: 0, completionTokens: 60 },
      { phase: 'summary', model: 'small', promptTokens: 50, cachedPromptTokens: 0, completionTokens: 20 },
    ]);
    // Cached tokens are part of the prompt: counted once.
    expect(tokensOf(withSummary)).toBe(2000 + 200 + 2400 + 60 + 50 + 20);
    // The record added to is left as it was.
    expect(once.lines[0]?.promptTokens).toBe(1000);
  });

  it('keeps a model change within a day apart, in phase order', () => {
    const record = addToRecord(
      addToRecord(emptyRecord(), linesOfTurn({ metadata: { promptTokens: 1, cachedPromptTokens: 0, completionTokens: 1 } }, models), 1),
      linesOfTurn({ narrative: { promptTokens: 2, cachedPromptTokens: 0, completionTokens: 2 } }, { ...models, narrative: 'other' }),
      1,
    );
    expect(record.lines.map((line) => `${line.phase}/${line.model}`)).toEqual(['narrative/other', 'metadata/small']);
  });
});

describe('cost', () => {
  const prices = new Map<string, ModelPrice>([['big', { input: 0.4, cachedInput: 0.1, output: 1.6 }]]);

  it('prices uncached input, cached input and output apart, per million tokens', () => {
    const record = addToRecord(
      emptyRecord(),
      [{ phase: 'narrative', model: 'big', promptTokens: 1_000_000, cachedPromptTokens: 250_000, completionTokens: 500_000 }],
      1,
    );
    const cost = costOf(record, prices);
    expect(cost.dollars).toBeCloseTo(0.75 * 0.4 + 0.25 * 0.1 + 0.5 * 1.6, 10);
    expect(cost.unpriced).toEqual([]);
  });

  it('names the models without a price instead of guessing', () => {
    const record = addToRecord(
      emptyRecord(),
      linesOfTurn(
        {
          narrative: { promptTokens: 1000, cachedPromptTokens: 0, completionTokens: 0 },
          options: { promptTokens: 1000, cachedPromptTokens: 0, completionTokens: 0 },
          metadata: { promptTokens: 1000, cachedPromptTokens: 0, completionTokens: 0 },
        },
        models,
      ),
      1,
    );
    expect(costOf(record, prices)).toEqual({ dollars: 0.0004, unpriced: ['small'] });
  });

  it('never prices more cached tokens than the prompt had', () => {
    const record = addToRecord(emptyRecord(), [{ phase: 'response', model: 'big', promptTokens: 100, cachedPromptTokens: 500, completionTokens: 0 }], 1);
    expect(costOf(record, prices).dollars).toBeCloseTo((100 * 0.1) / 1_000_000, 12);
  });
});

describe('budgets', () => {
  it("takes the table's own budget under the operator's ceiling, and the ceiling when it is lower", () => {
    expect(channelBudget(undefined, 0)).toBe(0);
    expect(channelBudget(undefined, 50_000)).toBe(50_000);
    expect(channelBudget(20_000, 50_000)).toBe(20_000);
    expect(channelBudget(20_000, 0)).toBe(20_000);
    // The operator lowered the ceiling after the GM set the table's budget.
    expect(channelBudget(20_000, 10_000)).toBe(10_000);
  });

  it("reports the channel's budget before the guild's, as spent once used reaches it", () => {
    const now = new Date('2025-05-05T18:00:00Z');
    const resetAt = new Date('2025-05-06T00:00:00Z');
    expect(spentBudget({ now, channel: { used: 999, budget: 1000 }, guild: { used: 5000, budget: 0 } })).toBeNull();
    expect(spentBudget({ now, channel: { used: 1000, budget: 1000 }, guild: { used: 9000, budget: 9000 } })).toEqual({
      scope: 'channel',
      used: 1000,
      budget: 1000,
      resetAt,
    });
    expect(spentBudget({ now, channel: { used: 10, budget: 1000 }, guild: { used: 9001, budget: 9000 } })).toEqual({
      scope: 'guild',
      used: 9001,
      budget: 9000,
      resetAt,
    });
    expect(spentBudget({ now, channel: { used: 10 ** 9, budget: 0 }, guild: { used: 10 ** 9, budget: 0 } })).toBeNull();
  });
});

describe('the per-minute window', () => {
  it('lets a player act until the window is full, then names when the oldest action leaves it', () => {
    expect(nextActionAt([], 0, 3)).toBeNull();
    expect(nextActionAt([1000, 2000], 3000, 3)).toBeNull();
    expect(nextActionAt([1000, 2000, 3000], 3500, 3)).toBe(61_000);
    // Older actions left the window.
    expect(nextActionAt([1000, 2000, 3000], 61_000, 3)).toBeNull();
    expect(nextActionAt([0, 1000, 2000, 30_000, 31_000, 32_000], 40_000, 3)).toBe(90_000);
  });

  it('is unlimited at 0', () => {
    expect(nextActionAt(Array.from({ length: 100 }, (_, index) => index), 100, 0)).toBeNull();
  });
});
