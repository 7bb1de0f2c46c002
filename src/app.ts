import { once } from 'node:events';
import { Events, REST } from 'discord.js';
import { commands } from '../commands/index.ts';
import { createActionRate } from './campaign/action-rate.ts';
import { createCampaignStore } from './campaign/keyv-campaign-store.ts';
import type { Summariser } from './campaign/fold-plan.ts';
import { createSpendingLedger } from './campaign/spending-ledger.ts';
import { createTables, type Tables } from './campaign/tables.ts';
import type { CampaignStore } from './campaign/types.ts';
import type { Config } from './config.ts';
import { createDiscordClient } from './discord/create-client.ts';
import { budgetWaitNotice } from './discord/describe-spending.ts';
import { createDiscordPresenters } from './discord/discord-presenters.ts';
import { createGatewayIntake } from './discord/gateway-intake.ts';
import { createInteractionLanes } from './discord/render/interaction-lanes.ts';
import { createInteractionRouter } from './discord/interaction-router.ts';
import { createMessageIntake } from './discord/message-intake.ts';
import { safeListener } from './discord/safe-listener.ts';
import { createOrchestrator } from './dm/orchestrator.ts';
import { foldIntoSummary } from './dm/summarise.ts';
import { createLlmClient } from './llm/create-llm-client.ts';
import type { LlmClient, TokenUsage } from './llm/types.ts';
import type { Logger } from './logger.ts';
import { watchDiscordRequests } from './discord/discord-metrics.ts';
import { createHealthCheck } from './metrics/health.ts';
import { createMetrics } from './metrics/metrics.ts';
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.ts';

/** At shutdown, after the turns: how long their last writes may take to land. */
const FINAL_WRITES_WAIT_MS = 1000;
/**
 * The longest grace running turns get at shutdown, whatever SHUTDOWN_GRACE_MS says: with the interruption marks
 * (tables.ts) and the last writes after it, the stop must end before the hard exit at 9.5 s (src/index.ts), or the
 * turns would never get their "restarting" mark. Waiting actions are stored when they are taken, so none is lost.
 */
const MAX_SHUTDOWN_GRACE_MS = 6000;
/**
 * discord.js's own throttle for the webhook client: interaction webhooks have per-token buckets, which it still
 * honours; this only keeps its global count from holding them.
 */
const WEBHOOK_REQUESTS_PER_SECOND = 1000;
/** How long the gateway may take to become ready before start-up is declared failed. */
const READY_TIMEOUT_MS = 60_000;

export type RunningBot = {
  store: CampaignStore;
  tables: Tables;
  /** Where /metrics and /healthz answer (`http://127.0.0.1:PORT`); undefined when METRICS_PORT is unset. */
  metricsUrl: string | undefined;
  /** Takes no new actions, lets running turns finish (up to the grace period), then closes everything. */
  stop(): Promise<void>;
};

