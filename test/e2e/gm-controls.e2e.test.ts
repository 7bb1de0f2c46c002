import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmResponder, phaseOf, SAMPLE_METADATA, type DmPhase } from '../support/dm-script.ts';
import type { InteractionView, MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, type RecordedRequest, type Reply } from '../support/fake-openai.ts';
import { createGate, type Gate } from '../support/gate.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';
import { turnMessages as turnMessagesIn } from './scripted-channels.ts';

// The GM's controls while players keep playing, through the real discord.js client and the real openai SDK. Every
// race is made deterministic by holding the fake model on a gate the test opens; each channel is its own table.

const CHANNELS = ['pause-room', 'stop-room', 'end-room', 'race-room', 'reroll-room', 'metadata-room', 'undo-room', 'twin-room'];
const HELD_TEXT = 'The vault door groans open and cold air spills across the flagstones while something stirs below.';

let world: BotWorld;
/** The next request of a phase in a channel is held (or answered specially) by the test; everything else as usual. */
const special: { channel: string; phase: DmPhase; reply: Reply; used: boolean }[] = [];

function channelOf(request: RecordedRequest): string {
  const prompt = request.messages[1]?.content ?? '';
  return CHANNELS.find((channel) => prompt.includes(`Premise: ${premiseOf(channel)}`)) ?? '';
}

function premiseOf(channel: string): string {
  return `The adventure of the ${channel}`;
}

function answer(phase: DmPhase, defaults: Reply): (request: RecordedRequest) => Reply {
  return (request) => {
    const found = special.find((entry) => !entry.used && entry.phase === phase && entry.channel === channelOf(request));
    if (found === undefined) return defaults;
    found.used = true;
    return found.reply;
  };
}

/** Holds the next `phase` request of `channel` until the returned gate opens (streamed text: after two chunks). */
function holdNext(channel: string, phase: DmPhase, value?: unknown): Gate {
  const gate = createGate();
  const held =
    phase === 'narrative' || phase === 'response'
      ? reply.text(HELD_TEXT, { chunkDelayMs: 5, hold: { until: gate.until, afterChunks: 2 } })
      : reply.json(value, { hold: { until: gate.until } });
  special.push({ channel, phase, reply: held, used: false });
  return gate;
}

function answerNext(channel: string, phase: DmPhase, value: unknown): void {
  special.push({ channel, phase, reply: reply.json(value), used: false });
}

function channelId(channel: string): string {
  return world.discord.channels[channel]?.id ?? '';
}

function narrativePrompts(channel: string): string[] {
  return world.openai.requests
    .filter((request) => phaseOf(request) === 'narrative' && channelOf(request) === channel)
    .map((request) => request.messages[1]?.content ?? '');
}

/** The turns as players see them: the bot's turn messages, not its answers to commands and clicks. */
function turnMessages(channel: string): MessageSnapshot[] {
  return turnMessagesIn(world.discord, channel);
}

function gm(channel: string, subcommand: string, options: Record<string, string | number> = {}, user = 'gm') {
  return world.discord.slashCommand({ channel, user, name: 'gm', subcommand, options });
}

async function startCampaign(channel: string): Promise<MessageSnapshot> {
  await gm(channel, 'start', { premise: premiseOf(channel) }).reply(announced);
  return waitForOptions(world, channel);
}

async function idle(channel: string): Promise<void> {
  await world.bot.tables.of(channelId(channel)).idle();
}

function metadataAt(location: string) {
  return { ...SAMPLE_METADATA, scene_elements: { ...SAMPLE_METADATA.scene_elements, current_location: location } };
}

beforeAll(async () => {
  world = await startBotWorld({ channels: CHANNELS });
  const defaults = dmResponder();
  world.openai.respondWith((request) => {
    const phase = phaseOf(request);
    const fallback = defaults(request) as Reply;
    return answer(phase, fallback)(request);
  });
});

