import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { createGate } from '../support/gate.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';
import { actionsAskedFor, expectAnsweredOnce, turnMessages, WRITING_MARK } from './scripted-channels.ts';

// Redis goes away in the middle of a turn and comes back: the turn being written still reaches the table whole, new
// actions are refused in plain words instead of silence, nothing stored is lost, and the bot carries on by itself.

const channel = 'tavern';
const HELD_TEXT = 'The fuse hisses and spits, racing toward the powder kegs while the whole room holds its breath.';

let world: BotWorld;
let redis: RedisServer;
let dataDirectory: string;
let holdNext: Promise<void> | null = null;
const accepted: string[] = [];

function narratives(): RecordedRequest[] {
  return world.openai.requests.filter((request) => phaseOf(request) === 'narrative');
}

async function health(): Promise<{ status: number; text: string }> {
  const response = await fetch(`${world.bot.metricsUrl ?? ''}/healthz`);
  return { status: response.status, text: await response.text() };
}

/** Polls /healthz until it is 200 again: the store answers (the client reconnected by itself). */
async function healthBackWithin(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await health();
    if (answer.status === 200) return;
    if (Date.now() > deadline) throw new Error(`/healthz still ${answer.status}: ${answer.text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function write(user: 'alice' | 'bob', content: string): string {
  world.discord.userMessage({ channel, user, content });
  return `${user === 'alice' ? 'Alice' : 'Bob'}: ${content}`;
}

function waitForAsked(action: string): Promise<unknown> {
  return world.discord.waitFor(() => (narratives().some((request) => actionsAskedFor(request).includes(action)) ? true : undefined), {
    description: `the DM asked about "${action}"`,
    timeoutMs: 20_000,
  });
}

beforeAll(async () => {
  dataDirectory = await mkdtemp(join(tmpdir(), 'dm-redis-faults-'));
  redis = await startRedisServer({ dataDirectory });
  world = await startBotWorld({ environment: { STORE_URL: redis.url, METRICS_PORT: '0' } });
  const base = dmResponder();
  world.openai.respondWith(async (request) => {
    if (phaseOf(request) === 'narrative' && holdNext !== null) {
      const until = holdNext;
      holdNext = null;
      return reply.text(HELD_TEXT, { chunkDelayMs: 5, hold: { until, afterChunks: 4 } });
    }
    return base(request);
  });
});

afterAll(async () => {
  await world?.close();
  await redis?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

describe('redis unreachable, then back', () => {
  it('finishes the turn being written, refuses new actions plainly, loses nothing, and recovers by itself', async () => {
    await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'Powder and plunder' } }).reply(announced);
    await waitForOptions(world, channel);
    const first = write('alice', 'I look around the hold');
    accepted.push(first);
    await waitForAsked(first);
    await waitForOptions(world, channel, 1);
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();

    // A turn being written when redis goes away.
    const gate = createGate();
    holdNext = gate.until;
    const fuse = write('alice', 'I light the fuse');
    accepted.push(fuse);
    await waitForAsked(fuse);
    await world.discord.waitFor(() => (turnMessages(world.discord, channel).at(-1)?.content.includes(WRITING_MARK) === true ? true : undefined), {
      description: 'the turn mid-stream',
    });
    await redis.stop();

    // New actions: a plain answer, nothing stored.
    write('bob', 'I run for cover');
    const notice = await world.discord.waitFor(
      () => world.botMessages(channel).find((message) => message.content.startsWith('Bob:') && message.content.includes('memory is unreachable')),
      { description: "Bob told that the DM's memory is unreachable" },
    );
    expect(notice.content).toBe("Bob: The DM's memory is unreachable right now, so your action was not taken. Try again shortly.");
    const act = await world.discord.slashCommand({ channel, user: 'carol', name: 'act', options: { action: 'I dive overboard' } }).reply();
    expect(act.ephemeral).toBe(true);
    expect(act.original?.content).toBe("The DM's memory is unreachable right now, so your action was not taken. Try again shortly.");
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.text).toMatch(/^store /);

    // The turn being written reaches the table whole, with its buttons, though the store cannot take it yet.
    gate.open();
    const shown = await world.discord.waitFor(
      () => {
        const turn = turnMessages(world.discord, channel).find((message) => message.content.startsWith(HELD_TEXT));
        return turn !== undefined && !turn.content.includes(WRITING_MARK) && turn.buttons.some((button) => !button.disabled) ? turn : undefined;
      },
      { description: 'the turn shown whole while redis is down', timeoutMs: 20_000 },
    );
    expect(shown.content).not.toMatch(/interrupted|unreachable/);

    // Redis comes back: the bot reconnects by itself, the turn is recorded once, and play goes on.
    await redis.start();
    await healthBackWithin(15_000);
    const again = write('bob', 'I run for cover');
    accepted.push(again);
    await waitForAsked(again);
    await waitForOptions(world, channel, 3);
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
    const delivered = await expectAnsweredOnce(world.discord, narratives(), channel, accepted);
    expect(delivered.map((turn) => turn.actions)).toEqual([[first], [fuse], [again]]);
    // Carol's refused action was never stored: no turn asked the DM about it.
    expect(narratives().some((request) => actionsAskedFor(request).includes('Carol: I dive overboard'))).toBe(false);
    expect(refusedRequests(world)).toEqual([]);
  });
});
