import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';

const required = { DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'key' };

describe('budget configuration', () => {
  it('is unlimited by default, except six actions a minute per player, and prices nothing', () => {
    const result = parseConfig(required);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.budgets).toEqual({ dailyTokensPerGuild: 0, dailyTokensPerChannel: 0, actionsPerMinutePerPlayer: 6 });
    expect(result.config.prices.size).toBe(0);
  });

  it('reads the ceilings and the prices: three numbers, or two when cached input costs as much as input', () => {
    const result = parseConfig({
      ...required,
      DAILY_TOKENS_PER_GUILD: '2000000',
      DAILY_TOKENS_PER_CHANNEL: '250000',
      ACTIONS_PER_MINUTE_PER_PLAYER: '0',
      LLM_PRICES: 'gpt-4.1-mini=0.40/0.10/1.60, meta-llama/Llama-3.1-8B=0.05/0.08 ,llama3.1:8b=0/0/0',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.budgets).toEqual({ dailyTokensPerGuild: 2_000_000, dailyTokensPerChannel: 250_000, actionsPerMinutePerPlayer: 0 });
    expect(Object.fromEntries(result.config.prices)).toEqual({
      'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
      'meta-llama/Llama-3.1-8B': { input: 0.05, cachedInput: 0.05, output: 0.08 },
      'llama3.1:8b': { input: 0, cachedInput: 0, output: 0 },
    });
  });

  it('names each malformed budget or price with what it expects', () => {
    const result = parseConfig({
      ...required,
      DAILY_TOKENS_PER_GUILD: '-1',
      DAILY_TOKENS_PER_CHANNEL: 'lots',
      ACTIONS_PER_MINUTE_PER_PLAYER: '2.5',
      LLM_PRICES: 'gpt-4.1-mini=0.40/cheap/1.60',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      'DAILY_TOKENS_PER_GUILD is invalid: expected 0 (unlimited) or more',
      'DAILY_TOKENS_PER_CHANNEL is invalid: expected a whole number of tokens (0: unlimited)',
      'ACTIONS_PER_MINUTE_PER_PLAYER is invalid: expected a whole number of actions (0: unlimited)',
      'LLM_PRICES is invalid: "gpt-4.1-mini=0.40/cheap/1.60": expected MODEL=INPUT/CACHED/OUTPUT in dollars per million tokens, comma-separated, e.g. gpt-4.1-mini=0.40/0.10/1.60',
    ]);
  });

  it('refuses a price without a model, with the wrong count of numbers, or twice for one model', () => {
    const problemOf = (prices: string) => {
      const result = parseConfig({ ...required, LLM_PRICES: prices });
      return result.ok ? null : result.problems[0];
    };
    expect(problemOf('=0.1/0.2/0.3')).toMatch(/^LLM_PRICES is invalid: "=0.1\/0.2\/0.3": expected MODEL=/);
    expect(problemOf('gpt-4.1-mini=0.4')).toMatch(/expected MODEL=INPUT\/CACHED\/OUTPUT/);
    expect(problemOf('gpt-4.1-mini=0.4/0.1/1.6/2')).toMatch(/expected MODEL=INPUT\/CACHED\/OUTPUT/);
    expect(problemOf('gpt-4.1-mini 0.4/0.1/1.6')).toMatch(/expected MODEL=INPUT\/CACHED\/OUTPUT/);
    expect(problemOf('a=1/1/1,a=2/2/2')).toBe('LLM_PRICES is invalid: "a" is priced twice');
  });
});
