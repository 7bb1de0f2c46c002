import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TurnNotShownError } from '../campaign/presenter.ts';
import { StoreFailure } from '../campaign/store-failure.ts';
import type { PhaseName, PhaseTiming, TurnUsage } from '../dm/types.ts';
import { LlmError } from '../llm/errors.ts';
import type { LlmErrorKind, TokenUsage } from '../llm/types.ts';
import { classifyRoute, statusClass } from './route-kind.ts';

// What the bot counts for Prometheus, and the one place that decides label values.
//
// Rules. Each bot owns its own Registry (never prom-client's global one), so a process, or a test, may run several
// bots. Label values come only from small fixed sets: phase names, the models of the configuration, error kinds,
// failure and stop reasons, Discord route kinds and status classes. Never a user, channel, guild, turn or message id,
// never a path or URL (interaction and webhook paths carry tokens): a label's set of values must stay as small as the
// configuration, whatever players do. Recording never throws into the caller: a metric is not worth a turn.

/** The phases of a turn, and the summary fold (counted for tokens only). */
export type MetricsPhase = PhaseName | 'whisper' | 'summary';

/** Why a turn taken away ended: the table's stop reasons (table.ts). */
export type StopReasonLabel = 'ended' | 'stopped' | 'restarting' | 'withdrawn';

/** What the gauges read of the tables at each scrape. */
export type TablesStats = {
  /** Tables in memory (a table unused for 10 minutes is let go). */
  loaded: number;
  /** Tables with a turn or a GM narration in the works. */
  playing: number;
  /** Actions acknowledged and not yet in a turn, over the tables in memory. */
  waitingActions: number;
};

export type Metrics = ReturnType<typeof createMetrics>;

/** Every kind but `aborted` (the bot's own abort is not an error of the model). */
const LLM_ERROR_KINDS = ['auth', 'rate_limit', 'timeout', 'server', 'bad_request', 'connection', 'invalid_output'] satisfies LlmErrorKind[];
const FAILURE_REASONS = ['store', 'discord', 'other', ...[...LLM_ERROR_KINDS, 'aborted'].map((kind) => `llm_${kind}`)];

/** Why a turn failed, as a label: the LLM error's kind, the store, Discord, or other. */
export function failureReason(error: unknown): string {
  if (error instanceof StoreFailure) return 'store';
  if (error instanceof TurnNotShownError) return 'discord';
  if (error instanceof LlmError) return `llm_${error.kind}`;
  return 'other';
}

