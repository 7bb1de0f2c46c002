import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { routeTemplates, type DiscordEmulator, type RecordedRequest } from '../test/support/discord-emulator/index.ts';
import { AFTER_TURN_SETTLE_MS, BUCKET_RESET_WAIT_MS } from './bench-settings.ts';
import { hasLiveButtons, openCampaigns, startCampaigns, withBenchRig, type BenchRig } from './bench-rig.ts';
import { summariseBotLogs, type BotLogSummary } from './bot-log-summary.ts';
import { FAKE_MODEL_LOG_LIMIT, FILL_CONCURRENCY, RSS_SAMPLE_INTERVAL_MS, type LoadSettings } from './load-settings.ts';
import { pollUntil } from './poll-until.ts';
import { readProcessUsage } from './process-usage.ts';
import { isEnabledButtonsWrite, measureBackToBack, measureTurns, type BackToBackInjection, type Injection } from './turn-measurements.ts';

// The sustained-load bench: one bot process, emulator and fake model (bench-rig.ts) with `tables` campaigns opened;
// then turns arriving as a Poisson process at each rate, each at a random table that is not in a turn; then a burst
// of turns started at once by a player's message in each of `burst` idle tables, and one by a click on an option
// button; then more tables opened and played once, until `totalTables` have played a turn, and the bot's memory.

export type LoadPhase = {
  title: string;
  kind: 'rate' | 'burst' | 'fill';
  /** Turns started (player messages or clicks) and those that ended with their option buttons. */
  turns: number;
  completed: number;
  /** As the main bench defines them (turn-measurements.ts), one value per turn. */
  overheadMs: number[];
  finalTextLagMs: number[];
  /**
   * Rates only: the overhead of the turns whose table's previous final edit was at least a channel-bucket window
   * earlier, so that their channel's 5 writes per 5 s cannot have held their first write back.
   */
  overheadBucketFreeMs: number[] | undefined;
  /** Responses with status 429 in the phase's window, by Discord's `global` flag. */
  status429: { global: number; route: number };
  rateLimits: BotLogSummary['rateLimits'];
  warnings: BotLogSummary['warnings'];
  /** Max of the bot's VmRSS sampled every RSS_SAMPLE_INTERVAL_MS over the phase. */
  peakRssKb: number;
  /** Bot CPU time (utime + stime) over the phase's window, divided by the turns that ended. */
  cpuMsPerTurn: number | undefined;
  requestsPerSecond: { mean: number; peak: number };
  /** Poisson arrivals that found every table in a turn (dropped). */
  noIdleTable: number;
  benchLoopDelayMs: { p99: number; max: number };
  seconds: number;
};

export type FillResult = LoadPhase & {
  tablesPlayed: number;
  rssBeforeGcKb: number;
  /** undefined when the bot's heap could not be collected (no inspector). */
  rssAfterGcKb: number | undefined;
  gcNote: string;
};

export type LoadResult = { settings: LoadSettings; phases: LoadPhase[]; fill: FillResult; stderr: string[] };

/** mulberry32: small, fast and seeded; the same seed gives the same arrivals and tables. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The bot's resident memory, sampled; `stop()` gives the largest sample. */
function sampleRss(pid: number): { stop(): Promise<number> } {
  let peakKb = 0;
  const read = async () => {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      peakKb = Math.max(peakKb, kb);
    } catch {
      // The process is gone; the peak so far stands.
    }
  };
  void read();
  const timer = setInterval(() => void read(), RSS_SAMPLE_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await read();
      return peakKb;
    },
  };
}

/**
 * Which tables are in a turn: a table is busy from its player's message (or click) until the emulator records a write
 * showing enabled option buttons at or after it (the final edit). The request log is read as it grows, each request
 * once.
 */
