import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { registerCommands } from '../src/register-commands.ts';
import { startDiscordEmulator, type DiscordEmulator, type InteractionView } from '../test/support/discord-emulator/index.ts';
import { startFakeOpenAi } from '../test/support/fake-openai.ts';
import { benchPremise, createBenchModel } from './bench-model.ts';
import { AFTER_TURN_SETTLE_MS, BOT_SETTLE_MS, BUCKET_RESET_WAIT_MS, OPENING_BATCH_SIZE } from './bench-settings.ts';
import { summariseBotLogs, type BotLogSummary } from './bot-log-summary.ts';
import { startBotProcess, type BotStop } from './bot-process.ts';
import { pollUntil } from './poll-until.ts';
import { readProcessUsage, type ProcessUsage } from './process-usage.ts';
import { measureTurns, type Injection, type TurnFigures } from './turn-measurements.ts';

// One scale of the benchmark: a fresh emulator, fake model and bot process; a campaign opened in every channel;
// then one player message per channel, all at the same moment, and what followed.

export type ScaleResult = {
  channels: number;
  figures: TurnFigures;
  /** Once connected, before any campaign: the bot's floor. */
  usageAtStart: ProcessUsage;
  usageBefore: ProcessUsage;
  usageAfter: ProcessUsage;
  warnings: BotLogSummary['warnings'];
  rateLimits: BotLogSummary['rateLimits'];
  /** How late the bench process's own timers ran (the emulator and the fake model share it), p99 and max. */
  benchLoopDelayMs: { p99: number; max: number };
  stop: BotStop;
  stderr: string[];
};

/** Service managers kill after about 10 s: on SIGTERM the bot must exit 0 within that. */
const SIGTERM_LIMIT_MS = 10_000;

/** A bot message created since `since` with buttons one can click: that channel's turn is over. */
const hasLiveButtons = (discord: DiscordEmulator, channelId: string, since: number) =>
  discord
    .messages(channelId)
    .some(
      (message) => message.authorId === discord.bot.id && message.createdAt >= since && message.buttons.some((button) => !button.disabled),
    );

async function openCampaigns(discord: DiscordEmulator, channelIds: readonly string[]): Promise<void> {
  for (let start = 0; start < channelIds.length; start += OPENING_BATCH_SIZE) {
    const handles = channelIds
      .slice(start, start + OPENING_BATCH_SIZE)
      .map((channel) => discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: benchPremise(channel) } }));
    // The GM's answer is private; the table's is the public follow-up announcing the campaign.
    const announced = (view: InteractionView) => view.original?.loading === false && view.followUps.length > 0;
    const views = await Promise.all(handles.map((handle) => handle.reply(announced, { timeoutMs: 15_000 })));
    const refused = views.find((view) => !view.followUps.some((message) => message.content.includes('A new campaign begins')));
    if (refused !== undefined) throw new Error(`/gm start was not answered as expected: ${refused.original?.content ?? 'no answer'}`);
  }
  await pollUntil(() => channelIds.every((channelId) => hasLiveButtons(discord, channelId, 0)), {
    timeoutMs: 120_000,
    description: 'the opening scene of every campaign',
  });
}

export async function runScale(channelCount: number, progress: (line: string) => void): Promise<ScaleResult> {
  const channelNames = Array.from({ length: channelCount }, (_, index) => `table-${String(index + 1).padStart(3, '0')}`);
  const discord = await startDiscordEmulator({ channels: channelNames });
  const openai = await startFakeOpenAi();
  const model = createBenchModel();
  openai.respondWith(model.responder);
  const directory = await mkdtemp(join(tmpdir(), 'dm-bench-'));
  // As `npm run deploy-commands` does, before the bot starts: the emulator dispatches only registered commands.
  await registerCommands({ apiUrl: discord.apiUrl, token: discord.token, guildId: discord.guild.id });
  const bot = startBotProcess({
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: 'bench',
    STORE_URL: `sqlite://${join(directory, 'dm.sqlite')}`,
    LOG_LEVEL: 'warn',
    LLM_MAX_RETRIES: '0',
    // A diagnostic knob: does a V8 flag (e.g. --max-semi-space-size=4) change the bot's peak memory or CPU time?
    ...(process.env['BENCH_BOT_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['BENCH_BOT_NODE_OPTIONS'] } : {}),
  });
  let stop: BotStop | undefined;
  try {
    await Promise.race([discord.waitForGatewaySession({ timeoutMs: 20_000 }), bot.unexpectedExit]);
    await delay(BOT_SETTLE_MS);
    const usageAtStart = await readProcessUsage(bot.pid);
    const channelIds = channelNames.map((name) => discord.channels[name]?.id ?? name);

    progress(`${channelCount} ch: opening ${channelCount} campaign(s)`);
    await Promise.race([openCampaigns(discord, channelIds), bot.unexpectedExit]);
    await delay(BUCKET_RESET_WAIT_MS);

    progress(`${channelCount} ch: measuring one turn per channel`);
    const usageBefore = await readProcessUsage(bot.pid);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const players = ['alice', 'bob', 'carol'];
    const injections: Injection[] = channelIds.map((channelId, index) => {
      const injectedAt = Date.now();
      const user = players[index % players.length] ?? 'alice';
      discord.userMessage({ channel: channelId, user, content: 'I search the room for a hidden door' });
      return { channelId, injectedAt };
    });
    const firstInjection = injections[0]?.injectedAt ?? Date.now();
    await Promise.race([
      pollUntil(() => injections.every(({ channelId, injectedAt }) => hasLiveButtons(discord, channelId, injectedAt)), {
        timeoutMs: 120_000,
        description: 'the option buttons of every measured turn',
      }),
      bot.unexpectedExit,
    ]);
    // The scene metadata call runs in the background of the turn; its CPU time belongs to the turn too.
    await Promise.all(model.calls.filter((call) => call.requestedAt >= firstInjection).map((call) => call.done));
    await delay(AFTER_TURN_SETTLE_MS);
    const usageAfter = await readProcessUsage(bot.pid);
    loopDelay.disable();
    const windowEnd = Date.now();

    const figures = measureTurns({ requests: discord.requests, calls: model.calls, injections, windowEnd });
    stop = await bot.stop(SIGTERM_LIMIT_MS);
    return {
      channels: channelCount,
      figures,
      usageAtStart,
      usageBefore,
      usageAfter,
      ...summariseBotLogs(bot.logs, firstInjection, windowEnd),
      benchLoopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
      stop,
      stderr: bot.stderr,
    };
  } catch (error) {
    // Whatever went wrong, the bot's own last words usually say why.
    const lastLogs = bot.logs.slice(-5).map((line) => JSON.stringify(line).slice(0, 600));
    const reason = error instanceof Error ? error.message : String(error);
    const botSide = `bot's last log lines:\n${lastLogs.join('\n')}\nbot's stderr:\n${bot.stderr.slice(-10).join('\n')}`;
    throw new Error(`${channelCount} ch: ${reason}\n${botSide}`, { cause: error });
  } finally {
    if (stop === undefined) await bot.stop(SIGTERM_LIMIT_MS);
    await discord.stop();
    await openai.close();
    await rm(directory, { recursive: true, force: true });
  }
}
