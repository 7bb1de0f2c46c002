import type { PhaseModels } from '../dm/orchestrator.ts';
import type { PhaseName, TurnUsage } from '../dm/types.ts';
import type { TokenUsage } from '../llm/types.ts';

// The arithmetic of spending: UTC days and months, adding a turn's usage to a record, tokens and cost, and which
// budget is spent. No state and no clock of its own: the ledger (spending-ledger.ts) passes the time in.

/** The operator's ceilings (environment); 0 is unlimited. */
export type Budgets = { dailyTokensPerGuild: number; dailyTokensPerChannel: number; actionsPerMinutePerPlayer: number };

/** Dollars per million tokens. */
export type ModelPrice = { input: number; cachedInput: number; output: number };

/** The four phases of a turn, the private answers to whispers, and the summary folds that keep the prompt bounded. */
export type SpendingPhase = PhaseName | 'whisper' | 'summary';

export const SPENDING_PHASES: readonly SpendingPhase[] = ['narrative', 'response', 'options', 'metadata', 'whisper', 'summary'];

/** Tokens of one phase on one model, as the provider reported them. `promptTokens` includes the cached ones. */
export type SpendingLine = TokenUsage & { phase: SpendingPhase; model: string };

/** What a guild or a channel spent in one period (a UTC day or month). `turns`: delivered turns counted in it. */
export type SpendingRecord = { turns: number; lines: SpendingLine[] };

export type SpendingScope = 'guild' | 'channel';

/** Which budget stops play, and when it is whole again. */
export type SpentBudget = { scope: SpendingScope; used: number; budget: number; resetAt: Date };

/** `2025-01-15`: budgets are per UTC day, the same moment for every server whatever its members' time zones. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** `2025-01`. */
export function utcMonth(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** The next 00:00 UTC: when today's budgets are whole again. */
export function nextUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
}

export function emptyRecord(): SpendingRecord {
  return { turns: 0, lines: [] };
}

/** A turn's usage as lines, each phase with the model configured for it. */
export function linesOfTurn(usage: TurnUsage, models: PhaseModels): SpendingLine[] {
  const lines: SpendingLine[] = [];
  for (const phase of ['narrative', 'response', 'options', 'metadata'] as const) {
    const phaseUsage = usage[phase];
    if (phaseUsage !== undefined) lines.push({ phase, model: models[phase], ...phaseUsage });
  }
  return lines;
}

/** The record with the lines added (one line per phase and model, in phase order) and `turns` more turns. */
export function addToRecord(record: SpendingRecord, lines: readonly SpendingLine[], turns: number): SpendingRecord {
  const merged = record.lines.map((line) => ({ ...line }));
  for (const line of lines) {
    const existing = merged.find((candidate) => candidate.phase === line.phase && candidate.model === line.model);
    if (existing === undefined) {
      merged.push({ ...line });
      continue;
    }
    existing.promptTokens += line.promptTokens;
    existing.cachedPromptTokens += line.cachedPromptTokens;
    existing.completionTokens += line.completionTokens;
  }
  merged.sort((first, second) => SPENDING_PHASES.indexOf(first.phase) - SPENDING_PHASES.indexOf(second.phase) || first.model.localeCompare(second.model));
  return { turns: record.turns + turns, lines: merged };
}

/** What a budget counts: every token the provider billed, prompt (cached included) and completion. */
export function tokensOf(record: SpendingRecord): number {
  return record.lines.reduce((sum, line) => sum + line.promptTokens + line.completionTokens, 0);
}

/** Estimated dollars for the priced models; the models without a price are named, never guessed. */
export function costOf(record: SpendingRecord, prices: ReadonlyMap<string, ModelPrice>): { dollars: number; unpriced: string[] } {
  let dollars = 0;
  const unpriced = new Set<string>();
  for (const line of record.lines) {
    const price = prices.get(line.model);
    if (price === undefined) {
      unpriced.add(line.model);
      continue;
    }
    const cached = Math.min(line.cachedPromptTokens, line.promptTokens);
    dollars += ((line.promptTokens - cached) * price.input + cached * price.cachedInput + line.completionTokens * price.output) / 1_000_000;
  }
  return { dollars, unpriced: [...unpriced] };
}

/**
 * The channel's daily budget: the table's own (set by a GM, never above the operator's ceiling) or the ceiling.
 * The ceiling wins if the operator lowered it after the GM set the table's. 0: unlimited.
 */
export function channelBudget(tableDailyTokens: number | undefined, ceiling: number): number {
  if (tableDailyTokens === undefined || tableDailyTokens <= 0) return ceiling;
  return ceiling > 0 ? Math.min(tableDailyTokens, ceiling) : tableDailyTokens;
}

/** The first budget that today's spending has reached (the channel's before the guild's), or null. */
export function spentBudget(input: {
  now: Date;
  channel: { used: number; budget: number };
  guild: { used: number; budget: number };
}): SpentBudget | null {
  const resetAt = nextUtcDay(input.now);
  for (const scope of ['channel', 'guild'] as const) {
    const { used, budget } = input[scope];
    if (budget > 0 && used >= budget) return { scope, used, budget, resetAt };
  }
  return null;
}
