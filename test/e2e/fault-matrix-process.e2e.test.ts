import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaignStore } from '../../src/campaign/keyv-campaign-store.ts';
import { registerCommands } from '../../src/register-commands.ts';
import { dmResponder, phaseOf, SAMPLE_METADATA, SAMPLE_OPTIONS, type DmPhase } from '../support/dm-script.ts';
import { startDiscordEmulator, type DiscordEmulator, type MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, startFakeOpenAi, type FakeOpenAi, type RecordedRequest, type Reply } from '../support/fake-openai.ts';
import { createGate, type Gate } from '../support/gate.ts';
import { killIfRunning, spawnNode, testBotEnvironment, type BotProcess } from './bot-process.ts';
import { announced } from './bot-world.ts';
import { actionsAskedFor, expectAnsweredOnce, optionButtons, turnMessages, waitForTurnAfter, WRITING_MARK } from './scripted-channels.ts';

// The fault matrix, process side: the bot as operators run it (`node src/index.ts`), stopped by SIGTERM or killed by
// SIGKILL at each point of a turn, then started again on the same SQLite store. The points, each held on a gate of
// the fake model so that the signal lands exactly there:
//   1. before the first token (the narrative request is open, nothing shown), with an action queued behind it;
//   2. mid-stream (two words shown, the message still marked as being written);
//   3. the text shown whole, before the options (and so before the turn is stored as delivered);
//   4. the options shown, before the scene metadata is stored (the turn is delivered: nothing to answer again).
// After each restart every acknowledged action is answered exactly once, and half-written messages say they were
// interrupted instead of reading as still being written. A turn whose whole text players had read (point 3) is never
// told again: it is delivered as shown, without its options.

const HELD_WORDS = 'Lanterns gutter as the flood gates groan open and black water pours into the crypt'.split(' ');
const HELD_TEXT = HELD_WORDS.join(' ') + '.';
const HELD_START = HELD_WORDS.slice(0, 2).join(' ');
const NARRATIVE = 'The tavern falls silent as the door swings open. Rain hammers the shutters.';
const RESPONSE = 'Mirelle the barkeep nods at you and slides a mug across the counter.';
const WHOLE_TURN = `${NARRATIVE}\n\n${RESPONSE}`;
const QUEUED_ACK = 'The DM will answer this with the next turn';
const INTERRUPTED = /\*\(interrupted[^\n]*\)\*$/;
/** The note on a message a kill cut short after players had read the whole turn, which is shown again below it. */
const CUT_SHORT = '*(cut short by a restart: shown in full below)*';

type Signal = 'SIGTERM' | 'SIGKILL';

type World = {
  discord: DiscordEmulator;
  openai: FakeOpenAi;
  directory: string;
  storeUrl: string;
  /** Replies for the next requests of a phase, in order; the default DM answers the others. */
  next: Record<DmPhase, Reply[]>;
  gates: Gate[];
  bots: BotProcess[];
  /** Every action acknowledged so far ("Name: words"). */
  accepted: string[];
  opening: MessageSnapshot | undefined;
  /** How many Discord requests had been made when each bot process was spawned. */
  startedAtRequest: number[];
  /** Messages of turns delivered as shown, without options (after a clean shutdown, or shown again after a kill). */
  keptWithoutOptions: Set<string>;
  /** Messages a kill cut short after their whole text was shown: they say so, and the turn is shown again below. */
  cutShort: Set<string>;
};

async function openWorld(): Promise<World> {
  const discord = await startDiscordEmulator();
  const openai = await startFakeOpenAi();
  const directory = await mkdtemp(join(tmpdir(), 'dm-fault-process-'));
  await registerCommands({ apiUrl: discord.apiUrl, token: discord.token, guildId: discord.guild.id });
  const base = dmResponder();
  const world: World = {
    discord,
    openai,
    directory,
    storeUrl: `sqlite://${join(directory, 'dm.sqlite')}`,
    next: { narrative: [], response: [], options: [], metadata: [], continuation: [], whisper: [], unknown: [] },
    gates: [],
    bots: [],
    accepted: [],
    opening: undefined,
    keptWithoutOptions: new Set(),
    cutShort: new Set(),
    startedAtRequest: [],
  };
  openai.respondWith((request) => world.next[phaseOf(request)].shift() ?? base(request));
  return world;
}

async function closeWorld(world: World | undefined): Promise<void> {
  if (world === undefined) return;
  for (const bot of world.bots) await killIfRunning(bot);
  for (const gate of world.gates) gate.open();
  await world.discord.stop();
  await world.openai.close();
  await rm(world.directory, { recursive: true, force: true });
}

