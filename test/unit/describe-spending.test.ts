import { describe, expect, it } from 'vitest';
import { addToRecord, emptyRecord, type SpendingLine } from '../../src/campaign/spending.ts';
import type { PeriodSpending, SpendingReport } from '../../src/campaign/spending-ledger.ts';
import { budgetSpentRefusal, spendingReportEmbed, tooFastRefusal } from '../../src/discord/describe-spending.ts';

const resetAt = new Date('2025-03-11T00:00:00Z');

function period(lines: SpendingLine[], turns: number, priced = true): PeriodSpending {
  const record = addToRecord(emptyRecord(), lines, turns);
  const tokens = record.lines.reduce((sum, line) => sum + line.promptTokens + line.completionTokens, 0);
  return { record, tokens, cost: priced ? { dollars: 12.5, unpriced: [] } : null };
}

function report(today: PeriodSpending, month: PeriodSpending): SpendingReport {
  return {
    day: '2025-03-10',
    month: '2025-03',
    resetAt,
    channel: { budget: 0, today, month },
    guild: { budget: 1_000_000, today, month },
    tableDailyTokens: undefined,
    budgets: { dailyTokensPerGuild: 1_000_000, dailyTokensPerChannel: 0, actionsPerMinutePerPlayer: 0 },
  };
}

describe('spending in words', () => {
  it('gives the reset as Discord timestamps, so every reader sees their own time', () => {
    expect(budgetSpentRefusal('guild', resetAt)).toBe(
      'Sorry, this server has used its token budget for today. The DM is listening again <t:1741651200:R> (at <t:1741651200:t>), when the budget resets.',
    );
    expect(tooFastRefusal(1, new Date('2025-03-10T12:00:30Z'))).toBe(
      'You are acting faster than the DM can follow (1 action a minute at most). You can act again <t:1741608030:R>.',
    );
  });

  it('shows nothing spent as such, and no cost where no price is set', () => {
    const embed = spendingReportEmbed(report(period([], 0), period([], 0, false))).toJSON();
    expect(embed.description).toContain('**This table:** 0 tokens today, no daily budget');
    expect(embed.description).toContain('**This server:** 0 tokens today, of 1,000,000 a day');
    expect(embed.description).toContain('Players may act without a limit per minute.');
    expect(embed.fields?.map((field) => field.value)).toEqual(['Nothing yet.', 'Nothing yet.', 'Nothing yet.', 'Nothing yet.']);
  });

  it('keeps every field within Discord’s 1024 characters, saying how many lines are left out', () => {
    const lines: SpendingLine[] = Array.from({ length: 60 }, (_, index) => ({
      phase: 'narrative',
      model: `a-rather-long-model-name-for-a-local-server-${index}`,
      promptTokens: 123_456,
      cachedPromptTokens: 100_000,
      completionTokens: 9_999,
    }));
    const embed = spendingReportEmbed(report(period(lines, 60), period(lines, 60))).toJSON();
    for (const field of embed.fields ?? []) {
      expect(field.value.length).toBeLessThanOrEqual(1024);
      expect(field.value).toMatch(/\n…and \d+ more$/);
      expect(field.value.startsWith('60 turns · **')).toBe(true);
      const shown = field.value.split('\n').length - 2;
      expect(field.value).toContain(`…and ${60 - shown} more`);
    }
  });
});