function trackTurns(discord: DiscordEmulator) {
  const startedAt = new Map<string, number>();
  const lastFinalEditAt = new Map<string, number>();
  let cursor = 0;
  const scan = () => {
    const { requests } = discord;
    for (; cursor < requests.length; cursor += 1) {
      const request = requests[cursor];
      if (request?.channelId === undefined || !isEnabledButtonsWrite(request)) continue;
      lastFinalEditAt.set(request.channelId, request.at);
      const started = startedAt.get(request.channelId);
      if (started !== undefined && request.at >= started) startedAt.delete(request.channelId);
    }
  };
  return {
    scan,
    busy: (channelId: string) => startedAt.has(channelId),
    busyCount: () => startedAt.size,
    started(channelId: string, at: number) {
      startedAt.set(channelId, at);
    },
    lastFinalEditAt: (channelId: string) => lastFinalEditAt.get(channelId),
  };
}

type Tracker = ReturnType<typeof trackTurns>;

const PLAYERS = ['alice', 'bob', 'carol'];

/** The emulator's channel bucket (5 writes per 5 s) and the bot's 5.25 s sliding window over it. */
const CHANNEL_WINDOW_MS = 5250;

/** What every phase measures around its turns: CPU, RSS, the bench's own timers. */
async function measurePhase<T>(
  rig: BenchRig,
  run: () => Promise<{ firstStart: number; extra: T }>,
): Promise<{ extra: T; firstStart: number; windowEnd: number; peakRssKb: number; cpuMs: number; benchLoopDelayMs: LoadPhase['benchLoopDelayMs'] }> {
  const before = await readProcessUsage(rig.bot.pid);
  const rss = sampleRss(rig.bot.pid);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const { firstStart, extra } = await run();
  // The scene metadata call runs in the background of each turn; its CPU time and requests belong to the phase.
  await rig.unlessBotExits(Promise.all(rig.model.calls.filter((call) => call.requestedAt >= firstStart).map((call) => call.done)));
  await delay(AFTER_TURN_SETTLE_MS);
  const after = await readProcessUsage(rig.bot.pid);
  loopDelay.disable();
  const peakRssKb = await rss.stop();
  return {
    extra,
    firstStart,
    windowEnd: Date.now(),
    peakRssKb,
    cpuMs: after.cpuMs - before.cpuMs,
    benchLoopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
  };
}

const interactionRoutes: ReadonlySet<string> = new Set([
  routeTemplates.interactionCallback,
  routeTemplates.interactionWebhook,
  routeTemplates.interactionWebhookMessage,
]);

function requestFigures(requests: readonly RecordedRequest[], from: number, to: number) {
  const inWindow = requests.filter((request) => request.at >= from && request.at <= to);
  // What Discord's global limit counts: every request of the bot's token but the interaction callbacks and webhooks.
  const globalLimited = inWindow.filter((request) => request.route === null || !interactionRoutes.has(request.route));
  const perSecond = Array.from({ length: Math.max(1, Math.ceil((to - from) / 1000)) }, () => 0);
  for (const request of globalLimited) {
    const second = Math.floor((request.at - from) / 1000);
    perSecond[second] = (perSecond[second] ?? 0) + 1;
  }
  const refused = inWindow.filter((request) => request.status === 429);
  const global = refused.filter((request) => request.global === true).length;
  return {
    status429: { global, route: refused.length - global },
    requestsPerSecond: { mean: globalLimited.length / Math.max(0.001, (to - from) / 1000), peak: Math.max(0, ...perSecond) },
  };
}

async function waitUntilIdle(rig: BenchRig, tracker: Tracker, description: string): Promise<void> {
  await rig.unlessBotExits(
    pollUntil(
      () => {
        tracker.scan();
        return tracker.busyCount() === 0;
      },
      { timeoutMs: 120_000, description, intervalMs: 50 },
    ),
  );
}