async function startBot(world: World): Promise<BotProcess> {
  const bot = spawnNode('src/index.ts', testBotEnvironment(world, { SHUTDOWN_GRACE_MS: '1000' }));
  world.bots.push(bot);
  world.startedAtRequest.push(world.discord.requests.length);
  await bot.waitForLog((line) => line.msg === 'connected to Discord', 20_000);
  return bot;
}

/** Stops the bot the way the case says, and checks it went as an operator expects. */
async function stopBot(bot: BotProcess, signal: Signal): Promise<void> {
  const signalledAt = Date.now();
  bot.child.kill(signal);
  const exit = await bot.exited;
  if (signal === 'SIGTERM') {
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(10_000);
    expect(bot.logs().map((line) => line.msg)).toContain('stopped');
  } else {
    expect(exit.signal).toBe('SIGKILL');
  }
  expect(bot.stderr()).toBe('');
  expect(bot.logs().filter((line) => 'unparsed' in line)).toEqual([]);
}

function hold(world: World, phase: DmPhase, make: (gate: Gate) => Reply): Gate {
  const gate = createGate();
  world.gates.push(gate);
  world.next[phase].push(make(gate));
  return gate;
}

function narrativesFrom(world: World, from: number): RecordedRequest[] {
  return world.openai.requests.slice(from).filter((request) => phaseOf(request) === 'narrative');
}

function write(world: World, user: 'alice' | 'bob' | 'carol', content: string): string {
  world.discord.userMessage({ channel: 'tavern', user, content });
  const action = `${user[0]?.toUpperCase()}${user.slice(1)}: ${content}`;
  world.accepted.push(action);
  return action;
}

async function act(world: World, user: 'alice' | 'bob' | 'carol', content: string): Promise<string> {
  const view = await world.discord.slashCommand({ channel: 'tavern', user, name: 'act', options: { action: content } }).reply();
  expect(view.original?.content).toContain(QUEUED_ACK);
  const action = `${user[0]?.toUpperCase()}${user.slice(1)}: ${content}`;
  world.accepted.push(action);
  return action;
}

/** The model was asked for a turn that answers `action`: the bot has taken it. */
function waitForNarrativeOf(world: World, action: string): Promise<unknown> {
  return world.discord.waitFor(
    () => world.openai.requests.some((request) => phaseOf(request) === 'narrative' && actionsAskedFor(request).includes(action)),
    { timeoutMs: 10_000, description: `a narrative request answering "${action}"` },
  );
}

/** The restarted bot delivered `turns` turns; a lost action shows as a turn that never comes, with what was asked. */
async function waitForDelivered(world: World, bot: BotProcess, from: number, turns: number): Promise<void> {
  await bot.waitForLogs((line) => line.msg === 'turn delivered', turns, 15_000).catch(() => {
    throw new Error(`the restarted bot did not deliver ${turns} turn(s); it asked for ${JSON.stringify(narrativesFrom(world, from).map(actionsAskedFor))}`);
  });
}

/**
 * What players see once the table has settled: no message still reads as being written, and every turn message after
 * the opening is either a delivered turn (with option buttons, or kept without them) or says it was interrupted or
 * cut short.
 */
function expectSettledChannel(world: World): void {
  const opening = world.opening?.id ?? '0';
  for (const message of turnMessages(world.discord, 'tavern').filter((candidate) => BigInt(candidate.id) > BigInt(opening))) {
    expect(message.content, message.id).not.toContain(WRITING_MARK);
    if (world.cutShort.has(message.id)) expect(message.content.endsWith(`\n\n${CUT_SHORT}`), message.id).toBe(true);
    else if (optionButtons(message).length === 0 && !world.keptWithoutOptions.has(message.id)) expect(message.content, message.id).toMatch(INTERRUPTED);
  }
}

