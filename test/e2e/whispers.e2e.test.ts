import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionView, MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { createGate } from '../support/gate.ts';
import { phaseOf } from '../support/dm-script.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';
import { channelOf, createChannelScript, exportedLog, premiseOf, requestsOf, turnMessages, WRITING_MARK } from './scripted-channels.ts';

// Whispers: a private action the DM answers for one player alone, streamed into an ephemeral reply. The table never
// sees it; the DM remembers it as a secret; the whisperer's own recap and the GM's export mark it private.

const CHANNELS = ['secret-room', 'undo-room', 'busy-room', 'fail-room', 'opening-room', 'empty-room'];
const ANSWER =
  'Your fingers close around the cold silver key before anyone turns. Mirelle glances your way, then back to her glasses: nobody saw a thing.';

let world: BotWorld;
const script = createChannelScript(CHANNELS);

function channelRequests(channel: string): RecordedRequest[] {
  return world.openai.requests.filter((request) => channelOf(request, CHANNELS) === channel);
}

async function startCampaign(channel: string): Promise<void> {
  await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: premiseOf(channel) } }).reply(announced);
  await waitForOptions(world, channel);
  await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
}

/** The whisper's reply once it is finished: no longer "thinking…" and no longer being written. */
function finished(view: InteractionView): boolean {
  const original = view.original;
  return original !== null && !original.loading && !original.content.includes(WRITING_MARK);
}

function whisper(channel: string, user: string, text: string) {
  return world.discord.slashCommand({ channel, user, name: 'whisper', options: { text } });
}

/** Plays one public turn by `user` and waits until it is over. */
async function act(channel: string, user: string, content: string): Promise<void> {
  const before = turnMessages(world.discord, channel).length;
  world.discord.userMessage({ channel, user, content });
  await world.discord.waitFor(
    () => turnMessages(world.discord, channel).slice(before).find((message: MessageSnapshot) => message.buttons.some((button) => !button.disabled)),
    { description: `the turn answering "${content}"`, timeoutMs: 20_000 },
  );
  await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
}

beforeAll(async () => {
  world = await startBotWorld({ channels: CHANNELS });
  world.openai.respondWith(script.responder);
});

afterAll(async () => {
  await world.close();
});

