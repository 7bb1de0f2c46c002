import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCommands } from '../../src/register-commands.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../support/discord-emulator/index.ts';
import { reply, startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../support/fake-openai.ts';
import { createGate, type Gate } from '../support/gate.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { spawnNode, testBotEnvironment, type BotProcess } from './bot-process.ts';
import { actionsAskedFor, createChannelScript, expectAnsweredOnce, premiseOf, requestsOf, turnMessages, WRITING_MARK } from './scripted-channels.ts';

// Two bot processes, one gateway shard each, on one real redis-server: each plays the tables of its own shard's
// guild, and a process killed with SIGKILL and started again recovers its own unfinished turn and nothing of the
// other's, which is still being written by the process that owns it.

const CHANNELS = ['tavern', 'harbour'] as const;
type Channel = (typeof CHANNELS)[number];
/** Which SHARD_IDS owns which channel: the default guild is put on shard 0, the Harbour Realm on shard 1. */
const SHARD_OF: Record<Channel, number> = { tavern: 0, harbour: 1 };

let discord: DiscordEmulator;
let openai: FakeOpenAi;
let redis: RedisServer;
const bots: BotProcess[] = [];
const gates: Gate[] = [];
const script = createChannelScript(CHANNELS);
const accepted: Record<Channel, string[]> = { tavern: [], harbour: [] };

function narratives(channel: Channel): RecordedRequest[] {
  return requestsOf(openai.requests, CHANNELS, channel, 'narrative');
}

async function startShard(shard: number): Promise<BotProcess> {
  const bot = spawnNode('src/index.ts', testBotEnvironment({ discord, openai, storeUrl: redis.url }, { SHARD_COUNT: '2', SHARD_IDS: String(shard) }));
  bots.push(bot);
  await bot.waitForLog((line) => line.msg === 'connected to Discord', 20_000);
  return bot;
}

function write(channel: Channel, user: 'alice' | 'bob', content: string): string {
  discord.userMessage({ channel, user, content });
  const action = `${user === 'alice' ? 'Alice' : 'Bob'}: ${content}`;
  accepted[channel].push(action);
  return action;
}

function waitForAsked(channel: Channel, action: string): Promise<unknown> {
  return discord.waitFor(() => (narratives(channel).some((request) => actionsAskedFor(request).includes(action)) ? true : undefined), {
    description: `the narrative of "${action}" asked in #${channel}`,
    timeoutMs: 20_000,
  });
}

/** `count` turns were asked of the DM in the channel, and the last one is over: written whole, with live buttons. */
function waitForTurns(channel: Channel, count: number): Promise<unknown> {
  return discord.waitFor(
    () => {
      const last = turnMessages(discord, channel).at(-1);
      const over = last !== undefined && !last.content.includes(WRITING_MARK) && last.buttons.some((button) => !button.disabled);
      return narratives(channel).length >= count && over ? true : undefined;
    },
    { description: `${count} turns in #${channel}`, timeoutMs: 20_000 },
  );
}

beforeAll(async () => {
  redis = await startRedisServer();
  discord = await startDiscordEmulator({
    guildShard: { id: 0, count: 2 },
    guilds: [{ name: 'Harbour Realm', channels: ['harbour'], shard: { id: 1, count: 2 } }],
  });
  openai = await startFakeOpenAi();
  openai.respondWith(script.responder);
  for (const guild of discord.guilds) await registerCommands({ apiUrl: discord.apiUrl, token: discord.token, guildId: guild.id });
});

afterAll(async () => {
  for (const gate of gates) gate.open();
  for (const bot of bots) if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill('SIGKILL');
  await Promise.all(bots.map((bot) => bot.exited));
  await discord?.stop();
  await openai?.close();
  await redis?.stop();
});

describe('two shards in two processes on one redis', () => {
  it("each plays its own guild's tables; a killed one recovers its own unfinished turn and nothing of the other's", async () => {
    const [first, second] = [await startShard(SHARD_OF.tavern), await startShard(SHARD_OF.harbour)];
    expect(first.logs().find((line) => line.msg === 'connected to Discord')).toMatchObject({ guilds: 1, shards: { count: 2, ids: [0] } });
    expect(second.logs().find((line) => line.msg === 'connected to Discord')).toMatchObject({ guilds: 1, shards: { count: 2, ids: [1] } });

    // Both play: each GM's start is answered (only the owning shard gets the interaction), each opening streams.
    for (const channel of CHANNELS) {
      const start = await discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: premiseOf(channel) } }).reply();
      expect(start.original?.content ?? '').not.toContain('error');
    }
    for (const channel of CHANNELS) await waitForTurns(channel, 1);
    for (const channel of CHANNELS) {
      const action = write(channel, 'alice', `I look around the ${channel}`);
      await waitForAsked(channel, action);
    }
    for (const channel of CHANNELS) await waitForTurns(channel, 2);

    // A turn in the works in each guild, both held mid-stream.
    for (const channel of CHANNELS) {
      const gate = createGate();
      gates.push(gate);
      script.next(channel, 'narrative', reply.text(`The ${channel} holds its breath while the lamps gutter.`, { chunkDelayMs: 5, hold: { until: gate.until, afterChunks: 3 } }));
    }
    const held = { tavern: write('tavern', 'bob', 'I draw my blade'), harbour: write('harbour', 'bob', 'I untie the boat') };
    for (const channel of CHANNELS) await waitForAsked(channel, held[channel]);
    await discord.waitFor(() => (CHANNELS.every((channel) => turnMessages(discord, channel).some((message) => message.content.includes(WRITING_MARK))) ? true : undefined), {
      description: 'both held turns visible mid-stream',
    });
    const harbourNarrativesBefore = narratives('harbour').length;

    // The tavern's process dies without a word, and comes back.
    first.child.kill('SIGKILL');
    await first.exited;
    const restarted = await startShard(SHARD_OF.tavern);
    await restarted.waitForLog((line) => line.msg === 'answering what a restart left unanswered', 20_000);
    const tavernId = discord.channels['tavern']?.id;
    const harbourId = discord.guilds[1]?.channels['harbour']?.id;
    const recoveries = restarted.logs().filter((line) => line.msg === 'answering what a restart left unanswered');
    expect(recoveries.map((line) => line.channelId)).toEqual([tavernId]);
    expect(recoveries.map((line) => line.channelId)).not.toContain(harbourId);

    // Its own turn is played again and delivered; the harbour's is untouched, still held by the process that owns it.
    await waitForTurns('tavern', 4);
    expect(narratives('harbour')).toHaveLength(harbourNarrativesBefore);
    expect(turnMessages(discord, 'harbour').at(-1)?.content).toContain(WRITING_MARK);

    // The harbour's process finishes its own turn when the model goes on.
    for (const gate of gates) gate.open();
    await discord.waitFor(() => (turnMessages(discord, 'harbour').at(-1)?.buttons.some((button) => !button.disabled) === true ? true : undefined), {
      description: 'the harbour turn finished by its own process',
      timeoutMs: 20_000,
    });
    expect(narratives('harbour')).toHaveLength(harbourNarrativesBefore);

    // Every acknowledged action of both guilds answered exactly once, as each GM's export shows.
    for (const channel of CHANNELS) await expectAnsweredOnce(discord, narratives(channel), channel, accepted[channel]);
    for (const bot of [second, restarted]) {
      expect(bot.stderr()).toBe('');
      expect(bot.logs().filter((line) => (line.level ?? 0) >= 50)).toEqual([]);
    }
  });
});