/** Turns arriving as a Poisson process at `rate` per second for `seconds`, each at a random idle table. */
async function runRate(rig: BenchRig, tracker: Tracker, tables: readonly string[], rate: number, settings: LoadSettings): Promise<LoadPhase> {
  const random = seededRandom(settings.seed + Math.round(rate * 1000));
  const injections: BackToBackInjection[] = [];
  let noIdleTable = 0;
  const measured = await measurePhase(rig, async () => {
    const start = Date.now();
    const end = start + settings.secondsPerRate * 1000;
    let due = start;
    for (;;) {
      due += (-Math.log(1 - random()) / rate) * 1000;
      if (due >= end) break;
      // The choice draws its number whether or not a table is idle, so the arrival times stay the seed's.
      const pick = random();
      await rig.unlessBotExits(delay(Math.max(0, due - Date.now())));
      tracker.scan();
      const idle = tables.filter((channelId) => !tracker.busy(channelId));
      const channelId = idle[Math.floor(pick * idle.length)];
      if (channelId === undefined) {
        noIdleTable += 1;
        continue;
      }
      const previousFinalEditAt = tracker.lastFinalEditAt(channelId) ?? start;
      const injectedAt = Date.now();
      rig.discord.userMessage({ channel: channelId, user: PLAYERS[injections.length % PLAYERS.length] ?? 'alice', content: 'I search the room for a hidden door' });
      tracker.started(channelId, injectedAt);
      injections.push({ channelId, injectedAt, previousFinalEditAt });
    }
    await waitUntilIdle(rig, tracker, `the last turns at ${rate} turns/s`);
    return { firstStart: injections[0]?.injectedAt ?? start, extra: undefined };
  });
  const figures = measureBackToBack({ requests: rig.discord.requests, calls: rig.model.calls, injections, windowEnd: measured.windowEnd });
  // A turn's first text is the first write showing narrative after its message, whichever turns are left out here.
  const bucketFree = injections.filter((injection) => injection.injectedAt - injection.previousFinalEditAt >= CHANNEL_WINDOW_MS);
  const bucketFreeFigures = measureBackToBack({ requests: rig.discord.requests, calls: rig.model.calls, injections: bucketFree, windowEnd: measured.windowEnd });
  return {
    overheadBucketFreeMs: bucketFreeFigures.overheadMs,
    title: `${rate} turn${rate === 1 ? '' : 's'}/s`,
    kind: 'rate',
    turns: injections.length,
    completed: figures.completed,
    overheadMs: figures.overheadMs,
    finalTextLagMs: figures.finalTextLagMs,
    ...requestFigures(rig.discord.requests, measured.firstStart, measured.windowEnd),
    ...summariseBotLogs(rig.bot.logs, measured.firstStart, measured.windowEnd),
    peakRssKb: measured.peakRssKb,
    cpuMsPerTurn: figures.completed === 0 ? undefined : measured.cpuMs / figures.completed,
    noIdleTable,
    benchLoopDelayMs: measured.benchLoopDelayMs,
    seconds: (measured.windowEnd - measured.firstStart) / 1000,
  };
}

/** The message of the channel's last turn, with its option buttons still enabled, and the first of them. */
function optionButtonOf(discord: DiscordEmulator, channelId: string): { messageId: string; customId: string } {
  const messages = discord.messages(channelId).filter((message) => message.authorId === discord.bot.id);
  for (const message of messages.reverse()) {
    const button = message.buttons.find((candidate) => !candidate.disabled && candidate.customId?.startsWith('dm:opt:') === true);
    if (button?.customId != null) return { messageId: message.id, customId: button.customId };
  }
  throw new Error(`no enabled option button in channel ${channelId}`);
}

