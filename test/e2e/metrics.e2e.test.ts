import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { announced, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';

// METRICS_PORT through the whole product: a turn played through the emulator and the fake model shows in /metrics,
// labelled by phase, model and route kind and never by anything a player or a channel could multiply; /healthz
// follows the gateway and the store.

const OPTIONS_MODEL = 'options-model-test';

let world: BotWorld;
let narrativeRequests = 0;

/** The player's first turn meets one 503 before its answer (retried); an action saying BREAK meets a 400 every time. */
function narrative(request: RecordedRequest) {
  narrativeRequests += 1;
  if (request.messages[1]?.content.includes('BREAK') === true) return reply.error(400, 'this model cannot narrate that');
  if (narrativeRequests === 2) return reply.error(503, 'overloaded');
  return reply.text('The tavern falls silent as the door swings open. Rain hammers the shutters.', { chunkDelayMs: 2 });
}

beforeAll(async () => {
  world = await startBotWorld({
    script: { narrative },
    environment: { METRICS_PORT: '0', DM_OPTIONS_MODEL: OPTIONS_MODEL, LLM_MAX_RETRIES: '1' },
  });
});

afterAll(async () => {
  await world?.close();
});

async function get(path: string): Promise<{ status: number; text: string }> {
  const url = world.bot.metricsUrl;
  if (url === undefined) throw new Error('the bot has no metrics server');
  const response = await fetch(`${url}${path}`);
  return { status: response.status, text: await response.text() };
}

/** The value of one sample: `name` with exactly these labels (in any order). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.keys(found).length !== Object.keys(labels).length) continue;
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/** Reads until `done`, one request at a time (what is measured lands a moment after players see it). */
async function until(path: string, done: (answer: { status: number; text: string }) => boolean, description: string): Promise<{ status: number; text: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await get(path);
    if (done(answer)) return answer;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}; last answer: ${answer.status} ${answer.text.slice(0, 200)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('metrics and health on METRICS_PORT', () => {
  it('counts a played turn by phase and model, with first tokens, tokens, writes and Discord responses', async () => {
    const start = world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'Smugglers in Vell' } });
    await start.reply(announced);
    await waitForOptions(world, 'tavern');
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I follow the smuggler into the fog' });
    await waitForOptions(world, 'tavern', 1);

    // Tokens and first tokens are recorded once the metadata phase has reported too, a moment after the buttons.
    const { text } = await until(
      '/metrics',
      ({ text: scraped }) => sample(scraped, 'dm_llm_first_token_seconds_count', { phase: 'metadata', model: 'gpt-4.1-mini' }) === 2,
      'both turns to have reported their metadata phase',
    );

    expect(sample(text, 'dm_turns_started_total')).toBe(2);
    expect(sample(text, 'dm_turns_completed_total')).toBe(2);
    expect(sample(text, 'dm_turns_failed_total', { reason: 'llm_server' })).toBe(0);
    expect(sample(text, 'dm_turns_stopped_total', { reason: 'stopped' })).toBe(0);
    for (const phase of ['narrative', 'response', 'metadata']) {
      expect(sample(text, 'dm_llm_first_token_seconds_count', { phase, model: 'gpt-4.1-mini' })).toBe(2);
    }
    expect(sample(text, 'dm_llm_first_token_seconds_count', { phase: 'options', model: OPTIONS_MODEL })).toBe(2);
    expect(sample(text, 'dm_llm_first_token_seconds_bucket', { phase: 'narrative', model: 'gpt-4.1-mini', le: '+Inf' })).toBe(2);
    for (const type of ['prompt', 'completion']) {
      expect(sample(text, 'dm_llm_tokens_total', { phase: 'narrative', model: 'gpt-4.1-mini', type })).toBeGreaterThan(0);
      expect(sample(text, 'dm_llm_tokens_total', { phase: 'options', model: OPTIONS_MODEL, type })).toBeGreaterThan(0);
    }
    expect(sample(text, 'dm_turn_discord_writes_count')).toBe(2);
    expect(sample(text, 'dm_turn_discord_writes_sum')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'dm_turn_final_text_lag_seconds_count')).toBe(2);
    expect(sample(text, 'dm_turn_first_text_overhead_seconds_count')).toBe(2);
    expect(sample(text, 'dm_table_queue_wait_seconds_count')).toBeGreaterThan(0);
    expect(sample(text, 'dm_discord_responses_total', { route_kind: 'channel_messages', status_class: '2xx' })).toBeGreaterThan(0);
    expect(sample(text, 'dm_discord_responses_total', { route_kind: 'interaction_callback', status_class: '2xx' })).toBeGreaterThan(0);
    expect(sample(text, 'dm_discord_responses_total', { route_kind: 'interaction_webhook', status_class: '2xx' })).toBeGreaterThan(0);
    expect(sample(text, 'dm_discord_responses_total', { route_kind: 'channel_messages', status_class: '429' })).toBeUndefined();
    expect(sample(text, 'dm_tables_active')).toBe(0);
    expect(sample(text, 'dm_tables_loaded')).toBe(1);
    expect(sample(text, 'dm_actions_waiting')).toBe(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);

    // Nothing a player, a channel or an interaction could multiply, or use, is in a label.
    const ids = [
      world.discord.guild.id,
      ...Object.values(world.discord.channels).map((channel) => channel.id),
      ...Object.values(world.discord.users).map((user) => user.id),
      world.discord.bot.id,
    ];
    const leaks = text.split('\n').filter((line) => ids.some((id) => line.includes(id)) || line.includes('aW50ZXJhY3Rpb24') || line.includes(world.discord.token));
    expect(leaks).toEqual([]);
  });

  it('counts LLM errors by kind, the retry, and the failed turn by reason', async () => {
    world.discord.userMessage({ channel: 'tavern', user: 'bob', content: 'I BREAK the lantern' });
    // The action that failed may be tried once more by the table (it came in while its turn began): wait until no turn
    // is in the works and every started turn has ended.
    const settled = (scraped: string): boolean => {
      const failed = sample(scraped, 'dm_turns_failed_total', { reason: 'llm_bad_request' }) ?? 0;
      // The kept action is written back a moment after the turn is over: the gauge follows it.
      const kept = sample(scraped, 'dm_actions_waiting') === 1;
      return failed >= 1 && kept && sample(scraped, 'dm_tables_active') === 0 && sample(scraped, 'dm_turns_started_total') === 2 + failed;
    };
    const { text } = await until('/metrics', ({ text: scraped }) => settled(scraped), 'the failed turn');
    const failed = sample(text, 'dm_turns_failed_total', { reason: 'llm_bad_request' }) ?? 0;
    expect(sample(text, 'dm_turns_completed_total')).toBe(2);
    expect(sample(text, 'dm_llm_errors_total', { kind: 'bad_request' })).toBeGreaterThanOrEqual(failed);
    expect(sample(text, 'dm_llm_errors_total', { kind: 'server' })).toBe(1);
    expect(sample(text, 'dm_llm_retries_total', { kind: 'server' })).toBe(1);
    expect(sample(text, 'dm_llm_retries_total', { kind: 'bad_request' })).toBe(0);
    // The failed turn's action is kept for the next one.
    expect(sample(text, 'dm_actions_waiting')).toBe(1);
  });

  it('answers 404 off its two paths', async () => {
    expect((await get('/')).status).toBe(404);
    expect((await get('/metrics/extra')).status).toBe(404);
  });

  it('/healthz is 200 while the gateway is connected and the store answers', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, text: 'ok\n' });
  });

  it('/healthz is 503 with one line once the store no longer answers', async () => {
    await world.bot.store.close();
    const health = await get('/healthz');
    expect(health.status).toBe(503);
    expect(health.text).toMatch(/^store (failed: |did not answer within )[^\n]+\n$/);
  });

  it('/healthz is 503 with one line once the gateway is gone for good', async () => {
    // 4004 (authentication failed) is a close discord.js does not reconnect after: the shard stays disconnected.
    await world.discord.closeGateway(4004);
    const health = await until('/healthz', (answer) => answer.status === 503 && answer.text.startsWith('gateway'), '/healthz to report the gateway');
    expect(health.text).toMatch(/^gateway not connected \(\w+\)\n$/);
  });
});
