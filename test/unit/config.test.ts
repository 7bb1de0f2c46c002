import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';

const run = promisify(execFile);

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const result = parseConfig({ DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'key' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.discord.apiUrl).toBe('https://discord.com/api');
    expect(result.config.store.url).toBe('sqlite://data/dm.sqlite');
    expect(result.config.streaming).toBe(true);
    expect(result.config.llm.models).toEqual({
      narrative: 'gpt-4.1-mini',
      response: 'gpt-4.1-mini',
      options: 'gpt-4.1-mini',
      metadata: 'gpt-4.1-mini',
    });
    expect(result.config.discord.gmRoleNames).toEqual(['DM', 'GM', 'Dungeon Master', 'Game Master']);
  });

  it('names every missing variable', () => {
    const result = parseConfig({});
    expect(result).toEqual({
      ok: false,
      problems: [
        'DISCORD_TOKEN is missing',
        'OPENAI_API_KEY is missing: required for OpenAI itself (set OPENAI_BASE_URL to use a local server)',
      ],
    });
  });

  it('requires an OpenAI key only when no other server is configured', () => {
    const withoutKey = parseConfig({ DISCORD_TOKEN: 'token' });
    expect(withoutKey.ok).toBe(false);
    if (!withoutKey.ok) expect(withoutKey.problems[0]).toMatch(/^OPENAI_API_KEY is missing/);
    const local = parseConfig({ DISCORD_TOKEN: 'token', OPENAI_BASE_URL: 'http://localhost:11434/v1' });
    expect(local.ok).toBe(true);
  });

  it('explains malformed values by name', () => {
    const result = parseConfig({
      DISCORD_TOKEN: 'token',
      OPENAI_API_KEY: 'key',
      STREAMING: 'maybe',
      STORE_URL: 'postgres://db',
      DISCORD_GUILD_ID: 'not-an-id',
      EDIT_INTERVAL_MS: '-5',
      DISCORD_API_URL: 'not a url',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const names = result.problems.map((problem) => problem.split(' ')[0]).sort();
    expect(names).toEqual(['DISCORD_API_URL', 'DISCORD_GUILD_ID', 'EDIT_INTERVAL_MS', 'STORE_URL', 'STREAMING']);
    expect(result.problems.find((problem) => problem.startsWith('STORE_URL'))).toContain('sqlite://PATH or redis://HOST:PORT');
  });

  it('treats empty values from a copied .env.example as unset', () => {
    const result = parseConfig({ DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'key', DISCORD_GUILD_ID: '', DM_OPTIONS_MODEL: '', STREAMING: 'false', DM_MODEL: 'llama3.1' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.discord.guildId).toBeUndefined();
    expect(result.config.llm.models.options).toBe('llama3.1');
    expect(result.config.streaming).toBe(false);
  });

  it('reads after how many hours a table gets a "previously…", 6 by default, 0 for never', () => {
    const base = { DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'key' };
    const defaults = parseConfig(base);
    expect(defaults.ok && defaults.config.recapAfterMs).toBe(6 * 60 * 60 * 1000);
    const half = parseConfig({ ...base, RECAP_AFTER_HOURS: '0.5' });
    expect(half.ok && half.config.recapAfterMs).toBe(30 * 60 * 1000);
    const never = parseConfig({ ...base, RECAP_AFTER_HOURS: '0' });
    expect(never.ok && never.config.recapAfterMs).toBe(0);
    for (const wrong of ['-1', 'soon', '1e9']) {
      const result = parseConfig({ ...base, RECAP_AFTER_HOURS: wrong });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems[0]).toMatch(/^RECAP_AFTER_HOURS is invalid: expected/);
    }
  });

  it('reads which request fields the LLM server gets, auto by default', () => {
    const defaults = parseConfig({ DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'key' });
    expect(defaults.ok && defaults.config.llm).toMatchObject({ tokenLimitField: 'auto', promptCacheKey: 'auto' });
    const set = parseConfig({ DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'key', LLM_TOKEN_LIMIT_FIELD: 'both', LLM_PROMPT_CACHE_KEY: 'off' });
    expect(set.ok && set.config.llm).toMatchObject({ tokenLimitField: 'both', promptCacheKey: false });
    const wrong = parseConfig({ DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'key', LLM_TOKEN_LIMIT_FIELD: 'n_predict', LLM_PROMPT_CACHE_KEY: 'sometimes' });
    expect(wrong.ok ? [] : wrong.problems).toEqual([
      'LLM_TOKEN_LIMIT_FIELD is invalid: expected auto, max_completion_tokens, max_tokens or both',
      'LLM_PROMPT_CACHE_KEY is invalid: expected auto, true or false',
    ]);
  });

  it('reads the shards: every recommended one by default, or this process\'s share of SHARD_COUNT and of the global limit', () => {
    const base = { DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'key' };
    const defaults = parseConfig(base);
    expect(defaults.ok && defaults.config.discord).toMatchObject({ shards: { count: 'auto', ids: 'all' }, globalRequestsPerSecond: 50 });
    const all = parseConfig({ ...base, SHARD_COUNT: '4' });
    expect(all.ok && all.config.discord).toMatchObject({ shards: { count: 4, ids: 'all' }, globalRequestsPerSecond: 50 });
    const some = parseConfig({ ...base, SHARD_COUNT: '4', SHARD_IDS: '3, 0-1' });
    expect(some.ok && some.config.discord).toMatchObject({ shards: { count: 4, ids: [0, 1, 3] }, globalRequestsPerSecond: 37 });
    // An operator's own figure is theirs to divide.
    const set = parseConfig({ ...base, SHARD_COUNT: '4', SHARD_IDS: '0', DISCORD_GLOBAL_REQUESTS_PER_SECOND: '40' });
    expect(set.ok && set.config.discord.globalRequestsPerSecond).toBe(40);

    expect(parseConfig({ ...base, SHARD_IDS: '0' })).toEqual({ ok: false, problems: ['SHARD_IDS needs SHARD_COUNT: every process must agree on the number of shards'] });
    expect(parseConfig({ ...base, SHARD_COUNT: '2', SHARD_IDS: '1,2' })).toEqual({
      ok: false,
      problems: ['SHARD_IDS is invalid: 2 not below SHARD_COUNT (2); shards are numbered from 0'],
    });
    const malformed = parseConfig({ ...base, SHARD_COUNT: '0', SHARD_IDS: 'one' });
    expect(malformed.ok ? [] : malformed.problems).toEqual([
      'SHARD_COUNT is invalid: expected 1 or more',
      'SHARD_IDS is invalid: expected shard ids such as 0,1 or 0-3',
    ]);
  });

  it('npm start without configuration prints the missing variables and exits 1, without a stack trace', async () => {
    const failure = await run(process.execPath, ['src/index.ts'], { env: { PATH: process.env.PATH ?? '' } }).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect('code' in failure && failure.code).toBe(1);
    expect(failure.stderr).toContain('DISCORD_TOKEN is missing');
    expect(failure.stderr).toContain('OPENAI_API_KEY is missing');
    expect(failure.stderr).not.toMatch(/\n\s+at /);
  });
});
