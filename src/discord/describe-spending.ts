import { EmbedBuilder, TimestampStyles, time } from 'discord.js';
import type { SpendingScope } from '../campaign/spending.ts';
import type { BudgetWait, PeriodSpending, SpendingReport } from '../campaign/spending-ledger.ts';

// Budgets and spending in words. Times are Discord timestamps, so every reader sees them in their own time zone.

const FIELD_VALUE_LIMIT = 1024;

const numberFormat = new Intl.NumberFormat('en-US');

export function tokens(count: number): string {
  return numberFormat.format(count);
}

/** "in 3 hours (at 00:00)", in the reader's time zone. */
function when(at: Date): string {
  return `${time(at, TimestampStyles.RelativeTime)} (at ${time(at, TimestampStyles.ShortTime)})`;
}

function whose(scope: SpendingScope): string {
  return scope === 'channel' ? 'this table' : 'this server';
}

export function budgetSpentRefusal(scope: SpendingScope, resetAt: Date): string {
  const sooner = scope === 'channel' ? ', or sooner if a GM raises it with `/gm budget`' : '';
  return `Sorry, ${whose(scope)} has used its token budget for today. The DM is listening again ${when(resetAt)}, when the budget resets${sooner}.`;
}

export function tooFastRefusal(perMinute: number, retryAt: Date): string {
  return `You are acting faster than the DM can follow (${perMinute} ${perMinute === 1 ? 'action' : 'actions'} a minute at most). You can act again ${time(retryAt, TimestampStyles.RelativeTime)}.`;
}

/** The table's one public notice when its next turn waits for a budget. */
export function budgetWaitNotice(wait: BudgetWait): string {
  const what = wait.opening
    ? 'The DM will open the scene'
    : `The DM will answer ${wait.waiting === 1 ? 'the waiting action' : `the ${wait.waiting} waiting actions`}`;
  const sooner = wait.spent.scope === 'channel' ? ', or as soon as a GM raises it with `/gm budget`' : '';
  return `⏳ **${capitalise(whose(wait.spent.scope))} has used its token budget for today.** ${what} ${when(wait.spent.resetAt)}, when the budget resets${sooner}.`;
}

/** `/gm budget`: what the table and the server spent today and this month, and the budgets. Shown only to the GM. */
export function spendingReportEmbed(report: SpendingReport): EmbedBuilder {
  const { channel, guild, budgets } = report;
  const own = report.tableDailyTokens !== undefined;
  const ceiling = budgets.dailyTokensPerChannel;
  const tableBudget =
    channel.budget === 0
      ? 'no daily budget'
      : own
        ? `of ${tokens(channel.budget)} a day (the table's own budget; ${ceiling === 0 ? 'no ceiling per channel' : `ceiling ${tokens(ceiling)}`})`
        : `of ${tokens(channel.budget)} a day (the ceiling per channel)`;
  const serverBudget = guild.budget === 0 ? 'no daily budget' : `of ${tokens(guild.budget)} a day`;
  const rate = budgets.actionsPerMinutePerPlayer;
  return new EmbedBuilder()
    .setTitle(`🪙 Spending on ${report.day} (UTC)`)
    .setDescription(
      [
        `**This table:** ${tokens(channel.today.tokens)} tokens today, ${tableBudget}`,
        `**This server:** ${tokens(guild.today.tokens)} tokens today, ${serverBudget}`,
        `Budgets reset ${when(report.resetAt)}. Players may act ${rate === 0 ? 'without a limit per minute' : `${rate} ${rate === 1 ? 'time' : 'times'} a minute each`}.`,
      ].join('\n'),
    )
    .addFields(
      { name: 'This table, today', value: describePeriod(channel.today) },
      { name: `This table, ${report.month}`, value: describePeriod(channel.month) },
      { name: 'This server, today', value: describePeriod(guild.today) },
      { name: `This server, ${report.month}`, value: describePeriod(guild.month) },
    );
}

function describePeriod(period: PeriodSpending): string {
  const { record } = period;
  if (record.lines.length === 0 && record.turns === 0) return 'Nothing yet.';
  const headline = [`${record.turns} ${record.turns === 1 ? 'turn' : 'turns'}`, `**${tokens(period.tokens)} tokens**`];
  if (period.cost !== null) headline.push(describeCost(period.cost));
  const lines = record.lines.map(
    (line) =>
      `${line.phase} · \`${line.model}\`: ${tokens(line.promptTokens)} prompt (${tokens(line.cachedPromptTokens)} cached) · ${tokens(line.completionTokens)} completion`,
  );
  return clipLines([headline.join(' · '), ...lines], FIELD_VALUE_LIMIT);
}

function describeCost(cost: { dollars: number; unpriced: string[] }): string {
  const dollars = cost.dollars >= 1 ? cost.dollars.toFixed(2) : cost.dollars.toFixed(4);
  const unpriced = cost.unpriced.length === 0 ? '' : ` (no price for ${cost.unpriced.map((model) => `\`${model}\``).join(', ')})`;
  return `≈ $${dollars}${unpriced}`;
}

/** Whole lines up to the limit; what does not fit is counted, never cut mid-line. */
function clipLines(lines: string[], limit: number): string {
  let text = '';
  for (const [index, line] of lines.entries()) {
    const next = text === '' ? line : `${text}\n${line}`;
    // Room is kept for saying how many lines are left out after this one.
    const left = lines.length - index - 1;
    const reserve = left > 0 ? `\n…and ${left} more`.length : 0;
    if (next.length + reserve > limit) return `${text}\n…and ${lines.length - index} more`.slice(0, limit);
    text = next;
  }
  return text;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
