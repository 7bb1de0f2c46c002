import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCommands } from '../../src/register-commands.ts';
import { startDiscordEmulator, type DiscordEmulator, type MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../support/fake-openai.ts';
import { createGate, type Gate } from '../support/gate.ts';
import { INTERACTION_TOKEN_PREFIX, killIfRunning, spawnNode, testBotEnvironment, type BotProcess, type LogLine } from './bot-process.ts';
import { announced } from './bot-world.ts';
import {
  actionsAskedFor,
  createChannelScript,
  expectAnsweredOnce,
  optionButtons,
  premiseOf,
  requestsOf,
  turnMessages,
  WRITING_MARK,
} from './scripted-channels.ts';

// An uncaught exception or an unhandled rejection leaves the process in a state nobody planned for: the bot logs it
// once, exits non-zero for its supervisor to restart it, and the restart answers every acknowledged action exactly
// once, as after a kill. Each case plays in a channel of its own, on one Discord, one model and one SQLite store.

const CHANNELS = ['tavern', 'dungeon'] as const;
type Channel = (typeof CHANNELS)[number];
const HELD_TEXT = 'The floor tilts and the lanterns swing as the ship lurches.';
const HELD_START = HELD_TEXT.split(' ').slice(0, 3).join(' ');
const INTERRUPTED_BY_RESTART = /\*\(interrupted by a restart\)\*$/;

let discord: DiscordEmulator;
let openai: FakeOpenAi;
let directory: string;
const started: BotProcess[] = [];
const gates: Gate[] = [];
const script = createChannelScript(CHANNELS);

async function startBotProcess(extra: Record<string, string> = {}): Promise<BotProcess> {
  const bot = spawnNode('src/index.ts', testBotEnvironment({ discord, openai, storeUrl: `sqlite://${join(directory, 'dm.sqlite')}` }, extra));
  started.push(bot);
  await bot.waitForLog((line) => line.msg === 'connected to Discord', 20_000);
  return bot;
}

function narratives(channel: Channel): RecordedRequest[] {
  return requestsOf(openai.requests, CHANNELS, channel, 'narrative');
}

function timesAsked(channel: Channel, action: string): number {
  return narratives(channel).filter((request) => actionsAskedFor(request).includes(action)).length;
}

/** The process's exit, or a clear failure when it goes on running after what should have ended it. */
async function exitWithin(bot: BotProcess, ms: number): Promise<Awaited<BotProcess['exited']>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the process was still running ${ms} ms after the failure; it logged:\n${bot.stdout()}`)), ms);
  });
  try {
    return await Promise.race([bot.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function liveButtonMessages(channel: Channel): MessageSnapshot[] {
  return turnMessages(discord, channel).filter((message) => optionButtons(message).some((button) => !button.disabled));
}

beforeAll(async () => {
  discord = await startDiscordEmulator();
  openai = await startFakeOpenAi();
  openai.respondWith(script.responder);
  directory = await mkdtemp(join(tmpdir(), 'dm-fail-fast-'));
  await registerCommands({ apiUrl: discord.apiUrl, token: discord.token, guildId: discord.guild.id });
});

afterAll(async () => {
  for (const gate of gates) gate.open();
  for (const bot of started) await killIfRunning(bot);
  await discord?.stop();
  await openai?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

/**
 * A table plays under a bot process that carries `preload`; while a player's turn is held mid-stream with another
 * action acknowledged behind it, SIGUSR2 makes the preload fail the process. Returns the crashed process's fatal log
 * lines; then a clean process answers what was left, and the players' side is checked.
 */
async function crashMidTurnAndRestart(channel: Channel, preload: string): Promise<{ fatal: LogLine[] }> {
  const first = await startBotProcess({ NODE_OPTIONS: `--import=${fileURLToPath(new URL(preload, import.meta.url))}` });
  await discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: premiseOf(channel) } }).reply(announced);
  const opening = await discord.waitFor(() => liveButtonMessages(channel)[0], { timeoutMs: 15_000, description: 'the opening' });

  // One action in the turn the crash cuts short (shown mid-stream), one acknowledged as waiting behind it.
  const gate = createGate();
  gates.push(gate);
  script.next(channel, 'narrative', reply.text(HELD_TEXT, { chunkDelayMs: 5, hold: { until: gate.until, afterChunks: 3 } }));
  discord.userMessage({ channel, user: 'alice', content: 'I grab the wheel' });
  const alice = 'Alice: I grab the wheel';
  const streaming = await discord.waitFor(
    () => turnMessages(discord, channel).find((message) => BigInt(message.id) > BigInt(opening.id) && message.content.startsWith(HELD_START)),
    { description: 'the cut-short turn showing its first words' },
  );
  expect(streaming.content.endsWith(WRITING_MARK)).toBe(true);
  const queued = await discord.slashCommand({ channel, user: 'bob', name: 'act', options: { action: 'I tie down the cargo' } }).reply();
  expect(queued.original?.content).toContain('The DM will answer this with the next turn.');
  const bob = 'Bob: I tie down the cargo';

  first.child.kill('SIGUSR2');
  const exit = await exitWithin(first, 10_000);
  expect(exit.code).toBe(1);
  expect(first.stderr()).toBe('');
  const fatal = first.logs().filter((line) => line.level === 60);
  // The gate is opened only now: the held stream cannot end the turn before the crash.
  gate.open();

  const second = await startBotProcess();
  const replayed = await discord.waitFor(() => liveButtonMessages(channel).find((message) => BigInt(message.id) > BigInt(streaming.id)), {
    timeoutMs: 20_000,
    description: 'the cut-short turn answered again',
  });
  await discord.waitFor(() => (timesAsked(channel, bob) === 1 && liveButtonMessages(channel).at(-1)?.id !== replayed.id ? true : undefined), {
    timeoutMs: 20_000,
    description: "Bob's waiting action answered after the restart",
  });
  await discord.waitFor(() => (liveButtonMessages(channel).at(-1)?.content.includes(WRITING_MARK) === false ? true : undefined), {
    description: "Bob's turn written whole",
  });

  // What the players see: the half-written message says the restart cut it off, and nothing still reads as being written.
  const marked = discord.message(streaming.id);
  expect(marked?.content.startsWith(HELD_START)).toBe(true);
  expect(marked?.content).toMatch(INTERRUPTED_BY_RESTART);
  expect(optionButtons(marked)).toEqual([]);
  for (const message of turnMessages(discord, channel)) expect(message.content, message.id).not.toContain(WRITING_MARK);
  // Alice's turn was asked once before the crash and once after; each action is in exactly one delivered turn.
  expect(timesAsked(channel, alice)).toBe(2);
  expect(timesAsked(channel, bob)).toBe(1);
  const delivered = await expectAnsweredOnce(discord, narratives(channel), channel, [alice, bob]);
  expect(delivered.map((turn) => turn.actions)).toEqual([[alice], [bob]]);

  second.child.kill('SIGTERM');
  expect(await second.exited).toMatchObject({ code: 0 });
  expect(second.stderr()).toBe('');
  return { fatal };
}

describe('fail fast', () => {
  it('an uncaught exception is logged once, the process exits non-zero, and the restart answers every acknowledged action exactly once', async () => {
    const { fatal } = await crashMidTurnAndRestart('tavern', './preload/throw-on-sigusr2.ts');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.msg).toBe('uncaught exception');
    expect(JSON.stringify(fatal[0])).toContain('a bug nobody planned for');
  });

  it('an unhandled rejection (a Discord request nobody awaited) is logged once without its token, the process exits non-zero, and the restart answers every action exactly once', async () => {
    const { fatal } = await crashMidTurnAndRestart('dungeon', './preload/reject-on-sigusr2.ts');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.msg).toBe('unhandled rejection');
    const logged = JSON.stringify(fatal[0]);
    expect(logged).toContain('DiscordAPIError');
    // The request's url is logged with the interaction token cut out of it.
    expect(logged).toContain('/interactions/1200000000000000042/[redacted]/callback');
    expect(logged).not.toContain(INTERACTION_TOKEN_PREFIX);
  });
});
