import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCampaignStore } from '../../src/campaign/keyv-campaign-store.ts';
import { WRITING_MARK } from '../../src/discord/render/turn-renderer.ts';
import { registerCommands } from '../../src/register-commands.ts';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import { startDiscordEmulator, type DiscordEmulator, type MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, startFakeOpenAi, type FakeOpenAi, type RecordedRequest, type Reply } from '../support/fake-openai.ts';
import { createGate, type Gate } from '../support/gate.ts';
import { baseEnvironment, killIfRunning, spawnNode, testBotEnvironment, type BotProcess } from './bot-process.ts';
import { announced } from './bot-world.ts';
import { actionsAskedFor, turnMessages as turnMessagesIn } from './scripted-channels.ts';

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
  return testBotEnvironment({ discord, openai, storeUrl: `sqlite://${join(directory, 'dm.sqlite')}` });
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
  return turnMessagesIn(discord, 'tavern');
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
  // `line` reads "Name: words"; the prompt holds the words as a JSON string.
  const separator = line.indexOf(': ');
  const rendered = `${line.slice(0, separator)}: ${JSON.stringify(line.slice(separator + 2))}`;
  return request?.messages[1]?.content.includes(`## This turn's actions\n- ${rendered}`) ?? false;
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

describe('no acknowledged action is lost to a crash or a shutdown', () => {
  // Each test has a Discord, a model and a SQLite store of its own, so what it counts is its own doing.
  type World = {
    discord: DiscordEmulator;
    openai: FakeOpenAi;
    storeUrl: string;
    channelId: string;
    /** Replies to the next narrative requests, in order; the default DM answers every other one. */
    narratives: Reply[];
    gates: Gate[];
    start(environment?: Record<string, string>): Promise<BotProcess>;
  };
  const worlds: Array<{ world: World; directory: string }> = [];

  /** Streamed slowly enough that the message is created before the second word and edited to show it. */
  const HELD_WORDS = 'Lanterns gutter as the flood gates groan open and black water pours into the crypt'.split(' ');
  const HELD_START = HELD_WORDS.slice(0, 2).join(' ');
  const KEPT_NOTE = 'your actions are kept and will be answered with the next one';
  const QUEUED_ACK = 'The DM will answer this with the next turn';

  async function openWorld(): Promise<World> {
    const worldDiscord = await startDiscordEmulator({ players: ['alice', 'bob', 'carol', 'dave', 'erin'] });
    const worldOpenai = await startFakeOpenAi();
    const worldDirectory = await mkdtemp(join(tmpdir(), 'dm-process-kept-'));
    await registerCommands({ apiUrl: worldDiscord.apiUrl, token: worldDiscord.token, guildId: worldDiscord.guild.id });
    const base = dmResponder();
    const world: World = {
      discord: worldDiscord,
      openai: worldOpenai,
      storeUrl: `sqlite://${join(worldDirectory, 'dm.sqlite')}`,
      channelId: worldDiscord.channels['tavern']?.id ?? '',
      narratives: [],
      gates: [],
      async start(environment = {}) {
        const bot = spawnNode('src/index.ts', testBotEnvironment({ discord: worldDiscord, openai: worldOpenai, storeUrl: world.storeUrl }, environment));
        started.push(bot);
        await bot.waitForLog((line) => line.msg === 'connected to Discord', 20_000);
        return bot;
      },
    };
    worldOpenai.respondWith((request) => (phaseOf(request) === 'narrative' ? (world.narratives.shift() ?? base(request)) : base(request)));
    worlds.push({ world, directory: worldDirectory });
    return world;
  }

  afterEach(async () => {
    for (const bot of started) await killIfRunning(bot);
    for (const { world, directory: worldDirectory } of worlds.splice(0)) {
      // A held reply whose bot is gone: let the fake finish it, so nothing waits on it.
      for (const gate of world.gates) gate.open();
      await world.discord.stop();
      await world.openai.close();
      await rm(worldDirectory, { recursive: true, force: true });
    }
  });

  /** A narrative reply that shows two words, then waits for the gate: a turn caught mid-stream for as long as needed. */
  function heldNarrative(world: World): Reply {
    const gate = createGate();
    world.gates.push(gate);
    return reply.text(HELD_WORDS.join(' ') + '.', { chunkDelayMs: 300, hold: { until: gate.until, afterChunks: 2 } });
  }

  function botTurnMessages(world: World): MessageSnapshot[] {
    return turnMessagesIn(world.discord, 'tavern');
  }

  /** The streamed turn, once an edit has shown its second word: the bot knew the message's id, and recorded it. */
  function waitForHeldTurn(world: World): Promise<MessageSnapshot> {
    return world.discord.waitFor(
      () =>
        botTurnMessages(world).find(
          (message) => message.content.startsWith(HELD_START) && message.content.endsWith(WRITING_MARK),
        ),
      { timeoutMs: 10_000, description: 'the held turn showing its first two words' },
    );
  }

  function narrativesOf(world: World, from = 0): RecordedRequest[] {
    return world.openai.requests.slice(from).filter((request) => phaseOf(request) === 'narrative');
  }

  /**
   * Waits until the restarted bot has delivered `turns` turns. A lost action shows as a turn that never comes: the
   * error then says which actions the model was asked to answer.
   */
  async function waitForAnswers(world: World, bot: BotProcess, from: number, turns: number): Promise<void> {
    await bot.waitForLogs((line) => line.msg === 'turn delivered', turns, 12_000).catch(() => {
      const answered = narrativesOf(world, from).map(actionsAskedFor);
      throw new Error(`the restarted bot did not deliver ${turns} turns within 12 s; the narratives it asked for answered ${JSON.stringify(answered)}`);
    });
  }

  async function openCampaign(world: World): Promise<void> {
    const start = world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A drowned abbey' } });
    expect((await start.reply(announced)).followUps[0]?.content).toContain('A new campaign begins');
    await world.discord.waitFor(() => botTurnMessages(world).find((message) => message.buttons.some((button) => !button.disabled)), {
      timeoutMs: 15_000,
      description: 'the opening with buttons',
    });
  }

  /** What the store holds for the tavern, read after the bot has exited. */
  async function storedTable(world: World) {
    const store = await createCampaignStore({ url: world.storeUrl, logger: pino({ level: 'silent' }) });
    try {
      const [campaign, waiting, turns] = await Promise.all([
        store.getCampaign(world.channelId),
        store.getWaiting(world.channelId),
        store.getRecentTurns(world.channelId),
      ]);
      return { campaign, waiting, turns };
    } finally {
      await store.close();
    }
  }

  it('after a crash answers exactly once every action that was kept, in the interrupted turn, or queued behind it', async () => {
    const world = await openWorld();
    const first = await world.start();
    await openCampaign(world);

    // A turn the model fails outright (the stream, then its non-streaming fallback): the action is kept, and the
    // players are told so.
    world.narratives.push(reply.serverError(), reply.serverError());
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I wade into the flooded nave' });
    const failure = await world.discord.waitFor(() => botTurnMessages(world).find((message) => message.content.includes(KEPT_NOTE)), {
      timeoutMs: 10_000,
      description: 'the failure note saying the actions are kept',
    });
    expect(failure.buttons.map((button) => button.label)).toEqual(['Try again']);

    // The next turn takes the kept action with the new one, and is caught mid-stream.
    world.narratives.push(heldNarrative(world));
    world.discord.userMessage({ channel: 'tavern', user: 'bob', content: 'I light a torch from the altar' });
    const held = await waitForHeldTurn(world);
    const heldPrompt = narrativesOf(world).at(-1);
    expect(heldPrompt === undefined ? [] : actionsAskedFor(heldPrompt)).toEqual(['Alice: I wade into the flooded nave', 'Bob: I light a torch from the altar']);

    // Two more players act while it streams: both wait for the next turn.
    const carol = world.discord.userMessage({ channel: 'tavern', user: 'carol', content: 'I search the flooded pews for the relic' });
    const act = world.discord.slashCommand({ channel: 'tavern', user: 'dave', name: 'act', options: { action: 'I bar the abbey doors behind us' } });
    const acknowledged = await act.reply();
    expect(acknowledged.original?.content).toContain('**Dave**: I bar the abbey doors behind us');
    expect(acknowledged.original?.content).toContain(QUEUED_ACK);
    // A plain message that waits is answered by nothing in public: no notice, no new turn message.
    expect(botTurnMessages(world).filter((message) => BigInt(message.id) > BigInt(carol.id))).toEqual([]);
    expect(narrativesOf(world).at(-1)).toBe(heldPrompt);

    first.child.kill('SIGKILL');
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(first.stderr()).toBe('');
    expect(world.discord.message(held.id)?.content).toContain(WRITING_MARK);
    for (const gate of world.gates) gate.open();

    const before = world.openai.requests.length;
    const second = await world.start();
    await waitForAnswers(world, second, before, 2);

    const marked = world.discord.message(held.id);
    expect(marked?.content.startsWith(HELD_START)).toBe(true);
    expect(marked?.content).not.toContain(WRITING_MARK);
    expect(marked?.content).toMatch(/\*\(interrupted by a restart\)\*$/);
    expect(marked?.content.match(/\*\(interrupted/g)).toHaveLength(1);
    expect(marked?.buttons).toEqual([]);
    // The failure note is left as it was: it already told the truth.
    expect(world.discord.message(failure.id)?.content).toBe(failure.content);

    // Settled: the bot stops cleanly, and by then no other turn has been asked of the model.
    second.child.kill('SIGTERM');
    expect(await second.exited).toMatchObject({ code: 0, signal: null });
    expect(second.stderr()).toBe('');
    expect(second.logs().filter((line) => 'unparsed' in line)).toEqual([]);

    const replays = narrativesOf(world, before);
    // The interrupted turn again, as the batch it was, then the actions that waited behind it.
    expect(replays.map(actionsAskedFor)).toEqual([
      ['Alice: I wade into the flooded nave', 'Bob: I light a torch from the altar'],
      ['Carol: I search the flooded pews for the relic', 'Dave: I bar the abbey doors behind us'],
    ]);
    const answered = replays.flatMap(actionsAskedFor);
    for (const action of [
      'Alice: I wade into the flooded nave',
      'Bob: I light a torch from the altar',
      'Carol: I search the flooded pews for the relic',
      'Dave: I bar the abbey doors behind us',
    ]) {
      expect(answered.filter((line) => line === action), action).toHaveLength(1);
    }
    const delivered = botTurnMessages(world).filter((message) => BigInt(message.id) > BigInt(held.id));
    expect(delivered).toHaveLength(2);
    expect(delivered.every((message) => !message.content.includes(WRITING_MARK))).toBe(true);
    expect(delivered.at(-1)?.buttons.filter((button) => !button.disabled)).toHaveLength(3);

    const stored = await storedTable(world);
    expect(stored.waiting).toEqual([]);
    // The opening, the failed turn, the turn the crash cut (both kept, not answered), and the two answers.
    expect(stored.turns.map((turn) => turn.status)).toEqual(['complete', 'interrupted', 'interrupted', 'complete', 'complete']);
    expect(stored.campaign?.turnCount).toBe(3);
    expect(stored.turns.filter((turn) => turn.status === 'complete').map((turn) => turn.actions.map((action) => action.playerName))).toEqual([
      [],
      ['Alice', 'Bob'],
      ['Carol', 'Dave'],
    ]);
    expect(world.discord.requests.filter((request) => request.status === 400 || request.status === 429 || request.status >= 500)).toEqual([]);
  });

  it('on SIGTERM with a grace longer than the hard exit, exits 0 within 10 s and loses no waiting action', async () => {
    const world = await openWorld();
    const environment = { SHUTDOWN_GRACE_MS: '20000', LLM_CHUNK_TIMEOUT_MS: '60000' };
    const first = await world.start(environment);
    await openCampaign(world);

    world.narratives.push(heldNarrative(world));
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I wade into the flooded nave' });
    const held = await waitForHeldTurn(world);
    world.discord.userMessage({ channel: 'tavern', user: 'bob', content: 'I light a torch from the altar' });
    const act = world.discord.slashCommand({ channel: 'tavern', user: 'carol', name: 'act', options: { action: 'I bar the abbey doors behind us' } });
    expect((await act.reply()).original?.content).toContain(QUEUED_ACK);

    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    await first.waitForLog((line) => line.msg === 'shutting down', 5000);
    // Once the bot is stopping, an action is refused rather than acknowledged: it is not the bot's to answer.
    const refused = world.discord.slashCommand({ channel: 'tavern', user: 'erin', name: 'act', options: { action: 'I slip out through the vestry' } });
    const refusal = await refused.reply();
    expect(refusal.ephemeral).toBe(true);
    expect(refusal.original?.content).toContain('The DM is restarting');

    const exit = await first.exited;
    const stoppedAfterMs = exit.at - signalledAt;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(stoppedAfterMs).toBeLessThan(10_000);
    expect(first.stderr()).toBe('');
    expect(first.logs().filter((line) => 'unparsed' in line)).toEqual([]);
    // The grace is capped so that the stop finishes cleanly, with its marks, before the hard exit.
    expect(first.logs().map((line) => line.msg)).toContain('stopped');
    expect(first.logs().map((line) => line.msg)).not.toContain('shutdown took too long; exiting anyway');
    for (const gate of world.gates) gate.open();

    const before = world.openai.requests.length;
    const second = await world.start();
    await waitForAnswers(world, second, before, 2);

    // The shutdown marked the stopped turn; the restart does not mark it again, and it never reads as still being written.
    const marked = world.discord.message(held.id);
    expect(marked?.content.startsWith(HELD_START)).toBe(true);
    expect(marked?.content).toMatch(/\*\(interrupted — the DM is restarting; this turn will be answered again\)\*$/);
    expect(marked?.content).not.toContain(WRITING_MARK);
    expect(marked?.content.match(/\*\(interrupted/g)).toHaveLength(1);
    expect(marked?.buttons).toEqual([]);

    second.child.kill('SIGTERM');
    expect(await second.exited).toMatchObject({ code: 0, signal: null });
    expect(second.stderr()).toBe('');

    const replays = narrativesOf(world, before);
    expect(replays.map(actionsAskedFor)).toEqual([
      ['Alice: I wade into the flooded nave'],
      ['Bob: I light a torch from the altar', 'Carol: I bar the abbey doors behind us'],
    ]);
    expect(replays.flatMap(actionsAskedFor).filter((line) => line.startsWith('Erin:'))).toEqual([]);

    const stored = await storedTable(world);
    expect(stored.waiting).toEqual([]);
    expect(stored.turns.filter((turn) => turn.status === 'in_progress')).toEqual([]);
    expect(stored.campaign?.turnCount).toBe(3);
    expect(world.discord.requests.filter((request) => request.status === 400 || request.status === 429 || request.status >= 500)).toEqual([]);
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
    expect(registered.map((command) => command.name).sort()).toEqual(['act', 'character', 'gm', 'recap', 'roll', 'scene', 'whisper', 'x']);
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
    expect(run.stdout()).toMatch(/Registered 8 commands/);
    expect(run.stdout()).toContain('/gm');
    expect(run.stdout()).toContain(fresh.guild.id);
    expectOurCommands(fresh.commands(fresh.guild.id));
  });

  it('registers the commands globally without DISCORD_GUILD_ID', async () => {
    const run = deploy(fresh, {});
    expect(await run.exited).toMatchObject({ code: 0 });
    expect(run.stderr()).toBe('');
    expect(run.stdout()).toMatch(/Registered 8 commands .*global/);
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