export function createMetrics(input: { models: Readonly<Record<PhaseName, string>>; defaultMetrics?: boolean }) {
  const registry = new Registry();
  const registers = [registry];
  // Node's own: process_resident_memory_bytes, process_cpu_seconds_total, nodejs_eventloop_lag_seconds, heap, GC.
  if (input.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  // A whisper is answered on the response phase's model, a summary fold on the metadata phase's.
  const modelOf = (phase: MetricsPhase): string => (phase === 'summary' ? input.models.metadata : phase === 'whisper' ? input.models.response : input.models[phase]);

  const turnsStarted = new Counter({ name: 'dm_turns_started_total', help: 'Turns begun: the batch was taken and the model called.', registers });
  const turnsCompleted = new Counter({
    name: 'dm_turns_completed_total',
    help: 'Turns delivered: the model answered and the turn was recorded as complete (also when Discord would not show it whole).',
    registers,
  });
  const turnsFailed = new Counter({
    name: 'dm_turns_failed_total',
    help: 'Turns that failed and kept their actions, by reason: llm_<error kind>, store, discord or other.',
    labelNames: ['reason'],
    registers,
  });
  const turnsStopped = new Counter({
    name: 'dm_turns_stopped_total',
    help: 'Turns taken away before delivery, by reason: stopped (GM stop), ended (GM end), withdrawn (X-card), restarting (shutdown).',
    labelNames: ['reason'],
    registers,
  });
  const firstToken = new Histogram({
    name: 'dm_llm_first_token_seconds',
    help: "Per delivered turn and phase: from the phase's request to the model's first token (streamed phases); for options and metadata, to the whole structured answer.",
    labelNames: ['phase', 'model'],
    buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13, 20],
    registers,
  });
  const firstTextOverhead = new Histogram({
    name: 'dm_turn_first_text_overhead_seconds',
    help: "Per delivered streamed turn: from the turn's start (batch taken, model called) to the first write showing narrative text landing in Discord, minus the model's time to the narrative's first token. The bot's own part of the wait.",
    buckets: [0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2, 3, 5],
    registers,
  });
  const finalTextLag = new Histogram({
    name: 'dm_turn_final_text_lag_seconds',
    help: "Per turn: from the response phase's last chunk to the first write showing the complete narrative and response landing in Discord (it usually waits for the options, which come with the final edit).",
    buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.2, 1.5, 2, 3, 5, 8],
    registers,
  });
  const writesPerTurn = new Histogram({
    name: 'dm_turn_discord_writes',
    help: "Per turn shown: message creates and edits of the turn's renderer that Discord accepted (typing and later marks not counted).",
    buckets: [1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30],
    registers,
  });
  const discordResponses = new Counter({
    name: 'dm_discord_responses_total',
    help: 'Responses from the Discord REST API, by route kind and status class (429 apart from other 4xx).',
    labelNames: ['route_kind', 'status_class'],
    registers,
  });
  const discordRateLimited = new Counter({
    name: 'dm_discord_rate_limited_total',
    help: "Times discord.js held a request for a rate limit (its rateLimited event: a bucket's limit reached or a 429), by route kind and whether the limit was global.",
    labelNames: ['route_kind', 'global'],
    registers,
  });
  const llmErrors = new Counter({
    name: 'dm_llm_errors_total',
    help: 'Failed LLM requests by error kind: every failed attempt before the first token (retried or not), and streams broken after it. Aborts by the bot itself are not counted.',
    labelNames: ['kind'],
    registers,
  });
  const llmRetries = new Counter({
    name: 'dm_llm_retries_total',
    help: 'LLM requests sent again after a retryable failure (connection, 429, 5xx), by the kind of that failure.',
    labelNames: ['kind'],
    registers,
  });
  const tokens = new Counter({
    name: 'dm_llm_tokens_total',
    help: 'Tokens the provider reported, by phase (the four of a turn, and summary folds), configured model and type: prompt (cached included), cached, completion.',
    labelNames: ['phase', 'model', 'type'],
    registers,
  });
  const queueWait = new Histogram({
    name: 'dm_table_queue_wait_seconds',
    help: "Time a task waited in its table's queue before it ran: player actions, a turn's begin and delivery, metadata, GM commands. A turn's begin waits here behind everything asked for before it.",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });

  let readTables: (() => TablesStats) | undefined;
  new Gauge({
    name: 'dm_tables_active',
    help: 'Tables with a turn or a GM narration in the works.',
    registers,
    collect() {
      this.set(readTables?.().playing ?? 0);
    },
  });
  new Gauge({
    name: 'dm_tables_loaded',
    help: 'Tables held in memory (let go after 10 idle minutes; their state is in the store).',
    registers,
    collect() {
      this.set(readTables?.().loaded ?? 0);
    },
  });
  new Gauge({
    name: 'dm_actions_waiting',
    help: 'Actions acknowledged and not yet in a turn, over the tables held in memory.',
    registers,
    collect() {
      this.set(readTables?.().waitingActions ?? 0);
    },
  });

  // Every label set that can appear is there from the start at 0, so rate() and the dashboard see a series at once.
  for (const reason of FAILURE_REASONS) turnsFailed.inc({ reason }, 0);
  for (const reason of ['ended', 'stopped', 'restarting', 'withdrawn'] satisfies StopReasonLabel[]) turnsStopped.inc({ reason }, 0);
  for (const kind of LLM_ERROR_KINDS) {
    llmErrors.inc({ kind }, 0);
    llmRetries.inc({ kind }, 0);
  }

  function safely<A extends unknown[]>(record: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        record(...args);
      } catch {
        // A metric is never worth a turn.
      }
    };
  }

  function countTokens(phase: MetricsPhase, usage: TokenUsage | undefined): void {
    if (usage === undefined) return;
    const model = modelOf(phase);
    tokens.inc({ phase, model, type: 'prompt' }, usage.promptTokens);
    tokens.inc({ phase, model, type: 'cached' }, usage.cachedPromptTokens);
    tokens.inc({ phase, model, type: 'completion' }, usage.completionTokens);
  }

  return {
    registry,
    turnStarted: safely(() => turnsStarted.inc()),
    /**
     * A turn delivered. `startedAt` and `firstTextAt` are performance.now() values: when the turn started and when its
     * first write showing text landed (undefined: none did, e.g. without streaming the first write is the final one).
     */
    turnCompleted: safely((input?: { timings: Partial<Record<PhaseName, PhaseTiming>>; startedAt: number; firstTextAt: number | undefined }) => {
      turnsCompleted.inc();
      const firstTokenMs = input?.timings.narrative?.firstTokenMs;
      if (input?.firstTextAt === undefined || firstTokenMs === undefined) return;
      firstTextOverhead.observe(Math.max(0, input.firstTextAt - input.startedAt - firstTokenMs) / 1000);
    }),
    turnFailed: safely((error: unknown) => turnsFailed.inc({ reason: failureReason(error) })),
    turnStopped: safely((reason: StopReasonLabel) => turnsStopped.inc({ reason })),
    /** A delivered turn's phases have all reported (metadata last): first tokens and tokens by phase and model. */
    turnReported: safely((result: { usage: TurnUsage; timings: Partial<Record<PhaseName, PhaseTiming>> }) => {
      for (const [phase, timing] of Object.entries(result.timings) as [PhaseName, PhaseTiming | undefined][]) {
        if (timing?.firstTokenMs !== undefined) firstToken.observe({ phase, model: modelOf(phase) }, timing.firstTokenMs / 1000);
      }
      for (const [phase, usage] of Object.entries(result.usage) as [PhaseName, TokenUsage | undefined][]) countTokens(phase, usage);
    }),
    summaryTokens: safely((usage: TokenUsage | undefined) => countTokens('summary', usage)),
    whisperTokens: safely((usage: TokenUsage | undefined) => countTokens('whisper', usage)),
    turnWrites: safely((count: number) => writesPerTurn.observe(count)),
    finalTextLag: safely((seconds: number) => finalTextLag.observe(seconds)),
    /** Any Discord REST response; the path is classified here and goes no further. */
    discordResponse: safely((path: string, status: number) => discordResponses.inc({ route_kind: classifyRoute(path), status_class: statusClass(status) })),
    discordRateLimited: safely((route: string, global: boolean) => discordRateLimited.inc({ route_kind: classifyRoute(route), global: String(global) })),
    llmError: safely((kind: LlmErrorKind) => {
      if (kind !== 'aborted') llmErrors.inc({ kind });
    }),
    llmRetry: safely((kind: LlmErrorKind) => llmRetries.inc({ kind })),
    queueWait: safely((seconds: number) => queueWait.observe(seconds)),
    /** The gauges read the tables through this at each scrape. */
    watchTables(read: () => TablesStats): void {
      readTables = read;
    },
  };
}
