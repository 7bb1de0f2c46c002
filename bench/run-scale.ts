import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { AFTER_TURN_SETTLE_MS, BUCKET_RESET_WAIT_MS } from './bench-settings.ts';
import { hasLiveButtons, openCampaigns, withBenchRig } from './bench-rig.ts';
import { summariseBotLogs, type BotLogSummary } from './bot-log-summary.ts';
import type { BotStop } from './bot-process.ts';
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

export async function runScale(channelCount: number, progress: (line: string) => void): Promise<ScaleResult> {
  return await withBenchRig(`${channelCount} ch`, channelCount, async ({ discord, model, bot, channelIds, unlessBotExits, stopBot }) => {
    const usageAtStart = await readProcessUsage(bot.pid);

    progress(`${channelCount} ch: opening ${channelCount} campaign(s)`);
    await unlessBotExits(openCampaigns(discord, channelIds));
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
    await unlessBotExits(
      pollUntil(() => injections.every(({ channelId, injectedAt }) => hasLiveButtons(discord, channelId, injectedAt)), {
        timeoutMs: 120_000,
        description: 'the option buttons of every measured turn',
      }),
    );
    // The scene metadata call runs in the background of the turn; its CPU time belongs to the turn too.
    await Promise.all(model.calls.filter((call) => call.requestedAt >= firstInjection).map((call) => call.done));
    await delay(AFTER_TURN_SETTLE_MS);
    const usageAfter = await readProcessUsage(bot.pid);
    loopDelay.disable();
    const windowEnd = Date.now();

    const figures = measureTurns({ requests: discord.requests, calls: model.calls, injections, windowEnd });
    const stop = await stopBot();
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
  });
}