describe('/whisper', () => {
  it('answers the whisperer alone, streamed into a private reply; the table sees nothing; the DM keeps it secret afterwards', async () => {
    const channel = 'secret-room';
    await startCampaign(channel);
    const publicBefore = world.botMessages(channel).length;
    // Word by word, slowly enough that the reply visibly grows before it is finished.
    script.next(channel, 'whisper', reply.text(ANSWER, { chunkDelayMs: 120 }));

    const view = await whisper(channel, 'alice', 'I pocket the silver key while nobody looks').reply(finished, { timeoutMs: 20_000 });

    expect(view.ephemeral).toBe(true);
    expect(view.followUps).toEqual([]);
    expect(view.original?.content).toBe(`-# 🤫 You whisper: I pocket the silver key while nobody looks\n${ANSWER}`);
    // Streamed: earlier versions of the reply held part of the answer, with the writing mark behind it.
    const growing = (view.original?.edits ?? []).filter((version) => version.content?.includes(WRITING_MARK) === true);
    expect(growing.length).toBeGreaterThanOrEqual(2);
    const firstShown = (growing[0]?.content ?? '').split('\n')[1] ?? '';
    expect(ANSWER.startsWith(firstShown)).toBe(true);
    expect(firstShown.length).toBeLessThan(ANSWER.length);
    // A phrase first, never a lonely word.
    expect(firstShown.split(' ').length).toBeGreaterThanOrEqual(3);
    // Nothing public: no new message of the bot in the channel, nothing anywhere that tells the key.
    expect(world.botMessages(channel)).toHaveLength(publicBefore);
    expect(world.discord.messages(channel).filter((message) => !message.ephemeral).some((message) => message.content.includes('silver key'))).toBe(false);

    // The DM was asked as the whisperer's DM: the action is named private, and nothing was asked of the public phases.
    const asked = channelRequests(channel).filter((request) => phaseOf(request) === 'whisper');
    expect(asked).toHaveLength(1);
    expect(asked[0]?.messages[1]?.content).toContain('## Whispered to you privately\n- Alice: "I pocket the silver key while nobody looks"');
    expect(asked[0]?.messages[1]?.content).not.toContain("## This turn's actions");

    // The next public turn's DM knows of it, as a secret: every phase's prompt has it, and says to keep it.
    const requestsBefore = channelRequests(channel).length;
    await act(channel, 'bob', 'I ask Mirelle about the cellar');
    const turnRequests = channelRequests(channel).slice(requestsBefore);
    expect(turnRequests.map(phaseOf)).toEqual(expect.arrayContaining(['narrative', 'response', 'options', 'metadata']));
    for (const request of turnRequests) {
      const prompt = request.messages[1]?.content ?? '';
      expect(prompt).toContain('## Private whispers (secret)');
      expect(prompt).toContain('"whispered":"I pocket the silver key while nobody looks"');
      expect(prompt).toMatch(/never reveal/);
    }

    // Alice's own recap reminds her, marked private; Bob's does not, nor a public recap.
    const own = await world.discord.slashCommand({ channel, user: 'alice', name: 'recap' }).reply();
    expect(own.ephemeral).toBe(true);
    const ownField = own.original?.embeds[0]?.fields?.find((field) => field.name.includes('Your whispers'));
    expect(ownField?.name).toContain('private');
    expect(ownField?.value).toContain('I pocket the silver key');
    const bobs = await world.discord.slashCommand({ channel, user: 'bob', name: 'recap' }).reply();
    expect(JSON.stringify(bobs.original?.embeds)).not.toContain('silver key');
    const shown = await world.discord.slashCommand({ channel, user: 'alice', name: 'recap', options: { public: true } }).reply();
    expect(shown.ephemeral).toBe(false);
    expect(JSON.stringify(shown.original?.embeds)).not.toContain('silver key');

    // The GM's export shows it where it happened, marked private.
    const log = await exportedLog(world.discord, channel);
    const opening = log.find((turn) => turn.opening);
    expect(opening?.text).toContain('🤫 **Private whisper** from **Alice** (only they read the answer)');
    expect(opening?.text).toContain('I pocket the silver key while nobody looks');
    expect(opening?.text).toContain('nobody saw a thing');
    expect(refusedRequests(world)).toEqual([]);
  });

  it('goes with the turn it followed when the GM undoes that turn', async () => {
    const channel = 'undo-room';
    await startCampaign(channel);
    await act(channel, 'bob', 'I kick the door in');
    await whisper(channel, 'alice', 'I slip the dagger from the guard belt').reply(finished, { timeoutMs: 20_000 });
    const undo = await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'undo' }).reply(announced);
    expect(undo.original?.content).toMatch(/undone|Undone/);
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();

    const requestsBefore = channelRequests(channel).length;
    await act(channel, 'bob', 'I knock politely instead');
    for (const request of channelRequests(channel).slice(requestsBefore)) {
      expect(request.messages.map((message) => message.content).join('\n')).not.toContain('dagger');
    }
    const log = await exportedLog(world.discord, channel);
    expect(log.map((turn) => turn.text).join('\n')).toContain('its turn was taken back');
  });

  it('never waits for a running turn, and takes one whisper per player at a time', async () => {
    const channel = 'busy-room';
    await startCampaign(channel);
    const turnHeld = createGate();
    script.next(channel, 'narrative', reply.text('The floor shudders under your feet.', { hold: { until: turnHeld.until } }));
    world.discord.userMessage({ channel, user: 'bob', content: 'I pull the lever' });
    await world.discord.waitFor(() => (requestsOf(world.openai.requests, CHANNELS, channel, 'narrative').length === 2 ? true : undefined), {
      description: 'the turn asked of the DM',
    });

    const whisperHeld = createGate();
    script.next(channel, 'whisper', reply.text('You feel a draught from behind the shelf.', { hold: { until: whisperHeld.until } }));
    const first = whisper(channel, 'alice', 'I press my ear to the wall');
    await world.discord.waitFor(() => (channelRequests(channel).some((request) => phaseOf(request) === 'whisper') ? true : undefined), {
      description: 'the whisper asked of the DM',
    });
    const second = await whisper(channel, 'alice', 'I also check the shelf').reply(finished);
    expect(second.ephemeral).toBe(true);
    expect(second.original?.content).toBe('The DM is still answering your previous whisper. Read it, then whisper again.');

    // Answered while the public turn is still held: a whisper is not queued behind a turn.
    whisperHeld.open();
    const answered = await first.reply(finished, { timeoutMs: 20_000 });
    expect(answered.original?.content).toContain('You feel a draught from behind the shelf.');
    expect(turnHeld.opened).toBe(false);
    turnHeld.open();
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
  });

  it('says plainly when the DM cannot answer, and keeps nothing of a whisper it did not answer', async () => {
    const channel = 'fail-room';
    await startCampaign(channel);
    script.next(channel, 'whisper', reply.serverError(), reply.serverError());
    const view = await whisper(channel, 'alice', 'I hide the ledger under my cloak').reply(finished, { timeoutMs: 20_000 });
    expect(view.original?.content).toBe('The DM could not answer your whisper just now. Nothing was kept: try again in a moment.');
    const requestsBefore = channelRequests(channel).length;
    await act(channel, 'bob', 'I count the coins on the table');
    for (const request of channelRequests(channel).slice(requestsBefore)) {
      expect(request.messages.map((message) => message.content).join('\n')).not.toContain('ledger');
    }
  });

  it('answers bad input privately and changes nothing', async () => {
    const nowhere = await whisper('empty-room', 'alice', 'I look for a secret door').reply(finished);
    expect(nowhere.ephemeral).toBe(true);
    expect(nowhere.original?.content).toBe('No campaign is running in this channel. A GM can start one with `/gm start`.');

    // The opening is still being written: there is nothing to whisper about yet.
    const channel = 'opening-room';
    const opening = createGate();
    script.next(channel, 'narrative', reply.text('Mist rolls over the moor.', { hold: { until: opening.until } }));
    await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: premiseOf(channel) } }).reply(announced);
    const early = await whisper(channel, 'alice', 'I check my pack').reply(finished);
    expect(early.original?.content).toBe('The DM is still setting the first scene. Whisper once you can see it.');
    opening.open();
    await waitForOptions(world, channel);

    const blank = await whisper(channel, 'alice', '   ').reply(finished);
    expect(blank.ephemeral).toBe(true);
    expect(blank.original?.content).toContain('Write what you whisper');
    // Discord's client will not send more than the option's 1000 characters: the player keeps their text and sees the limit.
    // The bot's own limit behind it, and its answer, are in test/campaign/whisper-desk.test.ts.
    expect(() => whisper(channel, 'alice', 'x'.repeat(4000))).toThrow(/1000/);
    expect(channelRequests(channel).filter((request) => phaseOf(request) === 'whisper')).toEqual([]);
    expect(world.botMessages(channel).every((message) => !message.content.includes('check my pack'))).toBe(true);
  });
});