/** `tables.length` turns started at the same moment, each by a player's message or by a click on an option button. */
async function runBurst(rig: BenchRig, tracker: Tracker, tables: readonly string[], by: 'message' | 'click'): Promise<LoadPhase> {
  const { discord } = rig;
  // Every channel bucket reset, as in the main bench's single-turn scenario.
  await delay(BUCKET_RESET_WAIT_MS);
  const buttons = by === 'click' ? tables.map((channelId) => optionButtonOf(discord, channelId)) : [];
  const injections: Injection[] = [];
  const measured = await measurePhase(rig, async () => {
    tables.forEach((channelId, index) => {
      const user = PLAYERS[index % PLAYERS.length] ?? 'alice';
      const injectedAt = Date.now();
      const button = buttons[index];
      if (button === undefined) discord.userMessage({ channel: channelId, user, content: 'I search the room for a hidden door' });
      else discord.clickButton({ channel: channelId, user, messageId: button.messageId, customId: button.customId });
      tracker.started(channelId, injectedAt);
      injections.push({ channelId, injectedAt });
    });
    await waitUntilIdle(rig, tracker, `the option buttons of every turn of the ${by} burst`);
    return { firstStart: injections[0]?.injectedAt ?? Date.now(), extra: undefined };
  });
  const figures = measureTurns({ requests: discord.requests, calls: rig.model.calls, injections, windowEnd: measured.windowEnd });
  return {
    overheadBucketFreeMs: undefined,
    title: `${tables.length} ${by === 'message' ? 'messages' : 'clicks'} at once`,
    kind: 'burst',
    turns: injections.length,
    completed: figures.completed,
    overheadMs: figures.overheadMs,
    finalTextLagMs: figures.finalTextLagMs,
    ...requestFigures(discord.requests, measured.firstStart, measured.windowEnd),
    ...summariseBotLogs(rig.bot.logs, measured.firstStart, measured.windowEnd),
    peakRssKb: measured.peakRssKb,
    cpuMsPerTurn: figures.completed === 0 ? undefined : measured.cpuMs / figures.completed,
    noIdleTable: 0,
    benchLoopDelayMs: measured.benchLoopDelayMs,
    seconds: (measured.windowEnd - measured.firstStart) / 1000,
  };
}

/**
 * A full garbage collection in the bot, which runs as shipped (no --expose-gc): SIGUSR1 opens Node's inspector on
 * 127.0.0.1:9229, and HeapProfiler.collectGarbage runs through it, after checking that the inspector answering is the
 * bot's (Runtime.evaluate of process.pid).
 */
async function collectBotGarbage(pid: number): Promise<string> {
  process.kill(pid, 'SIGUSR1');
  let targets: { webSocketDebuggerUrl?: string }[] = [];
  for (let attempt = 0; attempt < 30 && targets.length === 0; attempt += 1) {
    await delay(100);
    try {
      targets = (await (await fetch('http://127.0.0.1:9229/json/list')).json()) as typeof targets;
    } catch {
      // Not listening yet.
    }
  }
  const url = targets[0]?.webSocketDebuggerUrl;
  if (url === undefined) return 'no inspector on 127.0.0.1:9229';
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let nextId = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      nextId += 1;
      const id = nextId;
      const onMessage = (event: MessageEvent) => {
        const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> };
        if (message.id !== id) return;
        socket.removeEventListener('message', onMessage);
        resolve(message.result ?? {});
      };
      socket.addEventListener('message', onMessage);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    const evaluated = await call('Runtime.evaluate', { expression: 'process.pid', returnByValue: true });
    const seenPid = (evaluated['result'] as { value?: unknown } | undefined)?.value;
    if (seenPid !== pid) return `the inspector on 9229 is not the bot's (pid ${String(seenPid)})`;
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    return 'full GC through the inspector (SIGUSR1), twice';
  } finally {
    socket.close();
  }
}