afterAll(async () => {
  await world?.close();
});

describe('GM controls', () => {
  it('pause: the running turn finishes, then the DM is silent; actions taken before the pause are answered after resume', async () => {
    const room = 'pause-room';
    await startCampaign(room);
    const hold = holdNext(room, 'narrative');
    world.discord.userMessage({ channel: room, user: 'alice', content: 'I open the chest' });
    await world.discord.waitFor(() => turnMessages(room).at(-1)?.content.startsWith('The vault'), { timeoutMs: 15_000, description: 'the turn streaming' });
    world.discord.userMessage({ channel: room, user: 'bob', content: 'I guard the door' });
    const carol = await world.discord.slashCommand({ channel: room, user: 'carol', name: 'act', options: { action: 'I light a torch' } }).reply();
    expect(carol.original?.content).toBe('**Carol**: I light a torch\n-# The DM will answer this with the next turn.');

    const paused = await gm(room, 'pause').reply(announced);
    expect(paused.ephemeral).toBe(true);
    expect(paused.original?.content).toContain('The table is paused');
    expect(paused.followUps[0]?.ephemeral).toBe(false);
    expect(paused.followUps[0]?.content).toBe(
      '⏸️ **The GM has paused the table.** The DM is not listening: talk freely.\n-# The turn being written will finish first.\n-# 2 actions already taken will be answered after the pause.',
    );

    hold.open();
    const finished = await waitForOptions(world, room, 1);
    expect(finished.content).toContain('cold air spills');
    await idle(room);
    expect(narrativePrompts(room)).toHaveLength(2);

    // While paused: a message is table talk (silence), /act and a click are refused privately.
    const messagesBefore = world.botMessages(room).length;
    world.discord.userMessage({ channel: room, user: 'alice', content: 'brb, getting snacks' });
    const act = await world.discord.slashCommand({ channel: room, user: 'alice', name: 'act', options: { action: 'I peek outside' } }).reply();
    expect(act.ephemeral).toBe(true);
    expect(act.original?.content).toContain('The table is paused');
    const click = await world.discord.clickButton({ channel: room, user: 'bob', messageId: finished.id, customId: finished.buttons[0]?.customId ?? '' }).reply();
    expect(click.ephemeral).toBe(true);
    expect(click.original?.content).toContain('The table is paused');
    await idle(room);
    expect(world.botMessages(room)).toHaveLength(messagesBefore);
    expect(narrativePrompts(room)).toHaveLength(2);

    const resumed = await gm(room, 'resume').reply(announced);
    expect(resumed.followUps[0]?.content).toBe(
      '▶️ **The table is back in play.** Write what you do.\n-# The DM now answers the 2 actions taken before the pause.',
    );
    await waitForOptions(world, room, 2);
    const answered = narrativePrompts(room)[2] ?? '';
    expect(answered).toContain("## This turn's actions\n- Bob: \"I guard the door\"\n- Carol: \"I light a torch\"");
    expect(answered).not.toContain('snacks');
    expect(answered).not.toContain('I peek outside');
    await idle(room);
  });

  it('stop: the turn being written stops with a mark, its actions are dropped with a notice, and the options before it come back', async () => {
    const room = 'stop-room';
    const opening = await startCampaign(room);
    const hold = holdNext(room, 'narrative');
    world.discord.userMessage({ channel: room, user: 'alice', content: 'I cast the forbidden spell' });
    await world.discord.waitFor(() => turnMessages(room).at(-1)?.content.startsWith('The vault'), { timeoutMs: 15_000, description: 'the turn streaming' });

    const stopped = await gm(room, 'stop').reply(announced);
    expect(stopped.original?.content).toBe('The turn is stopped.');
    expect(stopped.followUps[0]?.content).toBe(
      '⏹️ **The GM stopped this turn.** The DM will not answer what **Alice** did in it: write it again if you still want to.',
    );
    const marked = await world.discord.waitFor(
      () => turnMessages(room).find((message) => message.content.includes('*(interrupted — stopped by the GM)*')),
      { timeoutMs: 15_000, description: 'the stopped turn marked' },
    );
    expect(marked.content.startsWith('The vault')).toBe(true);
    expect(marked.buttons).toEqual([]);
    // Back where the table was: the opening's options can be picked again.
    await world.discord.waitFor(() => world.discord.message(opening.id)?.buttons.every((button) => !button.disabled), {
      timeoutMs: 15_000,
      description: "the opening's buttons enabled again",
    });
    hold.open();

    const nothing = await gm(room, 'stop').reply();
    expect(nothing.original?.content).toBe('The DM is not writing a turn right now.');

    world.discord.userMessage({ channel: room, user: 'alice', content: 'I leave quietly' });
    await waitForOptions(world, room, 1);
    const next = narrativePrompts(room).at(-1) ?? '';
    expect(next).toContain("## This turn's actions\n- Alice: \"I leave quietly\"");
    expect(next).not.toContain('forbidden spell');
    await idle(room);
  });

  it('end: the table stops now, queued actions are dropped with one public notice, and no further turn runs', async () => {
    const room = 'end-room';
    const opening = await startCampaign(room);
    const hold = holdNext(room, 'narrative');
    world.discord.userMessage({ channel: room, user: 'alice', content: 'I charge the gate' });
    await world.discord.waitFor(() => turnMessages(room).at(-1)?.content.startsWith('The vault'), { timeoutMs: 15_000, description: 'the turn streaming' });
    world.discord.userMessage({ channel: room, user: 'bob', content: 'I follow Alice' });
    const queued = await world.discord.slashCommand({ channel: room, user: 'carol', name: 'act', options: { action: 'I cover them' } }).reply();
    expect(queued.original?.content).toContain('The DM will answer this with the next turn.');

    const ended = await gm(room, 'end').reply(announced);
    expect(ended.followUps).toHaveLength(1);
    expect(ended.followUps[0]?.content).toBe(
      '📜 **The campaign has ended** after 1 turns. Thanks for playing! A GM can start a new one with `/gm start`.\n-# The DM will not answer the actions still waiting (**Bob** and **Carol**).',
    );
    const marked = await world.discord.waitFor(
      () => turnMessages(room).find((message) => message.content.includes('*(interrupted — the GM ended the campaign)*')),
      { timeoutMs: 15_000, description: 'the running turn marked' },
    );
    expect(marked.buttons).toEqual([]);
    await world.discord.waitFor(() => world.discord.message(opening.id)?.buttons.every((button) => button.disabled), {
      timeoutMs: 15_000,
      description: "the opening's buttons disabled",
    });
    hold.open();
    await idle(room);
    world.discord.userMessage({ channel: room, user: 'alice', content: 'Wait, one more thing!' });
    const act = await world.discord.slashCommand({ channel: room, user: 'bob', name: 'act', options: { action: 'I knock' } }).reply();
    expect(act.original?.content).toMatch(/^No campaign is running in this channel/);
    await idle(room);
    expect(narrativePrompts(room)).toHaveLength(2);
    expect((await world.bot.store.getCampaign(channelId(room)))?.status).toBe('ended');
    expect(await world.bot.store.getWaiting(channelId(room))).toEqual([]);
  });

  it('start right after end, with a turn of the old campaign still in flight, never mixes the two campaigns', async () => {
    const room = 'race-room';
    await startCampaign(room);
    const optionsHold = holdNext(room, 'options', { options: ['Old option A', 'Old option B', 'Old option C'] });
    world.discord.userMessage({ channel: room, user: 'alice', content: 'I read the inscription' });
    await world.discord.waitFor(
      () => world.openai.requests.filter((request) => phaseOf(request) === 'options' && channelOf(request) === room).length === 2,
      { timeoutMs: 15_000, description: "the old turn's options call" },
    );
    const old = turnMessages(room).at(-1);

    await gm(room, 'end').reply(announced);
    const restarted = await gm(room, 'start', { premise: 'Sky pirates over the salt flats' }).reply(announced);
    expect(restarted.followUps[0]?.content).toContain('Sky pirates over the salt flats');
    optionsHold.open();

    const newOpening = await world.discord.waitFor(
      () => world.openai.requests.filter((request) => phaseOf(request) === 'narrative' && (request.messages[1]?.content ?? '').includes('Sky pirates')).at(0),
      { timeoutMs: 15_000, description: 'the new opening' },
    );
    const prompt = newOpening.messages[1]?.content ?? '';
    expect(prompt).toContain('None yet: this is the opening of the campaign.');
    expect(prompt).not.toContain(premiseOf(room));
    expect(prompt).not.toContain('inscription');
    expect(prompt).not.toContain('## Recent turns');
    await world.discord.waitFor(() => world.botMessages(room).some((message) => message.buttons.some((button) => !button.disabled) && message.id !== old?.id), {
      description: "the new opening's buttons",
    });
    await idle(room);

    const oldNow = world.discord.message(old?.id ?? '');
    expect(oldNow?.buttons).toEqual([]);
    expect(oldNow?.content).toContain('the GM ended the campaign');
    const campaign = await world.bot.store.getCampaign(channelId(room));
    const turns = await world.bot.store.getRecentTurns(channelId(room));
    expect(campaign?.premise).toBe('Sky pirates over the salt flats');
    expect(campaign?.turnCount).toBe(1);
    expect(turns.map((turn) => [turn.campaignId === campaign?.campaignId, turn.status])).toEqual([[true, 'complete']]);
    expect(world.botMessages(room).some((message) => message.buttons.some((button) => button.label === 'Old option A' && !button.disabled))).toBe(false);
  });

  it('reroll: the last turn is written again from the same actions; the old version is marked replaced and loses its buttons', async () => {
    const room = 'reroll-room';
    await startCampaign(room);
    world.discord.userMessage({ channel: room, user: 'alice', content: 'I bargain with the merchant' });
    const first = await waitForOptions(world, room, 1);
    await idle(room);

    const rerolled = await gm(room, 'reroll').reply(announced);
    expect(rerolled.followUps[0]?.content).toBe('🔁 **The GM rerolls the last turn.** The DM writes it again from the same actions.');
    await world.discord.waitFor(() => narrativePrompts(room).length === 3, { timeoutMs: 15_000, description: 'the rerolled turn' });
    const prompt = narrativePrompts(room)[2] ?? '';
    expect(prompt).toContain("## This turn's actions\n- Alice: \"I bargain with the merchant\"");
    // The state is the one before the discarded version: it is not among the recent turns.
    expect(prompt.split('I bargain with the merchant')).toHaveLength(2);
    const replaced = await world.discord.waitFor(
      () => {
        const message = world.discord.message(first.id);
        return message?.content.includes('*(replaced by a reroll)*') ? message : undefined;
      },
      { timeoutMs: 15_000, description: 'the old version marked' },
    );
    expect(replaced.buttons).toEqual([]);
    const second = await waitForOptions(world, room, 1);
    expect(second.id).not.toBe(first.id);

    const busyHold = holdNext(room, 'narrative');
    world.discord.userMessage({ channel: room, user: 'bob', content: 'I count the coins' });
    await world.discord.waitFor(() => narrativePrompts(room).length === 4, { timeoutMs: 15_000, description: 'a turn running' });
    const refused = await gm(room, 'reroll').reply();
    expect(refused.original?.content).toBe('The DM is still writing. Let the turn end, or stop it with `/gm stop`, then reroll.');
    busyHold.open();
    await waitForOptions(world, room, 1);
    await idle(room);
  });

  it('reroll while the last turn\'s scene metadata is still being written: the discarded turn\'s scene never lands', async () => {
    const room = 'metadata-room';
    await startCampaign(room);
    await idle(room);
    const metadataHold = holdNext(room, 'metadata', metadataAt('The Discarded Vault'));
    world.discord.userMessage({ channel: room, user: 'alice', content: 'I search the vault' });
    await waitForOptions(world, room, 1);
    await world.discord.waitFor(
      () => world.openai.requests.filter((request) => phaseOf(request) === 'metadata' && channelOf(request) === room).length === 2,
      { timeoutMs: 15_000, description: "the held metadata call" },
    );

    answerNext(room, 'metadata', metadataAt('The Second Vault'));
    const rerolled = await gm(room, 'reroll').reply(announced);
    expect(rerolled.original?.content).toBe('The DM is writing the last turn again.');
    await world.discord.waitFor(() => narrativePrompts(room).length === 3, { timeoutMs: 15_000, description: 'the rerolled turn' });
    metadataHold.open();
    await waitForOptions(world, room, 1);
    await idle(room);
    expect((await world.bot.store.getScene(channelId(room)))?.metadata.scene_elements.current_location).toBe('The Second Vault');
  });

  it('undo: the story returns to before the last turns, their messages are marked, and the turn now last plays again from its buttons', async () => {
    const room = 'undo-room';
    const opening = await startCampaign(room);
    world.discord.userMessage({ channel: room, user: 'alice', content: 'I light the brazier' });
    await world.discord.waitFor(() => narrativePrompts(room).length === 2, { timeoutMs: 15_000, description: "Alice's turn" });
    await idle(room);
    // The last turn's metadata is still being written when the GM undoes it.
    const metadataHold = holdNext(room, 'metadata', metadataAt('Where the map led'));
    world.discord.userMessage({ channel: room, user: 'bob', content: 'I read the map' });
    await world.discord.waitFor(
      () => world.openai.requests.filter((request) => phaseOf(request) === 'metadata' && channelOf(request) === room).length === 3,
      { timeoutMs: 15_000, description: "Bob's turn, its metadata held" },
    );
    await world.discord.waitFor(() => turnMessages(room)[2]?.buttons.some((button) => !button.disabled), { timeoutMs: 15_000, description: "Bob's turn shown whole" });
    const [, second, third] = turnMessages(room);

    const tooMany = await gm(room, 'undo', { turns: 5 }).reply();
    expect(tooMany.original?.content).toBe('Only 2 turns can be undone here (the opening scene cannot; `/gm reroll` replaces it).');
    const undone = await gm(room, 'undo', { turns: 2 }).reply(announced);
    expect(undone.followUps[0]?.content).toBe(
      '↩️ **The GM has undone the last 2 turns.** The story is back where it was before; the options from then are open again.',
    );
    metadataHold.open();
    for (const message of [second, third]) {
      const marked = await world.discord.waitFor(
        () => {
          const now = world.discord.message(message?.id ?? '');
          return now?.content.includes('*(undone by the GM)*') ? now : undefined;
        },
        { timeoutMs: 15_000, description: 'an undone turn marked' },
      );
      expect(marked.buttons).toEqual([]);
    }
    const reopened = await world.discord.waitFor(
      () => {
        const now = world.discord.message(opening.id);
        return now?.buttons.every((button) => !button.disabled) ? now : undefined;
      },
      { timeoutMs: 15_000, description: "the opening's buttons live again" },
    );
    await idle(room);
    expect((await world.bot.store.getScene(channelId(room)))?.metadata).toEqual(SAMPLE_METADATA);

    const click = await world.discord
      .clickButton({ channel: room, user: 'carol', messageId: reopened.id, customId: reopened.buttons[2]?.customId ?? '' })
      .reply((view: InteractionView) => view.followUps.length > 0);
    expect(click.followUps[0]?.content).toBe('**Carol** chooses: Search for exits');
    await world.discord.waitFor(() => narrativePrompts(room).length === 4, { timeoutMs: 15_000, description: 'the turn from the click' });
    const prompt = narrativePrompts(room)[3] ?? '';
    expect(prompt).toContain("## This turn's actions\n- Carol: \"Search for exits\"");
    expect(prompt).not.toContain('brazier');
    expect(prompt).not.toContain('I read the map');
    await waitForOptions(world, room, 1);
    await idle(room);
    expect((await world.bot.store.getCampaign(channelId(room)))?.turnCount).toBe(2);
  });

  it('two GMs at once: each command has one answer, and the table hears one announcement', async () => {
    const room = 'twin-room';
    await startCampaign(room);
    await idle(room);
    const [first, second] = [gm(room, 'pause', {}, 'gm'), gm(room, 'pause', {}, 'gmByRole')];
    const complete = (view: InteractionView) =>
      view.original?.loading === false && (view.followUps.length > 0 || (view.original.content.includes('already') ?? false));
    const answers = await Promise.all([first.reply(complete), second.reply(complete)]);
    const texts = answers.map((view) => view.original?.content).sort();
    expect(texts).toEqual(['The table is already paused. Resume it with `/gm resume`.', 'The table is paused. `/gm resume` when you are ready.']);
    const announcements = world.botMessages(room).filter((message) => message.content.startsWith('⏸️'));
    expect(announcements).toHaveLength(1);

    const [endByGm, endByRole] = [gm(room, 'end', {}, 'gm'), gm(room, 'end', {}, 'gmByRole')];
    const ends = (await Promise.all([endByGm.reply(), endByRole.reply()])).map((view) => view.original?.content).sort();
    expect(ends).toEqual(['No campaign is running in this channel. Start one with `/gm start`.', 'The campaign has ended. `/gm export` still gives you its log.']);

    // Both start a campaign at once: one starts it, the other is told one is running, and the DM opens it once.
    const openingsBefore = narrativePrompts(room).length;
    const [startByGm, startByRole] = [
      gm(room, 'start', { premise: premiseOf(room), tone: 'first tone' }, 'gm'),
      gm(room, 'start', { premise: premiseOf(room), tone: 'second tone' }, 'gmByRole'),
    ];
    const starts = (await Promise.all([startByGm.reply(), startByRole.reply()])).map((view) => view.original?.content).sort();
    expect(starts).toEqual(['A campaign is already running in this channel. End it first with `/gm end`.', 'The campaign has started; the DM is writing the opening scene.']);
    await waitForOptions(world, room);
    await idle(room);
    expect(narrativePrompts(room)).toHaveLength(openingsBefore + 1);
    expect(world.botMessages(room).filter((message) => message.content.startsWith('🎲 **A new campaign begins.**'))).toHaveLength(2);
  });

  it('refuses every GM control to a player, privately, and changes nothing', async () => {
    const room = 'stop-room';
    const before = { prompts: narrativePrompts(room).length, messages: world.botMessages(room).length, campaign: await world.bot.store.getCampaign(channelId(room)) };
    for (const subcommand of ['pause', 'resume', 'stop', 'reroll', 'undo', 'end', 'start']) {
      const view = await gm(room, subcommand, {}, 'alice').reply();
      expect(view.ephemeral).toBe(true);
      expect(view.original?.content).toMatch(/^Only a GM can do that/);
    }
    await idle(room);
    expect(narrativePrompts(room)).toHaveLength(before.prompts);
    expect(world.botMessages(room)).toHaveLength(before.messages);
    expect(await world.bot.store.getCampaign(channelId(room))).toEqual(before.campaign);
  });

  it('broke no Discord limit and acknowledged every interaction within 3 s', () => {
    expect(refusedRequests(world).map((request) => [request.method, request.route, request.status, request.errorCode])).toEqual([]);
    for (const delay of world.discord.acknowledgementDelays()) expect(delay.delayMs ?? Infinity).toBeLessThan(3000);
  });
});
