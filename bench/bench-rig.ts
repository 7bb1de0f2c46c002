import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { registerCommands } from '../src/register-commands.ts';
import { startDiscordEmulator, type DiscordEmulator, type InteractionView } from '../test/support/discord-emulator/index.ts';
import { startFakeOpenAi } from '../test/support/fake-openai.ts';
import { benchPremise, createBenchModel, type BenchModel } from './bench-model.ts';
import { BOT_SETTLE_MS, OPENING_BATCH_SIZE } from './bench-settings.ts';
import { startBotProcess, type BotProcess, type BotStop } from './bot-process.ts';
import { pollUntil } from './poll-until.ts';

// What every scenario of the benchmark runs against: a fresh Discord emulator with N channels, the fake model, and the
// bot as its own process, connected and settled; torn down whatever happens.

export type BenchRig = {
  discord: DiscordEmulator;
  model: BenchModel;
  bot: BotProcess;
  channelIds: string[];
  /** The promise, or the bot's unexpected exit, whichever comes first: no wait outlives a bot that died. */
  unlessBotExits<T>(promise: Promise<T>): Promise<T>;
  /** SIGTERM and the time to exit; the rig does it on its own at the end when the scenario did not. */
  stopBot(): Promise<BotStop>;
};

/** Service managers kill after about 10 s: on SIGTERM the bot must exit 0 within that. */
const SIGTERM_LIMIT_MS = 10_000;

/**
 * Starts everything, runs `scenario` once the bot is connected and settled, and stops everything afterwards. A failure
 * is rethrown under `label`, with the bot's last log lines.
 */
export type BenchRigOptions = {
  /**
   * Keep only the fake model's newest requests in its log, cut as each request arrives. The fake imitates a provider's
   * prefix cache by comparing every request with every earlier one (quadratic); over thousands of requests that
   * saturates the bench process, which serves the emulator too, and delays what the bot is measured on. Its answers
   * do not depend on it, only the cached-token count of their usage does.
   */
  fakeModelLogLimit?: number;
};

export async function withBenchRig<T>(
  label: string,
  channelCount: number,
  scenario: (rig: BenchRig) => Promise<T>,
  options: BenchRigOptions = {},
): Promise<T> {
  const channelNames = Array.from({ length: channelCount }, (_, index) => `table-${String(index + 1).padStart(3, '0')}`);
  const discord = await startDiscordEmulator({ channels: channelNames });
  const openai = await startFakeOpenAi(options.fakeModelLogLimit === undefined ? {} : { keepRequests: options.fakeModelLogLimit });
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
    // Three players act in up to 100 tables at once: a load, not a player's pace.
    ACTIONS_PER_MINUTE_PER_PLAYER: '0',
    // A diagnostic knob: does a V8 flag (e.g. --max-semi-space-size=4) change the bot's peak memory or CPU time?
    ...(process.env['BENCH_BOT_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['BENCH_BOT_NODE_OPTIONS'] } : {}),
  });
  let stop: BotStop | undefined;
  const unlessBotExits = <V>(promise: Promise<V>) => Promise.race([promise, bot.unexpectedExit]);
  try {
    await unlessBotExits(discord.waitForGatewaySession({ timeoutMs: 20_000 }));
    await delay(BOT_SETTLE_MS);
    const channelIds = channelNames.map((name) => discord.channels[name]?.id ?? name);
    return await scenario({
      discord,
      model,
      bot,
      channelIds,
      unlessBotExits,
      async stopBot() {
        stop = await bot.stop(SIGTERM_LIMIT_MS);
        return stop;
      },
    });
  } catch (error) {
    // Whatever went wrong, the bot's own last words usually say why.
    const lastLogs = bot.logs.slice(-5).map((line) => JSON.stringify(line).slice(0, 600));
    const reason = error instanceof Error ? error.message : String(error);
    const botSide = `bot's last log lines:\n${lastLogs.join('\n')}\nbot's stderr:\n${bot.stderr.slice(-10).join('\n')}`;
    throw new Error(`${label}: ${reason}\n${botSide}`, { cause: error });
  } finally {
    if (stop === undefined) await bot.stop(SIGTERM_LIMIT_MS);
    await discord.stop();
    await openai.close();
    await rm(directory, { recursive: true, force: true });
  }
}

/** A bot message created since `since` with buttons one can click: that channel's turn is over. */
export const hasLiveButtons = (discord: DiscordEmulator, channelId: string, since: number) =>
  discord
    .messages(channelId)
    .some(
      (message) => message.authorId === discord.bot.id && message.createdAt >= since && message.buttons.some((button) => !button.disabled),
    );

/** `/gm start` in every channel, a batch at a time; resolves once every campaign has been announced. */
export async function startCampaigns(discord: DiscordEmulator, channelIds: readonly string[]): Promise<void> {
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
}

/** Every campaign started and its opening scene shown with its buttons. */
export async function openCampaigns(discord: DiscordEmulator, channelIds: readonly string[]): Promise<void> {
  await startCampaigns(discord, channelIds);
  await pollUntil(() => channelIds.every((channelId) => hasLiveButtons(discord, channelId, 0)), {
    timeoutMs: 120_000,
    description: 'the opening scene of every campaign',
  });
}