/** Opens and plays one turn in each of `channels`, FILL_CONCURRENCY tables at a time. */
async function runFill(rig: BenchRig, tracker: Tracker, channels: readonly string[], tablesPlayedBefore: number, progress: (line: string) => void): Promise<FillResult> {
  const { discord } = rig;
  let next = 0;
  let done = 0;
  let completed = 0;
  const measured = await measurePhase(rig, async () => {
    const firstStart = Date.now();
    const worker = async () => {
      for (let index = next; index < channels.length; index = next) {
        next += 1;
        const channelId = channels[index] ?? '';
        await startCampaigns(discord, [channelId]);
        const waitForButtons = (since: number, what: string) =>
          pollUntil(() => hasLiveButtons(discord, channelId, since), { timeoutMs: 120_000, description: `${what} in channel ${channelId}`, intervalMs: 250 });
        await waitForButtons(0, 'the opening scene');
        const injectedAt = Date.now();
        discord.userMessage({ channel: channelId, user: PLAYERS[index % PLAYERS.length] ?? 'alice', content: 'I search the room for a hidden door' });
        tracker.started(channelId, injectedAt);
        await waitForButtons(injectedAt, 'the first turn');
        completed += 1;
        done += 1;
        if (done % 100 === 0) progress(`load: ${tablesPlayedBefore + done} tables have played a turn`);
      }
    };
    await rig.unlessBotExits(Promise.all(Array.from({ length: Math.min(FILL_CONCURRENCY, channels.length) }, worker)));
    return { firstStart, extra: undefined };
  });
  tracker.scan();
  const rssBeforeGcKb = (await readProcessUsage(rig.bot.pid)).rssKb;
  let gcNote: string;
  let rssAfterGcKb: number | undefined;
  try {
    gcNote = await collectBotGarbage(rig.bot.pid);
    if (gcNote.startsWith('full GC')) {
      await delay(500);
      rssAfterGcKb = (await readProcessUsage(rig.bot.pid)).rssKb;
    }
  } catch (error) {
    gcNote = `no GC: ${error instanceof Error ? error.message : String(error)}`;
  }
  return {
    overheadBucketFreeMs: undefined,
    title: `${tablesPlayedBefore + completed} tables`,
    kind: 'fill',
    turns: channels.length,
    completed,
    overheadMs: [],
    finalTextLagMs: [],
    ...requestFigures(discord.requests, measured.firstStart, measured.windowEnd),
    ...summariseBotLogs(rig.bot.logs, measured.firstStart, measured.windowEnd),
    peakRssKb: measured.peakRssKb,
    // Each table's opening scene and its first turn: two turns a table.
    cpuMsPerTurn: completed === 0 ? undefined : measured.cpuMs / (2 * completed),
    noIdleTable: 0,
    benchLoopDelayMs: measured.benchLoopDelayMs,
    seconds: (measured.windowEnd - measured.firstStart) / 1000,
    tablesPlayed: tablesPlayedBefore + completed,
    rssBeforeGcKb,
    rssAfterGcKb,
    gcNote,
  };
}

export async function runLoad(settings: LoadSettings, progress: (line: string) => void): Promise<LoadResult> {
  const channelCount = Math.max(settings.tables, settings.totalTables);
  return await withBenchRig('load', channelCount, async (rig) => {
    const { discord, channelIds } = rig;
    const tables = channelIds.slice(0, settings.tables);
    const tracker = trackTurns(discord);
    const phases: LoadPhase[] = [];
    const startedAt = Date.now();
    const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(0)} s`;

    progress(`load: opening ${tables.length} campaigns`);
    await rig.unlessBotExits(openCampaigns(discord, tables));
    await delay(BUCKET_RESET_WAIT_MS);

    for (const rate of settings.rates) {
      progress(`load: ${rate} turn(s)/s for ${settings.secondsPerRate} s over ${tables.length} tables (${elapsed()})`);
      const phase = await runRate(rig, tracker, tables, rate, settings);
      progress(`load: ${rate} turn(s)/s: ${phase.completed} / ${phase.turns} turns ended with buttons`);
      phases.push(phase);
    }
    const burstTables = (offset: number) => tables.slice(offset, offset + settings.burst);
    progress(`load: ${settings.burst} turns at once by message (${elapsed()})`);
    phases.push(await runBurst(rig, tracker, burstTables(0), 'message'));
    progress(`load: ${settings.burst} turns at once by click (${elapsed()})`);
    phases.push(await runBurst(rig, tracker, burstTables(settings.burst), 'click'));

    const remaining = channelIds.slice(settings.tables, settings.totalTables);
    // A table whose option buttons were written twice or more has played a turn after its opening.
    const finalEdits = new Map<string, number>();
    for (const request of discord.requests) {
      if (request.channelId !== undefined && isEnabledButtonsWrite(request)) finalEdits.set(request.channelId, (finalEdits.get(request.channelId) ?? 0) + 1);
    }
    const playedTurn = tables.filter((channelId) => (finalEdits.get(channelId) ?? 0) >= 2).length;
    progress(`load: opening and playing ${remaining.length} more tables, ${FILL_CONCURRENCY} at a time (${elapsed()})`);
    const fill = await runFill(rig, tracker, remaining, playedTurn, progress);
    progress(`load: done in ${elapsed()}`);
    return { settings, phases, fill, stderr: rig.bot.stderr };
  }, { fakeModelLogLimit: FAKE_MODEL_LOG_LIMIT });
}
