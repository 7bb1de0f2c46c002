import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, GatewayIntentBits } from 'discord.js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createCampaignStore } from '../../src/campaign/keyv-campaign-store.ts';
import { StoreFailure } from '../../src/campaign/store-failure.ts';
import { parseConfig } from '../../src/config.ts';
import { LlmError } from '../../src/llm/errors.ts';
import { createHealthCheck } from '../../src/metrics/health.ts';
import { createMetrics, failureReason } from '../../src/metrics/metrics.ts';
import { startMetricsServer } from '../../src/metrics/metrics-server.ts';

const models = { narrative: 'big', response: 'big', options: 'small', metadata: 'small' };

describe('METRICS_PORT', () => {
  const parse = (value: string | undefined) => parseConfig({ DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'key', ...(value === undefined ? {} : { METRICS_PORT: value }) });

  it('is off when unset or empty, a port when set, and 0 for any free port', () => {
    for (const [value, port] of [[undefined, undefined], ['', undefined], ['9464', 9464], ['0', 0], ['65535', 65535]] as const) {
      const result = parse(value);
      expect(result.ok && result.config.metricsPort).toBe(port);
    }
  });

  it('refuses anything but a whole port number, naming the variable', () => {
    for (const value of ['abc', '70000', '-1', '94.64']) {
      const result = parse(value);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems).toEqual([expect.stringMatching(/^METRICS_PORT is invalid: expected .*port number/)]);
    }
  });
});

describe('createMetrics', () => {
  it('gives each bot its own registry, so two bots in one process count apart', async () => {
    const first = createMetrics({ models, defaultMetrics: false });
    const second = createMetrics({ models, defaultMetrics: false });
    first.turnStarted();
    first.turnStarted();
    second.turnStarted();
    expect(await first.registry.getSingleMetricAsString('dm_turns_started_total')).toMatch(/^dm_turns_started_total 2$/m);
    expect(await second.registry.getSingleMetricAsString('dm_turns_started_total')).toMatch(/^dm_turns_started_total 1$/m);
  });

  it('labels tokens and first tokens by phase and configured model, summaries on the metadata model', async () => {
    const metrics = createMetrics({ models, defaultMetrics: false });
    const usage = { promptTokens: 100, completionTokens: 20, cachedPromptTokens: 50 };
    metrics.turnReported({ usage: { narrative: usage, options: usage }, timings: { narrative: { firstTokenMs: 400, durationMs: 900, via: 'stream' } } });
    metrics.summaryTokens(usage);
    const text = await metrics.registry.metrics();
    expect(text).toContain('dm_llm_tokens_total{phase="narrative",model="big",type="prompt"} 100');
    expect(text).toContain('dm_llm_tokens_total{phase="options",model="small",type="cached"} 50');
    expect(text).toContain('dm_llm_tokens_total{phase="summary",model="small",type="completion"} 20');
    expect(text).toContain('dm_llm_first_token_seconds_sum{phase="narrative",model="big"} 0.4');
  });

  it('has every metric the Grafana dashboard queries', async () => {
    const dashboard = JSON.parse(await readFile(new URL('../../deploy/grafana/dungeon-master.json', import.meta.url), 'utf8')) as {
      panels: { type: string; targets?: { expr: string }[] }[];
      templating: { list: { name: string; type: string }[] };
    };
    expect(dashboard.templating.list.find((variable) => variable.type === 'datasource')?.name).toBe('datasource');
    const queried = new Set(
      dashboard.panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => target.expr.match(/\b(dm|process)_\w+/g) ?? [])).map((name) => name.replace(/_(bucket|sum|count)$/, '')),
    );
    const known = new Set((await createMetrics({ models }).registry.getMetricsAsJSON()).map((metric) => metric.name));
    expect([...queried].filter((name) => !known.has(name))).toEqual([]);
    expect(queried.size).toBeGreaterThanOrEqual(14);
  });

  it('names a failure by its cause, from a fixed set', () => {
    expect(failureReason(new LlmError('timeout', 'slow'))).toBe('llm_timeout');
    expect(failureReason(new StoreFailure(new Error('down')))).toBe('store');
    expect(failureReason(new Error('anything at all'))).toBe('other');
  });
});

describe('the metrics server and /healthz', () => {
  it('says 503 with one line while the gateway is not connected, and 404 elsewhere; closes on stop', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'dm-metrics-'));
    const logger = pino({ level: 'silent' });
    const store = await createCampaignStore({ url: `sqlite://${join(directory, 'dm.sqlite')}`, logger });
    // A real discord.js client that never logs in: its gateway is idle.
    const client = new Client({ intents: [GatewayIntentBits.Guilds] });
    const metrics = createMetrics({ models, defaultMetrics: false });
    const health = createHealthCheck({ client, store, isStopping: () => false });
    const server = await startMetricsServer({ port: 0, registry: metrics.registry, health, logger });
    try {
      await expect(store.ping()).resolves.toBeUndefined();
      const answer = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(answer.status).toBe(503);
      expect(await answer.text()).toBe('gateway not connected (Idle)\n');
      const metricsAnswer = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(metricsAnswer.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await metricsAnswer.text()).toContain('# TYPE dm_turns_started_total counter');
      expect((await fetch(`http://127.0.0.1:${server.port}/nothing`)).status).toBe(404);
    } finally {
      await server.close();
      await client.destroy();
      await store.close();
      await rm(directory, { recursive: true, force: true });
    }
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });
});
