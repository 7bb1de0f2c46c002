import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { createGate } from '../support/gate.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';
import { channelOf, createChannelScript, exportedLog, premiseOf, requestsOf, turnMessages as turnMessagesIn, waitForFailureNote, waitForTurnAfter } from './scripted-channels.ts';

// The X-card: anyone taps it, privately; the turn on the table turns into "The scene shifts." and the DM plays it
// again another way, without ever seeing the withdrawn text again.

const CHANNELS = ['box-room', 'stream-room', 'empty-room', 'unopened-room'];
const WITHDRAWN = 'The box opens and a voice whispers the name of your dead brother, over and over, closer each time.';

let world: BotWorld;
const script = createChannelScript(CHANNELS);

function narratives(channel: string): RecordedRequest[] {
  return requestsOf(world.openai.requests, CHANNELS, channel, 'narrative');
}

function channelRequests(channel: string): RecordedRequest[] {
  return world.openai.requests.filter((request) => channelOf(request, CHANNELS) === channel);
}

function turnMessages(channel: string): MessageSnapshot[] {
  return turnMessagesIn(world.discord, channel);
}

async function startCampaign(channel: string): Promise<void> {
  await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: premiseOf(channel) } }).reply(announced);
  await waitForOptions(world, channel);
}

beforeAll(async () => {
  world = await startBotWorld({ channels: CHANNELS });
  world.openai.respondWith(script.responder);
});

afterAll(async () => {
  await world.close();
});