/** Builds every service and hands each one what it needs; nothing here is global. */
export async function startBot(config: Config, logger: Logger): Promise<RunningBot> {
  const store = await createCampaignStore({ url: config.store.url, logger });
  // Off unless METRICS_PORT is set: then nothing is counted and no default process metrics are collected.
  const metrics = config.metricsPort === undefined ? undefined : createMetrics({ models: config.llm.models });
  const llm = createLlmClient({ ...config.llm, logger, metrics });
  const orchestrator = createOrchestrator({ llm, models: config.llm.models, logger });
  const { apiUrl, globalRequestsPerSecond, shards } = config.discord;
  const client = createDiscordClient({ apiUrl, globalRequestsPerSecond, shards, logger });
  // Turns started by an interaction stream through its webhook (interaction-lanes.ts). Those routes are outside the
  // bot's global limit, so they get a REST client of their own: the client's would hold them behind its global count.
  const webhooks = new REST({ api: apiUrl, globalRequestsPerSecond: WEBHOOK_REQUESTS_PER_SECOND });
  const lanes = createInteractionLanes({ webhooks });
  if (metrics !== undefined) {
    watchDiscordRequests(client.rest, metrics);
    watchDiscordRequests(webhooks, metrics);
  }
  const presenters = createDiscordPresenters({
    client,
    logger,
    editIntervalMs: config.editIntervalMs,
    globalRequestsPerSecond,
    metrics,
    lanes: { offers: lanes, webhooks },
  });
  const spending = createSpendingLedger({
    store,
    budgets: config.budgets,
    models: config.llm.models,
    prices: config.prices,
    logger,
    onWait: (wait) => void presenters.notice(wait.channelId, budgetWaitNotice(wait)).catch(() => undefined),
  });
  const actionRate = createActionRate({ perMinute: config.budgets.actionsPerMinutePerPlayer });
  const summaryModel = config.llm.models.metadata;
  // A fold's tokens count for the channel whose campaign it folds.
  const summarise = (input: Parameters<Summariser>[0], channelId: string) => {
    const counted = countingCompletions(llm, (usage) => {
      metrics?.summaryTokens(usage);
      void spending.recordSummary({ channelId, model: summaryModel, usage });
    });
    return foldIntoSummary({ llm: counted, model: summaryModel, ...input });
  };
  const tables = createTables({ store, orchestrator, presenters, logger, streaming: config.streaming, summarise, spending, actionRate, recapAfterMs: config.recapAfterMs, metrics });
  metrics?.watchTables(() => tables.stats());

  const intake = createGatewayIntake();
  const routeInteraction = createInteractionRouter({
    commands,
    services: { store, tables, spending, logger, gmRoleNames: config.discord.gmRoleNames, lanes, intake },
    logger,
  });
  const takeMessage = createMessageIntake({
    tables,
    notify: (channelId, text) => void presenters.notice(channelId, text).catch(() => undefined),
  });
  // Players' input, in one queue, taken in batches (gateway-intake.ts).
  client.on(Events.InteractionCreate, intake.take(safeListener(logger, Events.InteractionCreate, routeInteraction)));
  client.on(Events.MessageCreate, intake.take(safeListener(logger, Events.MessageCreate, takeMessage)));
  // A channel's permissions changed: a table Discord kept from writing there may play again at once.
  client.on(
    Events.ChannelUpdate,
    safeListener(logger, Events.ChannelUpdate, async (_before, channel) => {
      await tables.of(channel.id).retryHeld();
    }),
  );

  let stopping: Promise<void> | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    // Up before the gateway, so a supervisor sees 503 ("gateway not connected") rather than nothing while it connects.
    if (metrics !== undefined && config.metricsPort !== undefined) {
      const health = createHealthCheck({ client, store, isStopping: () => stopping !== undefined });
      metricsServer = await startMetricsServer({ port: config.metricsPort, registry: metrics.registry, health, logger });
    }
    const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
    await client.login(config.discord.token);
    await ready;
  } catch (error) {
    await metricsServer?.close();
    await client.destroy();
    await store.close();
    throw error;
  }
  logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size, shards }, 'connected to Discord');
  // The guilds of this process's shards, and only those: another process recovers its own.
  await tables.recover([...client.guilds.cache.keys()]);

  return {
    store,
    tables,
    metricsUrl: metricsServer === undefined ? undefined : `http://127.0.0.1:${metricsServer.port}`,
    stop() {
      stopping ??= (async () => {
        await tables.shutdown(Math.min(config.shutdownGraceMs, MAX_SHUTDOWN_GRACE_MS));
        await presenters.drain(FINAL_WRITES_WAIT_MS);
        await client.destroy();
        await store.close();
        await metricsServer?.close();
      })();
      return stopping;
    },
  };
}

/** The client as a summary fold uses it, reporting what each completion cost. */
function countingCompletions(llm: LlmClient, report: (usage: TokenUsage | undefined) => void): LlmClient {
  return {
    stream: (request) => llm.stream(request),
    structured: (request) => llm.structured(request),
    async complete(request) {
      const completion = await llm.complete(request);
      report(completion.usage);
      return completion;
    },
  };
}
