import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRITING_MARK } from '../../src/discord/render/turn-renderer.ts';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import { startDiscordEmulator, type DiscordEmulator, type MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../support/fake-openai.ts';
import { baseEnvironment, killIfRunning, spawnNode, type BotProcess } from './bot-process.ts';
import { announced } from './bot-world.ts';

// The bot as an operator runs it: `node src/index.ts` in its own process, configured by its environment, stopped by
// a service manager's SIGTERM or killed outright, and started again on the same SQLite store.

const WORDS = 'Wind howls through the broken arches while crows scatter from the bell ropes and old stone groans underfoot'.split(' ');
/** About 18 s at 150 ms a word: far longer than the shutdown grace, so SIGTERM always catches it mid-stream. */
const SLOW_NARRATIVE = Array.from({ length: 120 }, (_, index) => WORDS[index % WORDS.length]).join(' ') + '.';

let discord: DiscordEmulator;
let openai: FakeOpenAi;
let directory: string;
let slowNarrative = false;
const started: BotProcess[] = [];

function botEnvironment(): Record<string, string> {
  return {
    ...baseEnvironment(),
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: 'test-key',
    STORE_URL: `sqlite://${join(directory, 'dm.sqlite')}`,
    LOG_LEVEL: 'info',
    LLM_MAX_RETRIES: '0',
  };
}

/** `node src/deploy-commands.ts` against an emulator, as an operator runs `npm run deploy-commands`. */
function deploy(target: DiscordEmulator, environment: Record<string, string>): BotProcess {
  return spawnNode('src/deploy-commands.ts', {
    ...baseEnvironment(),
    DISCORD_TOKEN: target.token,
    DISCORD_API_URL: target.apiUrl,
    OPENAI_API_KEY: 'test-key',
    ...environment,
  });
}

async function startBotProcess(): Promise<BotProcess> {
  const bot = spawnNode('src/index.ts', botEnvironment());
  started.push(bot);
  await bot.waitForLog((line) => line.msg === 'connected to Discord', 20_000);
  return bot;
}

function narrativeRequests(): RecordedRequest[] {
  return openai.requests.filter((request) => phaseOf(request) === 'narrative');
}

/** The bot's turn messages in the tavern (interaction replies left out), oldest first. */
function turnMessages(): MessageSnapshot[] {
  return discord
    .messages('tavern')
    .filter((message) => message.authorId === discord.bot.id && message.interactionId === null && !message.ephemeral);
}

function liveButtonMessages(): MessageSnapshot[] {
  return turnMessages().filter((message) => message.buttons.some((button) => !button.disabled));
}

/** Waits for a bot message created after `afterId` that carries enabled option buttons: a turn has been delivered. */
function waitForNewTurn(afterId: string): Promise<MessageSnapshot> {
  return discord.waitFor(() => liveButtonMessages().find((message) => BigInt(message.id) > BigInt(afterId)), {
    timeoutMs: 15_000,
    description: `a new turn with option buttons after message ${afterId}`,
  });
}

/** Waits until the player's turn has shown streamed text (still marked as being written). */
function waitForStreamingTurn(afterId: string, minimumVersions: number): Promise<MessageSnapshot> {
  return discord.waitFor(
    () =>
      turnMessages().find(
        (message) =>
          BigInt(message.id) > BigInt(afterId) &&
          message.content.startsWith(WORDS.slice(0, 3).join(' ')) &&
          message.content.endsWith(WRITING_MARK) &&
          message.versions.length >= minimumVersions,
      ),
    { timeoutMs: 10_000, description: 'the streaming turn showing its first words' },
  );
}

function playerActionIn(request: RecordedRequest | undefined, line: string): boolean {
  return request?.messages[1]?.content.includes(`## This turn's actions\n- ${line}`) ?? false;
}

beforeAll(async () => {
  discord = await startDiscordEmulator();
  openai = await startFakeOpenAi();
  directory = await mkdtemp(join(tmpdir(), 'dm-process-'));
  const base = dmResponder();
  openai.respondWith((request) =>
    slowNarrative && phaseOf(request) === 'narrative' ? reply.text(SLOW_NARRATIVE, { chunkDelayMs: 150 }) : base(request),
  );
});

afterAll(async () => {
  for (const bot of started) await killIfRunning(bot);
  await discord?.stop();
  await openai?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('the bot process (node src/index.ts)', () => {
  let first: BotProcess;
  let second: BotProcess;
  let openingId: string;

  // The operator's order: register the commands once, then start the bot (the emulator dispatches only registered ones).
  beforeAll(async () => {
    const run = deploy(discord, { DISCORD_GUILD_ID: discord.guild.id });
    expect(await run.exited).toMatchObject({ code: 0 });
  });

  it('connects and streams the opening scene when a GM starts a campaign', async () => {
    first = await startBotProcess();
    const start = discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A ruined abbey' } });
    expect((await start.reply(announced)).followUps[0]?.content).toContain('A new campaign begins');
    const opening = await discord.waitFor(() => liveButtonMessages()[0], { timeoutMs: 15_000, description: 'the opening with buttons' });
    openingId = opening.id;
    expect(opening.content).toContain('The tavern falls silent');
    expect(opening.content).not.toContain(WRITING_MARK);
    expect(narrativeRequests()[0]?.messages[1]?.content).toContain('A ruined abbey');
  });

  it('on SIGTERM mid-turn exits 0 within 10 s, leaves the turn marked interrupted, and answers it again at the next start', async () => {
    slowNarrative = true;
    discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I climb the bell tower' });
    const streaming = await waitForStreamingTurn(openingId, 2);
    slowNarrative = false; // the replay after the restart is answered at normal speed

    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    const stoppedAfterMs = exit.at - signalledAt;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(stoppedAfterMs).toBeLessThan(10_000);
    expect(first.stderr()).toBe('');
    const logs = first.logs();
    expect(logs.filter((line) => 'unparsed' in line)).toEqual([]);
    expect(logs.map((line) => line.msg)).toContain('stopped');

    const interrupted = discord.message(streaming.id);
    expect(interrupted?.content).not.toContain(WRITING_MARK);
    expect(interrupted?.content).toMatch(/\*\(interrupted — the DM is restarting; this turn will be answered again\)\*$/);
    expect(interrupted?.content.startsWith(WORDS.slice(0, 3).join(' '))).toBe(true);
    expect(interrupted?.buttons).toEqual([]);

    const before = narrativeRequests().length;
    second = await startBotProcess();
    const replayed = await waitForNewTurn(streaming.id);
    const replays = narrativeRequests().slice(before);
    expect(replays).toHaveLength(1);
    expect(playerActionIn(replays[0], 'Alice: I climb the bell tower')).toBe(true);
    expect(replayed.content).not.toContain(WRITING_MARK);
    expect(replayed.buttons.map((button) => button.label)).toEqual(['Approach the hooded figure', 'Order a drink and observe', 'Search for exits']);
    // The interrupted message keeps one clear note, not a second one stacked by the restart.
    expect(discord.message(streaming.id)?.content.match(/\*\(interrupted/g)).toHaveLength(1);
    expect(discord.message(streaming.id)?.content).not.toContain(WRITING_MARK);
  });

  it('after a crash (SIGKILL mid-turn) marks the half-written message and answers the action at the next start', async () => {
    const previous = liveButtonMessages().at(-1);
    expect(previous).toBeDefined();
    slowNarrative = true;
    discord.userMessage({ channel: 'tavern', user: 'bob', content: 'I pry open the crypt door' });
    // A second version: the first text has been shown and the store has heard of the message.
    const streaming = await waitForStreamingTurn(previous?.id ?? '0', 2);
    second.child.kill('SIGKILL');
    const exit = await second.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(second.stderr()).toBe('');
    slowNarrative = false;
    expect(discord.message(streaming.id)?.content).toContain(WRITING_MARK);

    const before = narrativeRequests().length;
    const third = await startBotProcess();
    const replayed = await waitForNewTurn(streaming.id);
    const marked = discord.message(streaming.id);
    expect(marked?.content).not.toContain(WRITING_MARK);
    expect(marked?.content).toMatch(/\*\(interrupted by a restart\)\*$/);
    expect(marked?.content.startsWith(WORDS.slice(0, 3).join(' '))).toBe(true);
    const replays = narrativeRequests().slice(before);
    expect(replays).toHaveLength(1);
    expect(playerActionIn(replays[0], 'Bob: I pry open the crypt door')).toBe(true);
    expect(replayed.buttons).toHaveLength(3);

    third.child.kill('SIGTERM');
    expect(await third.exited).toMatchObject({ code: 0, signal: null });
    expect(third.stderr()).toBe('');
    expect(third.logs().filter((line) => 'unparsed' in line)).toEqual([]);
    expect(discord.requests.filter((request) => request.status === 400 || request.status === 429 || request.status >= 500)).toEqual([]);
  });
});

describe('deploy-commands (node src/deploy-commands.ts)', () => {
  // A Discord of its own, so that what these tests find registered is their doing, not the bot tests' deploy.
  let fresh: DiscordEmulator;
  beforeAll(async () => {
    fresh = await startDiscordEmulator();
  });
  afterAll(async () => {
    await fresh?.stop();
  });

  function expectOurCommands(registered: ReturnType<DiscordEmulator['commands']>): void {
    expect(registered.map((command) => command.name).sort()).toEqual(['act', 'gm', 'scene']);
    const gm = registered.find((command) => command.name === 'gm');
    // No default permission: members with a GM role must see /gm in a fresh server; the bot checks at run time.
    expect(gm?.default_member_permissions).toBeNull();
    const subcommands = (gm?.options ?? []).map((option) => option.name);
    expect(subcommands).toEqual(expect.arrayContaining(['start', 'end']));
  }

  it('registers the commands in the guild named by DISCORD_GUILD_ID', async () => {
    const run = deploy(fresh, { DISCORD_GUILD_ID: fresh.guild.id });
    expect(await run.exited).toMatchObject({ code: 0 });
    expect(run.stderr()).toBe('');
    expect(run.stdout()).toMatch(/Registered 3 commands/);
    expect(run.stdout()).toContain('/gm');
    expect(run.stdout()).toContain(fresh.guild.id);
    expectOurCommands(fresh.commands(fresh.guild.id));
  });

  it('registers the commands globally without DISCORD_GUILD_ID', async () => {
    const run = deploy(fresh, {});
    expect(await run.exited).toMatchObject({ code: 0 });
    expect(run.stderr()).toBe('');
    expect(run.stdout()).toMatch(/Registered 3 commands .*global/);
    expectOurCommands(fresh.commands());
  });

  it('fails with one clear line, and no stack trace, when Discord refuses the token', async () => {
    const run = deploy(fresh, { DISCORD_TOKEN: 'not-the-bot-token', DISCORD_GUILD_ID: fresh.guild.id });
    const exit = await run.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    const output = (run.stderr() + run.stdout()).trim();
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toMatch(/Could not register the commands/);
    expect(output).toMatch(/401|Unauthorized/);
    expect(output).not.toMatch(/\n\s+at /);
  });
});
