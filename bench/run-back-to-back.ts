import { setTimeout as delay } from 'node:timers/promises';
import type { DiscordEmulator } from '../test/support/discord-emulator/index.ts';
import { backToBack } from './bench-settings.ts';
import { startCampaigns, withBenchRig } from './bench-rig.ts';
import { summariseBotLogs, type BotLogSummary } from './bot-log-summary.ts';
import { isEnabledButtonsWrite, measureBackToBack, type BackToBackFigures, type BackToBackInjection } from './turn-measurements.ts';

// The back-to-back scenario: a fresh emulator, fake model and bot process; a campaign opened in every channel; then in
// every channel the player answers one second after the emulator recorded the previous turn's final edit (the write
// that first shows its enabled option buttons), starting with the opening scene, for a few turns in a row. Unlike the
// single-turn scenario, the previous turn's scene metadata may still be on its way, and from the second measured turn
// on the channel's bucket has not had time to reset: the opening streams through the /gm start interaction's webhook,
// outside the channel's budget, so the first measured turn finds the channel's writes unspent by the turn before it.

export type BackToBackResult = {
  channels: number;
  figures: BackToBackFigures;
  warnings: BotLogSummary['warnings'];
  rateLimits: BotLogSummary['rateLimits'];
  stderr: string[];
};

/** How long any one turn (the opening included) may take to show its buttons before the run is given up. */
const TURN_TIMEOUT_MS = 60_000;

type FinalEditWatch = {
  /** Emulator arrival of the channel's first write with enabled option buttons at or after `since`. */
  after(channelId: string, since: number, description: string, signal: AbortSignal): Promise<number>;
};

/**
 * Reads the emulator's request log as it grows (each request looked at once), a calm poll rather than a check on every
 * request: the answer is timed from the recorded arrival of the final edit, not from when the poll noticed it.
 */
function watchFinalEdits(discord: DiscordEmulator): FinalEditWatch {
  const arrivals = new Map<string, number[]>();
  let cursor = 0;
  const scan = () => {
    const { requests } = discord;
    for (; cursor < requests.length; cursor += 1) {
      const request = requests[cursor];
      if (request?.channelId === undefined || !isEnabledButtonsWrite(request)) continue;
      arrivals.set(request.channelId, [...(arrivals.get(request.channelId) ?? []), request.at]);
    }
  };
  return {
    async after(channelId, since, description, signal) {
      const deadline = Date.now() + TURN_TIMEOUT_MS;
      for (;;) {
        scan();
        const found = arrivals.get(channelId)?.find((at) => at >= since);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`waited ${TURN_TIMEOUT_MS} ms for the final edit of ${description} in channel ${channelId}`);
        await delay(backToBack.pollIntervalMs, undefined, { signal });
      }
    },
  };
}

/** One channel's player: answers the opening, then each turn, `answerAfterFinalEditMs` after its final edit. */
async function playTurnsInARow(
  discord: DiscordEmulator,
  finalEdits: FinalEditWatch,
  channelId: string,
  user: string,
  since: number,
  signal: AbortSignal,
): Promise<BackToBackInjection[]> {
  const injections: BackToBackInjection[] = [];
  let previousFinalEditAt = await finalEdits.after(channelId, since, 'the opening scene', signal);
  for (let turn = 1; turn <= backToBack.turns; turn += 1) {
    await delay(Math.max(0, previousFinalEditAt + backToBack.answerAfterFinalEditMs - Date.now()), undefined, { signal });
    const injectedAt = Date.now();
    discord.userMessage({ channel: channelId, user, content: 'I search the room for a hidden door' });
    injections.push({ channelId, injectedAt, previousFinalEditAt });
    previousFinalEditAt = await finalEdits.after(channelId, injectedAt, `turn ${turn}`, signal);
  }
  return injections;
}

export async function runBackToBack(channelCount: number, progress: (line: string) => void): Promise<BackToBackResult> {
  const label = `back-to-back, ${channelCount} ch`;
  return await withBenchRig(label, channelCount, async ({ discord, model, bot, channelIds, unlessBotExits }) => {
    progress(`${label}: opening ${channelCount} campaign(s), then ${backToBack.turns} turns in a row per channel`);
    const finalEdits = watchFinalEdits(discord);
    const quit = new AbortController();
    const since = discord.clock.now();
    const players = ['alice', 'bob', 'carol'];
    const playing = Promise.all(
      channelIds.map((channelId, index) =>
        playTurnsInARow(discord, finalEdits, channelId, players[index % players.length] ?? 'alice', since, quit.signal),
      ),
    );
    // Seen through unlessBotExits below; without this a failure elsewhere would leave it unhandled.
    playing.catch(() => undefined);
    let injections: BackToBackInjection[];
    try {
      await unlessBotExits(startCampaigns(discord, channelIds));
      injections = (await unlessBotExits(playing)).flat();
    } finally {
      quit.abort();
    }
    const firstInjection = Math.min(...injections.map((injection) => injection.injectedAt));
    // The last turns' scene metadata runs in their background; its requests belong to the window.
    await Promise.all(model.calls.filter((call) => call.requestedAt >= firstInjection).map((call) => call.done));
    const windowEnd = Date.now();
    const figures = measureBackToBack({ requests: discord.requests, calls: model.calls, injections, windowEnd });
    return { channels: channelCount, figures, ...summariseBotLogs(bot.logs, firstInjection, windowEnd), stderr: bot.stderr };
  });
}