/** The one message a point left half-written: marked once, no longer "being written", no buttons. */
function expectMarked(world: World, messageId: string, startsWith: string): void {
  const marked = world.discord.message(messageId);
  expect(marked?.content.startsWith(startsWith)).toBe(true);
  expect(marked?.content).not.toContain(WRITING_MARK);
  expect(marked?.content).toMatch(INTERRUPTED);
  expect(marked?.content.match(/\*\(interrupted/g)).toHaveLength(1);
  expect(optionButtons(marked)).toEqual([]);
}

const CHANNEL_WRITE_ROUTES = new Set(['/channels/:channelId/messages', '/channels/:channelId/messages/:messageId']);

/**
 * 429s the bot could have foreseen. A process started within Discord's 5 s window after a crash cannot know the writes
 * its predecessor made until Discord's headers tell it: its first write to a channel may draw a 429 (discord.js then
 * waits it out). Every later 429 is the bot's own doing.
 */
function avoidable429s(world: World) {
  const requests = world.discord.requests;
  return requests.filter((request, index) => {
    if (request.status !== 429) return false;
    const startedAt = Math.max(0, ...world.startedAtRequest.filter((start) => start <= index));
    const earlierWrites = requests
      .slice(startedAt, index)
      .filter((earlier) => earlier.channelId === request.channelId && earlier.route !== null && CHANNEL_WRITE_ROUTES.has(earlier.route) && earlier.method !== 'GET');
    return earlierWrites.length > 0;
  });
}

async function storedTable(world: World) {
  const store = await createCampaignStore({ url: world.storeUrl, logger: pino({ level: 'silent' }) });
  const channelId = world.discord.channels['tavern']?.id ?? '';
  try {
    const [waiting, turns] = await Promise.all([store.getWaiting(channelId), store.getRecentTurns(channelId)]);
    return { waiting, turns };
  } finally {
    await store.close();
  }
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  describe(`${signal} at each point of a turn, then a restart on the same store`, () => {
    let world: World;
    let bot: BotProcess;

    beforeAll(async () => {
      world = await openWorld();
      bot = await startBot(world);
      const start = world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A drowned abbey' } });
      await start.reply(announced);
      world.opening = await waitForTurnAfter(world.discord, 'tavern', '0');
    }, 40_000);

    afterAll(async () => {
      await closeWorld(world);
    });

    it('before the first token: the held turn and the action queued behind it are each answered once', async () => {
      const gate = hold(world, 'narrative', (held) => reply.text(NARRATIVE, { hold: { until: held.until } }));
      const alice = write(world, 'alice', 'I wade into the flooded nave');
      await waitForNarrativeOf(world, alice);
      const bob = await act(world, 'bob', 'I light a torch from the altar');
      // Nothing was shown yet: the model has not sent a word.
      expect(turnMessages(world.discord, 'tavern').filter((message) => message.content.includes(NARRATIVE) && message.id !== world.opening?.id)).toEqual([]);

      await stopBot(bot, signal);
      gate.open();
      const from = world.openai.requests.length;
      bot = await startBot(world);
      await waitForDelivered(world, bot, from, 2);
      expect(narrativesFrom(world, from).map(actionsAskedFor)).toEqual([[alice], [bob]]);
      expectSettledChannel(world);
    });

    it('mid-stream: the half-written message is marked, and its action is answered once', async () => {
      const last = turnMessages(world.discord, 'tavern').at(-1)?.id ?? '0';
      // Streamed for about 7 s before the hold: a restarted bot may find the channel's bucket spent by its predecessor
      // and its own recovery (up to one 5 s window), and the message must still be edited once while text comes.
      const gate = hold(world, 'narrative', (held) => reply.text(HELD_TEXT, { chunkDelayMs: 500, hold: { until: held.until, afterChunks: 14 } }));
      const carol = write(world, 'carol', 'I search the flooded pews for the relic');
      const held = await world.discord.waitFor(
        () =>
          turnMessages(world.discord, 'tavern').find(
            (message) =>
              BigInt(message.id) > BigInt(last) &&
              message.content.startsWith(HELD_START) &&
              message.content.endsWith(WRITING_MARK) &&
              message.versions.length >= 2,
          ),
        { timeoutMs: 15_000, description: 'the held turn showing its first words, edited once' },
      );

      await stopBot(bot, signal);
      gate.open();
      const from = world.openai.requests.length;
      bot = await startBot(world);
      await waitForDelivered(world, bot, from, 1);
      expect(narrativesFrom(world, from).map(actionsAskedFor)).toEqual([[carol]]);
      const replayed = await waitForTurnAfter(world.discord, 'tavern', held.id);
      expect(replayed.content).toBe(WHOLE_TURN);
      expectMarked(world, held.id, HELD_START);
      expectSettledChannel(world);
    });

    it(
      signal === 'SIGTERM'
        ? 'after the text was shown whole, before the options: the shutdown keeps the turn as shown, without options, answered once'
        : 'after the text was shown whole, before the options: the restart keeps the turn as read, shows it again in full without options, and never tells it again',
      async () => {
        const last = turnMessages(world.discord, 'tavern').at(-1)?.id ?? '0';
        const gate = hold(world, 'options', (held) => reply.json({ options: SAMPLE_OPTIONS }, { hold: { until: held.until } }));
        const alice = write(world, 'alice', 'I dive for the drowned bell');
        const shown = await world.discord.waitFor(
          () => turnMessages(world.discord, 'tavern').find((message) => BigInt(message.id) > BigInt(last) && message.content === `${WHOLE_TURN}${WRITING_MARK}`),
          { timeoutMs: 15_000, description: 'the whole text shown, waiting for its options' },
        );

        await stopBot(bot, signal);
        gate.open();
        const from = world.openai.requests.length;
        bot = await startBot(world);
        if (signal === 'SIGTERM') {
          // A clean stop delivers what the players already read whole; only the buttons are missing. Nothing to answer
          // again: the first turn after the restart answers a new action alone.
          const kept = world.discord.message(shown.id);
          expect(kept?.content).toBe(WHOLE_TURN);
          expect(optionButtons(kept)).toEqual([]);
          world.keptWithoutOptions.add(shown.id);
          const bob = write(world, 'bob', 'I ring the drowned bell');
          await waitForDelivered(world, bot, from, 1);
          expect(narrativesFrom(world, from).map(actionsAskedFor)).toEqual([[bob]]);
        } else {
          // The kill may have cut the turn's last edits: the message says so, and the turn is shown again below it,
          // whole and without options. The model is not asked again: the first turn after the restart answers a new
          // action alone.
          const shownAgain = await world.discord.waitFor(
            () => turnMessages(world.discord, 'tavern').find((message) => BigInt(message.id) > BigInt(shown.id) && message.content === WHOLE_TURN),
            { timeoutMs: 15_000, description: 'the turn shown again in full after the restart' },
          );
          expect(optionButtons(shownAgain)).toEqual([]);
          await world.discord.waitFor(() => (world.discord.message(shown.id)?.content === `${WHOLE_TURN}\n\n${CUT_SHORT}` ? true : undefined), {
            description: 'the message the kill cut short marked',
          });
          expect(optionButtons(world.discord.message(shown.id))).toEqual([]);
          world.cutShort.add(shown.id);
          world.keptWithoutOptions.add(shownAgain.id);
          const bob = write(world, 'bob', 'I ring the drowned bell');
          await waitForDelivered(world, bot, from, 1);
          expect(narrativesFrom(world, from).map(actionsAskedFor)).toEqual([[bob]]);
          expect(narrativesFrom(world, 0).filter((request) => actionsAskedFor(request).includes(alice))).toHaveLength(1);
        }
        await waitForTurnAfter(world.discord, 'tavern', shown.id);
        expectSettledChannel(world);
      },
    );

    it('after the options were shown, before the metadata was stored: the turn stands and is not answered again', async () => {
      const last = turnMessages(world.discord, 'tavern').at(-1)?.id ?? '0';
      const gate = hold(world, 'metadata', (held) => reply.json({ ...SAMPLE_METADATA, immediate_threats: 'The water keeps rising' }, { hold: { until: held.until } }));
      const deliveredBefore = bot.logs().filter((line) => line.msg === 'turn delivered').length;
      const bob = write(world, 'bob', 'I climb onto the altar');
      const delivered = await waitForTurnAfter(world.discord, 'tavern', last);
      // The buttons show before the turn is stored as delivered; the bot logs it once it is.
      await bot.waitForLogs((line) => line.msg === 'turn delivered', deliveredBefore + 1);
      expect(world.openai.requests.some((request) => phaseOf(request) === 'metadata' && actionsAskedFor(request).includes(bob))).toBe(true);

      await stopBot(bot, signal);
      gate.open();
      const from = world.openai.requests.length;
      bot = await startBot(world);
      // Something new to answer: the first turn after the restart must answer it alone, not Bob's delivered action.
      const carol = write(world, 'carol', 'I pull Bob up beside me');
      await waitForDelivered(world, bot, from, 1);
      expect(narrativesFrom(world, from).map(actionsAskedFor)).toEqual([[carol]]);
      await waitForTurnAfter(world.discord, 'tavern', delivered.id);
      const kept = world.discord.message(delivered.id);
      expect(kept?.content).toBe(WHOLE_TURN);
      expect(optionButtons(kept).map((button) => button.label)).toEqual(SAMPLE_OPTIONS);
      expect(kept?.content).not.toMatch(INTERRUPTED);
      expectSettledChannel(world);
    });

    it('in all: every acknowledged action answered by exactly one delivered turn, nothing left waiting or unfinished', async () => {
      await expectAnsweredOnce(
        world.discord,
        world.openai.requests.filter((request) => phaseOf(request) === 'narrative'),
        'tavern',
        world.accepted,
      );
      // The bot stops cleanly, and the store holds no action still waiting, no turn unfinished.
      await stopBot(bot, 'SIGTERM');
      const stored = await storedTable(world);
      expect(stored.waiting).toEqual([]);
      expect(stored.turns.filter((turn) => turn.status === 'in_progress')).toEqual([]);
      expect(world.discord.requests.filter((request) => request.status === 400 || request.status >= 500)).toEqual([]);
      expect(avoidable429s(world)).toEqual([]);
    });
  });
}
