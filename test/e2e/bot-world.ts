import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type RunningBot } from '../../src/app.ts';
import { parseConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { registerCommands } from '../../src/register-commands.ts';
import { dmResponder, type DmScript } from '../support/dm-script.ts';
import {
  startDiscordEmulator,
  type DiscordEmulator,
  type DiscordEmulatorOptions,
  type InteractionView,
  type MessageSnapshot,
} from '../support/discord-emulator/index.ts';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.ts';

// The whole product on loopback: the real bot (discord.js, openai SDK, SQLite) against the Discord emulator and the
// fake OpenAI server. Tests act as players and GMs through the emulator and read what players would see.

export type BotWorld = {
  discord: DiscordEmulator;
  openai: FakeOpenAi;
  bot: RunningBot;
  config: Config;
  /** Stops the bot as SIGTERM would and starts a new one on the same store and the same Discord. */
  restart(): Promise<void>;
  close(): Promise<void>;
  /** The bot's messages in a channel, oldest first (players' own messages left out). */
  botMessages(channel: string): MessageSnapshot[];
};

export type BotWorldOptions = {
  script?: DmScript;
  /** Extra environment of the bot; a function when it needs the emulator's ids (a role id for GM_ROLE_NAMES…). */
  environment?: Record<string, string> | ((discord: DiscordEmulator) => Record<string, string>);
  /** The guild's text channels (the emulator's default: tavern, dungeon, general). */
  channels?: readonly string[];
  /** More of the emulator's options (a token lifetime, a global limit…). */
  emulator?: Omit<DiscordEmulatorOptions, 'channels'>;
};

export async function startBotWorld(options: BotWorldOptions = {}): Promise<BotWorld> {
  const discord = await startDiscordEmulator({ ...options.emulator, ...(options.channels === undefined ? {} : { channels: options.channels }) });
  const openai = await startFakeOpenAi();
  openai.respondWith(dmResponder(options.script));
  const directory = await mkdtemp(join(tmpdir(), 'dm-e2e-'));
  const parsed = parseConfig({
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: E2E_API_KEY,
    STORE_URL: `sqlite://${join(directory, 'dm.sqlite')}`,
    LOG_LEVEL: 'silent',
    SHUTDOWN_GRACE_MS: '2000',
    LLM_MAX_RETRIES: '0',
    // Tests act faster than any player (a flood is 30 messages at once): the rate is tested where it is set.
    ACTIONS_PER_MINUTE_PER_PLAYER: '0',
    ...(typeof options.environment === 'function' ? options.environment(discord) : options.environment),
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const config = parsed.config;
  // Every line the bot logs, at debug level, is kept and scanned for secrets when the world closes; TEST_LOG_LEVEL
  // also prints them.
  const logLines: string[] = [];
  const printLevel = process.env['TEST_LOG_LEVEL'];
  const logger = createLogger('debug', {
    secrets: [config.discord.token, config.llm.apiKey],
    destination: {
      write: (line: string) => {
        logLines.push(line);
        if (printLevel !== undefined && printLevel !== 'silent') process.stdout.write(line);
      },
    },
  });
  // As `npm run deploy-commands` with DISCORD_GUILD_ID does, through the emulator's bulk PUT route: the emulator
  // dispatches only registered commands, and only to members their default_member_permissions let see them.
  await registerCommands({ apiUrl: config.discord.apiUrl, token: config.discord.token, guildId: discord.guild.id });

  const world: BotWorld = {
    discord,
    openai,
    config,
    bot: await startBot(config, logger),
    async restart() {
      await world.bot.stop();
      world.bot = await startBot(config, logger);
    },
    async close() {
      await world.bot.stop();
      await discord.stop();
      await openai.close();
      await rm(directory, { recursive: true, force: true });
      const leaks = findSecrets(logLines, [discord.token, E2E_API_KEY, INTERACTION_TOKEN_PREFIX]);
      if (leaks.length > 0) throw new Error(`the bot logged a secret:\n${leaks.join('\n')}`);
    },
    botMessages(channel) {
      return discord.messages(channel).filter((message) => message.authorId === discord.bot.id && !message.ephemeral);
    },
  };
  return world;
}

/** The API key the bot is given in every end-to-end test: no log line may ever contain it. */
const E2E_API_KEY = 'sk-e2e-secret-key-0123456789';
/** Every interaction token the emulator hands out starts with this ("interaction" in base64). */
const INTERACTION_TOKEN_PREFIX = 'aW50ZXJhY3Rpb24';

function findSecrets(lines: readonly string[], secrets: readonly string[]): string[] {
  return lines.filter((line) => secrets.some((secret) => line.includes(secret))).map((line) => line.slice(0, 300));
}

/** Waits until the channel's newest bot message carries enabled option buttons: the turn is over. */
export async function waitForOptions(world: BotWorld, channel: string, afterCount = 0): Promise<MessageSnapshot> {
  return world.discord.waitFor(
    () => {
      const withButtons = world.botMessages(channel).filter((message) => message.buttons.some((button) => !button.disabled));
      return withButtons.length > afterCount ? withButtons.at(-1) : undefined;
    },
    { timeoutMs: 20_000, description: `option buttons in #${channel}` },
  );
}

/** For `handle.reply(announced)`: the GM has their private answer and the table its public one. */
export function announced(view: InteractionView): boolean {
  return view.original !== null && !view.original.loading && view.followUps.length > 0;
}

/** Requests the emulator refused for breaking a Discord limit or a rate limit: there must be none. */
export function refusedRequests(world: BotWorld) {
  return world.discord.requests.filter((request) => request.status === 400 || request.status === 429);
}
