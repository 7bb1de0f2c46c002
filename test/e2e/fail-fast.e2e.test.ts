import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCommands } from '../../src/register-commands.ts';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import { startDiscordEmulator, type DiscordEmulator, type MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../support/fake-openai.ts';
import { createGate } from '../support/gate.ts';
import { killIfRunning, spawnNode, testBotEnvironment, type BotProcess } from './bot-process.ts';
import { announced } from './bot-world.ts';
import { turnMessages } from './scripted-channels.ts';

// An uncaught exception leaves the process in a state nobody planned for: the bot logs it once, exits non-zero for its
// supervisor to restart it, and the restart answers every acknowledged action exactly once, as after a kill.

const PRELOAD = fileURLToPath(new URL('./preload/throw-on-sigusr2.ts', import.meta.url));

let discord: DiscordEmulator;
let openai: FakeOpenAi;
let directory: string;
const started: BotProcess[] = [];
const narrativeHeld = createGate();
let holdNarratives = true;

async function startBotProcess(extra: Record<string, string> = {}): Promise<BotProcess> {
  const bot = spawnNode('src/index.ts', testBotEnvironment({ discord, openai, storeUrl: `sqlite://${join(directory, 'dm.sqlite')}` }, extra));
  started.push(bot);
  await bot.waitForLog((line) => line.msg === 'connected to Discord', 20_000);
  return bot;
}

function narrativeRequestsWith(action: string): RecordedRequest[] {
  return openai.requests.filter(
    (request) => phaseOf(request) === 'narrative' && (request.messages[1]?.content.split("## This turn's actions")[1] ?? '').includes(JSON.stringify(action)),
  );
}

function liveButtonMessages(): MessageSnapshot[] {
  return turnMessages(discord, 'tavern').filter((message) => message.buttons.some((button) => !button.disabled));
}

beforeAll(async () => {
  discord = await startDiscordEmulator();
  openai = await startFakeOpenAi();
  directory = await mkdtemp(join(tmpdir(), 'dm-fail-fast-'));
  const base = dmResponder();
  let narratives = 0;
  openai.respondWith((request) => {
    if (phaseOf(request) !== 'narrative') return base(request);
    narratives += 1;
    // The opening plays; the first player turn is held mid-stream until the process has crashed.
    return narratives === 2 && holdNarratives
      ? reply.text('The floor tilts and the lanterns swing as the ship lurches.', { chunkDelayMs: 5, hold: { until: narrativeHeld.until, afterChunks: 3 } })
      : base(request);
  });
  await registerCommands({ apiUrl: discord.apiUrl, token: discord.token, guildId: discord.guild.id });
});

afterAll(async () => {
  narrativeHeld.open();
  for (const bot of started) await killIfRunning(bot);
  await discord?.stop();
  await openai?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('an uncaught exception', () => {
  it('is logged once, the process exits non-zero, and the restart answers every acknowledged action exactly once', async () => {
    const first = await startBotProcess({ NODE_OPTIONS: `--import=${PRELOAD}` });
    await discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A ship in a storm' } }).reply(announced);
    await discord.waitFor(() => liveButtonMessages()[0], { timeoutMs: 15_000, description: 'the opening' });

    // One action in the turn the crash cuts short, one acknowledged as waiting behind it.
    discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I grab the wheel' });
    await discord.waitFor(() => (narrativeRequestsWith('I grab the wheel').length === 1 ? true : undefined), { description: 'the turn begun' });
    const queued = await discord.slashCommand({ channel: 'tavern', user: 'bob', name: 'act', options: { action: 'I tie down the cargo' } }).reply();
    expect(queued.original?.content).toContain('The DM will answer this with the next turn.');

    first.child.kill('SIGUSR2');
    const exit = await first.exited;
    expect(exit.code).toBe(1);
    expect(first.stderr()).toBe('');
    const fatal = first.logs().filter((line) => line.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.msg).toBe('uncaught exception');
    expect(JSON.stringify(fatal[0])).toContain('a bug nobody planned for');

    holdNarratives = false;
    const second = await startBotProcess();
    await discord.waitFor(() => (narrativeRequestsWith('I tie down the cargo').length === 1 ? true : undefined), {
      timeoutMs: 20_000,
      description: "Bob's waiting action answered after the restart",
    });
    await discord.waitFor(() => (liveButtonMessages().length >= 1 && openai.requests.filter((request) => phaseOf(request) === 'options').length >= 3 ? true : undefined), {
      timeoutMs: 20_000,
      description: 'the turns delivered',
    });
    second.child.kill('SIGTERM');
    expect(await second.exited).toMatchObject({ code: 0 });
    // The cut-short turn was asked of the model once before the crash and once after; Bob's once.
    expect(narrativeRequestsWith('I grab the wheel')).toHaveLength(2);
    expect(narrativeRequestsWith('I tie down the cargo')).toHaveLength(1);
  });
});