describe('the X-card', () => {
  it('withdraws the last turn anonymously: the table sees only "The scene shifts." and a new turn that went another way', async () => {
    const channel = 'box-room';
    await startCampaign(channel);
    script.next(channel, 'narrative', reply.text(WITHDRAWN));
    world.discord.userMessage({ channel, user: 'alice', content: 'I open the little black box' });
    const withdrawn = await world.discord.waitFor(() => turnMessages(channel).find((message) => message.content.startsWith('The box opens') && message.buttons.length > 0), {
      description: 'the turn to withdraw',
    });
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
    const publicBefore = world.botMessages(channel).length;

    const requestsBefore = world.openai.requests.length;
    const tap = await world.discord.slashCommand({ channel, user: 'bob', name: 'x' }).reply();
    expect(tap.ephemeral).toBe(true);
    expect(tap.original?.content).toContain('X-card tapped');
    expect(tap.followUps).toEqual([]);

    const replaced = await world.discord.waitFor(() => {
      const message = world.discord.messages(channel).find((candidate) => candidate.id === withdrawn.id);
      return message?.content === '*The scene shifts.*' ? message : undefined;
    }, { description: 'the withdrawn turn replaced' });
    expect(replaced.buttons).toEqual([]);
    const again = await world.discord.waitFor(
      () => turnMessages(channel).find((message) => message.createdAt > withdrawn.createdAt && message.buttons.some((button) => !button.disabled)),
      { description: 'the turn played again', timeoutMs: 20_000 },
    );
    expect(again.content).not.toContain('whispers');
    // Alice's action is answered again, the DM told to go another way, and the withdrawn text is in no later prompt.
    const replay = narratives(channel).at(-1);
    expect(replay?.messages[1]?.content).toContain('I open the little black box');
    expect(replay?.messages.at(-1)?.content).toContain('X-card');
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
    world.discord.userMessage({ channel, user: 'alice', content: 'I step back' });
    await world.discord.waitFor(() => (narratives(channel).length === 4 ? true : undefined), { description: 'the next turn asked' });
    const after = world.openai.requests.slice(requestsBefore).filter((candidate) => channelOf(candidate, CHANNELS) === channel);
    expect(after.length).toBeGreaterThanOrEqual(5);
    for (const request of after) {
      expect(request.messages.map((message) => message.content).join('\n')).not.toContain('dead brother');
    }
    // Nothing public names who tapped it: the only new public messages are the DM's turns.
    expect(world.botMessages(channel).slice(publicBefore).every((message) => !message.content.includes('Bob') && !message.content.includes('bob'))).toBe(true);
    // The GM's export keeps the withdrawn turn, marked for what it was, and still without the tapper's name.
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
    const log = await exportedLog(world.discord, channel);
    expect(log.map((turn) => turn.status)).toEqual(['delivered', 'withdrawn', 'delivered', 'delivered']);
    expect(log[1]?.text).toContain('(withdrawn with the X-card)');
    expect(log.map((turn) => turn.text).join('\n')).not.toMatch(/bob/i);
  });

  it('withdraws a turn while it is being written, before the rest of it can appear', async () => {
    const channel = 'stream-room';
    await startCampaign(channel);
    const gate = createGate();
    script.next(channel, 'narrative', reply.text(WITHDRAWN, { chunkDelayMs: 5, hold: { until: gate.until, afterChunks: 4 } }));
    world.discord.userMessage({ channel, user: 'carol', content: 'I read the letter aloud' });
    const streaming = await world.discord.waitFor(() => turnMessages(channel).find((message) => message.content.startsWith('The box opens')), {
      description: 'the turn streaming',
    });
    const tap = await world.discord.slashCommand({ channel, user: 'alice', name: 'x' }).reply();
    expect(tap.original?.content).toContain('X-card tapped');
    gate.open();
    await world.discord.waitFor(() => (world.discord.messages(channel).find((message) => message.id === streaming.id)?.content === '*The scene shifts.*' ? true : undefined), {
      description: 'the streaming turn withdrawn',
    });
    await world.discord.waitFor(
      () => turnMessages(channel).find((message) => message.createdAt > streaming.createdAt && message.buttons.some((button) => !button.disabled)),
      { description: 'the turn played again', timeoutMs: 20_000 },
    );
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
    expect(world.discord.messages(channel).find((message) => message.id === streaming.id)?.content).toBe('*The scene shifts.*');
    expect(narratives(channel).at(-1)?.messages.at(-1)?.content).toContain('X-card');
  });

  it('answers privately, and changes nothing, where there is nothing to withdraw', async () => {
    const tap = await world.discord.slashCommand({ channel: 'empty-room', user: 'alice', name: 'x' }).reply();
    expect(tap.ephemeral).toBe(true);
    expect(tap.original?.content).toBe('No campaign is running in this channel.');
    expect(world.botMessages('empty-room')).toEqual([]);
    expect(refusedRequests(world)).toEqual([]);
  });

  it('answers privately, and changes nothing, in a running campaign whose opening never reached the table', async () => {
    const channel = 'unopened-room';
    const channelId = world.discord.channels[channel]?.id ?? '';
    // The model fails the opening outright: the stream, then its non-streaming fallback.
    script.next(channel, 'narrative', reply.serverError(), reply.serverError());
    await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: premiseOf(channel) } }).reply(announced);
    await world.discord.waitFor(() => (narratives(channel).length === 2 ? true : undefined), { description: 'the opening asked twice' });
    const note = await waitForFailureNote(world.discord, channel, '0');
    expect(note.buttons.map((button) => button.label)).toEqual(['Try again']);
    await world.bot.tables.of(channelId).idle();
    expect(script.unused(channel)).toEqual([]);
    expect((await world.bot.store.getCampaign(channelId))?.status).toBe('active');
    const publicBefore = world.botMessages(channel);
    const requestsBefore = channelRequests(channel).length;

    const tap = await world.discord.slashCommand({ channel, user: 'bob', name: 'x' }).reply();
    expect(tap.ephemeral).toBe(true);
    expect(tap.original?.content).toBe('There is no turn to withdraw yet. The X-card works on the turn the DM is writing or has just written.');
    expect(tap.followUps).toEqual([]);

    // Nothing public: no new message, the failure note as it was, and no turn asked of the DM.
    await world.bot.tables.of(channelId).idle();
    expect(world.botMessages(channel)).toEqual(publicBefore);
    expect(world.discord.message(note.id)).toMatchObject({ content: note.content, buttons: note.buttons });
    expect(channelRequests(channel)).toHaveLength(requestsBefore);

    // The table plays on as if nobody had tapped: "Try again" opens the campaign, and by the time the opening is
    // shown the only public words since the tap are the retry's line and the opening itself.
    await world.discord.clickButton({ user: 'carol', messageId: note.id, customId: note.buttons[0]?.customId ?? '' }).acknowledged();
    const opening = await waitForTurnAfter(world.discord, channel, note.id);
    await world.bot.tables.of(channelId).idle();
    const since = world.botMessages(channel).filter((message) => !publicBefore.some((before) => before.id === message.id));
    expect(since.filter((message) => message.id !== opening.id).map((message) => message.content)).toEqual(['🔁 **Carol** asks the DM to try again.']);
    expect(since.map((message) => message.content).join('\n')).not.toMatch(/X-card|withdraw|Bob/);
    expect(refusedRequests(world)).toEqual([]);
  });
});
