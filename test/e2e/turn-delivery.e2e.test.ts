import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply } from '../support/fake-openai.ts';
import { createGate, type Gate } from '../support/gate.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';
import { actionsAskedFor, createChannelScript, expectAnsweredOnce, premiseOf, requestsOf, turnMessages as turnMessagesIn } from './scripted-channels.ts';

// Every accepted action reaches the table whatever happens to the DM's messages: a moderator deleting the message
// being written, or the bot losing its right to write in the channel mid-turn; and a failed turn can be tried again
// by a button. The real discord.js client against the emulator (which answers 10008, 50013 and 50001 as Discord
// does), the fake model held by the test.

const CHANNELS = ['purge-room', 'locked-room', 'muted-room', 'retry-room', 'paused-room', 'hushed-room', 'waking-room'];
const HELD_TEXT = 'The rope bridge sways over the chasm while the wind howls and the planks creak under every careful step.';
/** A turn the default DM writes: narrative, then response. */
const DEFAULT_TURN = 'The tavern falls silent as the door swings open. Rain hammers the shutters.\n\nMirelle the barkeep nods at you and slides a mug across the counter.';

let world: BotWorld;
const script = createChannelScript(CHANNELS);

function holdNextNarrative(channel: string): Gate {
  const gate = createGate();
  script.next(channel, 'narrative', reply.text(HELD_TEXT, { chunkDelayMs: 5, hold: { until: gate.until, afterChunks: 6 } }));
  return gate;
}

/** How many narrative requests carried this action: each accepted action must be answered exactly once. */
function timesAnswered(channel: string, action: string): number {
  return requestsOf(world.openai.requests, CHANNELS, channel, 'narrative').filter((request) =>
    actionsAskedFor(request).some((line) => line.endsWith(`: ${action}`)),
  ).length;
}

function turnMessages(channel: string): MessageSnapshot[] {
  return turnMessagesIn(world.discord, channel);
}

async function startCampaign(channel: string): Promise<void> {
  await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: premiseOf(channel) } }).reply(announced);
  await waitForOptions(world, channel);
}

/**
 * A turn streaming when the channel is taken from the DM (View Channel gone), so the table holds; `pauseFirst`: the
 * GM pauses the table while the turn is being written, before Discord refuses it.
 */
async function holdMidTurn(channel: string, action: string, options: { pauseFirst: boolean }): Promise<void> {
  await startCampaign(channel);
  const gate = holdNextNarrative(channel);
  world.discord.userMessage({ channel, user: 'alice', content: action });
  await world.discord.waitFor(() => turnMessages(channel).find((message) => message.content.startsWith('The rope bridge') && message.buttons.length === 0), {
    description: 'the turn streaming',
  });
  if (options.pauseFirst) await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'pause' }).reply();
  world.discord.denyBotPermissions(channel, { hide: true });
  gate.open();
  const tableId = world.discord.channels[channel]?.id ?? '';
  await world.bot.tables.of(tableId).idle();
  expect((await world.bot.store.getCampaign(tableId))?.held).toMatchObject({ reason: 'channel_unwritable' });
}

/** Discord lets the DM write again: the turn players did not see whole is shown again, and the table stays paused. */
async function expectReleasedStillPaused(channel: string): Promise<void> {
  const tableId = world.discord.channels[channel]?.id ?? '';
  world.discord.restoreBotPermissions(channel);
  const notice = await world.discord.waitFor(() => turnMessages(channel).find((message) => message.content.includes('The DM can write in this channel again')), {
    description: 'the notice that Discord lets the DM write again',
  });
  await world.discord.waitFor(
    () => turnMessages(channel).find((message) => message.createdAt >= notice.createdAt && message.content.startsWith('The rope bridge sways') && message.buttons.length > 0),
    { description: 'the turn shown again', timeoutMs: 20_000 },
  );
  // Joins the release under way (one attempt at a time), so the record below is the one it wrote.
  await world.bot.tables.of(tableId).retryHeld();
  expect(await world.bot.store.getCampaign(tableId)).toMatchObject({ status: 'paused', held: null });
  const refused = await world.discord.slashCommand({ channel, user: 'bob', name: 'act', options: { action: 'I light a torch' } }).reply();
  expect(refused.original?.content).toContain('The table is paused');
}

beforeAll(async () => {
  world = await startBotWorld({ channels: CHANNELS });
  world.openai.respondWith(script.responder);
});

afterAll(async () => {
  await world.close();
});

describe('turn delivery when Discord takes a message or the channel away', () => {
  it('a turn whose message a moderator deletes goes on in a new message that says so, and ends with its buttons; its action is answered once, also after the next turn', async () => {
    const channel = 'purge-room';
    await startCampaign(channel);
    const gate = holdNextNarrative(channel);
    world.discord.userMessage({ channel, user: 'alice', content: 'I cross the rope bridge slowly' });
    const partial = await world.discord.waitFor(
      () => turnMessages(channel).find((message) => message.content.startsWith('The rope bridge') && message.buttons.length === 0),
      { description: 'the turn streaming' },
    );
    world.discord.deleteMessage(partial.id);
    gate.open();

    const ended = await waitForOptions(world, channel, 1);
    expect(ended.id).not.toBe(partial.id);
    expect(ended.content).toMatch(/^-# \*\(the DM's earlier message was removed; the turn goes on here\)\*\nThe rope bridge sways over the chasm/u);
    expect(ended.content).not.toContain('the DM is writing');
    expect(timesAnswered(channel, 'I cross the rope bridge slowly')).toBe(1);
    // A click on the new buttons plays the next turn: the table did not lose track of them.
    const button = ended.buttons[0];
    // Clicked the moment the buttons appear, while the turn is still being recorded: the click counts.
    world.discord.clickButton({ channel, user: 'alice', messageId: ended.id, customId: button?.customId ?? '' });
    const next = await world.discord.waitFor(
      () => turnMessages(channel).find((message) => message.id !== ended.id && message.createdAt > ended.createdAt && message.buttons.some((option) => !option.disabled)),
      { description: 'the next turn, started by the click', timeoutMs: 20_000 },
    );
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
    // The next turn answers the choice alone: the action shown in the new message is not carried into it.
    expect(next.content, 'the next turn answers the choice, not the crossing again').toBe(DEFAULT_TURN);
    expect(timesAnswered(channel, 'I cross the rope bridge slowly')).toBe(1);
    const crossing = 'Alice: I cross the rope bridge slowly';
    const choice = `Alice: ${button?.label ?? ''}`;
    const delivered = await expectAnsweredOnce(world.discord, requestsOf(world.openai.requests, CHANNELS, channel, 'narrative'), channel, [crossing, choice]);
    expect(delivered.map((turn) => turn.actions)).toEqual([[crossing], [choice]]);
    expect(turnMessages(channel).filter((message) => message.content.includes("the DM's earlier message was removed"))).toHaveLength(1);
    expect(refusedRequests(world)).toEqual([]);
  });

  it('without Send Messages a turn still ends in its own message; the next one waits, held, until the DM may post again', async () => {
    const channel = 'muted-room';
    await startCampaign(channel);
    const gate = holdNextNarrative(channel);
    world.discord.userMessage({ channel, user: 'alice', content: 'I ring the temple bell' });
    await world.discord.waitFor(() => turnMessages(channel).find((message) => message.content.startsWith('The rope bridge') && message.buttons.length === 0), {
      description: 'the turn streaming',
    });
    world.discord.denyBotPermissions(channel);
    gate.open();
    // Edits of its own message still work on Discord: the turn ends where it began, with its buttons.
    const ended = await waitForOptions(world, channel, 1);
    expect(ended.content).toMatch(/^The rope bridge sways over the chasm/u);
    expect(timesAnswered(channel, 'I ring the temple bell')).toBe(1);

    // The next turn needs a new message: Discord refuses it, the table holds, and the model's answer is kept.
    world.discord.userMessage({ channel, user: 'bob', content: 'I search the altar' });
    const tableId = world.discord.channels[channel]?.id ?? '';
    await world.discord.waitFor(() => (timesAnswered(channel, 'I search the altar') === 1 ? true : undefined), { description: "Bob's turn asked of the model" });
    await world.bot.tables.of(tableId).idle();
    expect((await world.bot.store.getCampaign(tableId))?.held).toMatchObject({ reason: 'channel_unwritable' });
    expect(turnMessages(channel).at(-1)?.id).toBe(ended.id);
    world.discord.restoreBotPermissions(channel);
    const shown = await world.discord.waitFor(
      () => turnMessages(channel).find((message) => message.createdAt > ended.createdAt && message.buttons.some((button) => !button.disabled)),
      { description: "Bob's turn shown once the DM may post", timeoutMs: 20_000 },
    );
    expect(shown.content).not.toContain('the DM is writing');
    expect(turnMessages(channel).some((message) => message.content.includes('The DM can write in this channel again'))).toBe(true);
    expect(timesAnswered(channel, 'I search the altar')).toBe(1);
  });

  it('a failed turn offers "Try again": a double press runs its kept actions in exactly one turn', async () => {
    const channel = 'retry-room';
    await startCampaign(channel);
    // The stream and its non-streamed fallback both fail.
    script.next(channel, 'narrative', reply.serverError(), reply.serverError());
    world.discord.userMessage({ channel, user: 'carol', content: 'I light the beacon on the tower' });
    const failed = await world.discord.waitFor(
      () => turnMessages(channel).find((message) => message.content.includes('could not be reached') && message.buttons.length === 1),
      { description: 'the failed turn with its Try again button' },
    );
    expect(failed.content).toMatch(/\*\(interrupted — the DM's model could not be reached; your actions are kept[^)]*\)\*$/u);
    expect(failed.buttons[0]?.label).toBe('Try again');
    const customId = failed.buttons[0]?.customId ?? '';
    const first = world.discord.clickButton({ channel, user: 'alice', messageId: failed.id, customId });
    const second = world.discord.clickButton({ channel, user: 'bob', messageId: failed.id, customId });
    const [firstView, secondView] = await Promise.all([first.acknowledged(), second.acknowledged()]);
    // One press is told the DM is on it; the other is announced to the table, once.
    expect([firstView, secondView].filter((view) => view.original?.content === 'The DM is already on it.')).toHaveLength(1);
    await world.discord.waitFor(() => world.botMessages(channel).find((message) => message.content.includes('asks the DM to try again')), {
      description: 'the retry announced',
    });
    await world.discord.waitFor(
      () => turnMessages(channel).find((message) => message.createdAt > failed.createdAt && message.buttons.some((button) => !button.disabled)),
      { description: 'the turn played again', timeoutMs: 20_000 },
    );
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
    // Asked of the model by the failed attempt (stream and fallback), then by the one retry.
    expect(timesAnswered(channel, 'I light the beacon on the tower')).toBe(3);
    expect(world.discord.messages(channel).find((message) => message.id === failed.id)?.buttons).toEqual([]);
    expect(world.botMessages(channel).filter((message) => message.content.includes('asks the DM to try again'))).toHaveLength(1);
  });

  it('a channel taken from the DM mid-turn holds the table; the turn is shown again in full and kept actions answered once it can', async () => {
    const channel = 'locked-room';
    await startCampaign(channel);
    const gate = holdNextNarrative(channel);
    world.discord.userMessage({ channel, user: 'alice', content: 'I pick the lock of the iron door' });
    await world.discord.waitFor(() => turnMessages(channel).find((message) => message.content.startsWith('The rope bridge') && message.buttons.length === 0), {
      description: 'the turn streaming',
    });
    // The channel is taken from the bot (View Channel gone): even its own message can no longer be edited.
    world.discord.denyBotPermissions(channel, { hide: true });
    gate.open();
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();

    // Held: no buttons anywhere, and a player acting meanwhile is told their action is kept.
    expect(turnMessages(channel).at(-1)?.buttons.every((button) => button.disabled)).toBe(true);
    const act = world.discord.slashCommand({ channel, user: 'bob', name: 'act', options: { action: 'I keep watch on the stairs' } });
    const answer = await act.reply();
    expect(answer.original?.content).toContain('The DM cannot write in this channel right now; your action is kept');

    // The GM's resume while Discord still refuses says why, privately.
    const refused = await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'resume' }).reply();
    expect(refused.original?.content).toContain('Discord still does not let me write in this channel');

    world.discord.restoreBotPermissions(channel);
    const notice = await world.discord.waitFor(() => turnMessages(channel).find((message) => message.content.includes('The DM can write in this channel again')), {
      description: 'the notice that play goes on',
    });
    expect(notice).toBeDefined();
    // The turn players did not see whole is shown again, with its buttons; then Bob's kept action is answered.
    const shownAgain = await world.discord.waitFor(
      () => turnMessages(channel).find((message) => message.createdAt >= notice.createdAt && message.content.startsWith('The rope bridge sways') && message.buttons.length > 0),
      { description: 'the turn shown again', timeoutMs: 20_000 },
    );
    expect(shownAgain.content).not.toContain('the DM is writing');
    await world.discord.waitFor(() => (timesAnswered(channel, 'I keep watch on the stairs') === 1 ? true : undefined), { description: "Bob's action answered" });
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
    expect(timesAnswered(channel, 'I pick the lock of the iron door')).toBe(1);
    expect(timesAnswered(channel, 'I keep watch on the stairs')).toBe(1);
    const last = turnMessages(channel).at(-1);
    expect(last?.buttons.some((button) => !button.disabled)).toBe(true);
    expect(refusedRequests(world).filter((request) => request.status === 400)).toEqual([]);
  });
  it("a GM's pause during a hold outlasts it: the turn is shown again, then the table waits for the GM's resume", async () => {
    const channel = 'paused-room';
    await holdMidTurn(channel, 'I wade into the flooded crypt', { pauseFirst: false });
    // Held by Discord is not paused by the GM: the GM's pause is taken, not answered "already paused".
    const paused = await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'pause' }).reply();
    expect(paused.original?.content).toBe('The table is paused. `/gm resume` when you are ready.');
    await expectReleasedStillPaused(channel);
    await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'resume' }).reply();
    world.discord.userMessage({ channel, user: 'bob', content: 'I light a torch' });
    await world.discord.waitFor(() => (timesAnswered(channel, 'I light a torch') === 1 ? true : undefined), { description: "Bob's action answered after the resume" });
    expect(timesAnswered(channel, 'I wade into the flooded crypt')).toBe(1);
  });

  it("a GM's pause before a hold outlasts it too", async () => {
    const channel = 'hushed-room';
    await holdMidTurn(channel, 'I whistle for the ferryman', { pauseFirst: true });
    await expectReleasedStillPaused(channel);
    expect(timesAnswered(channel, 'I whistle for the ferryman')).toBe(1);
  });
  it("a GM's resume while Discord still refuses is kept: the table plays as soon as the hold is released", async () => {
    const channel = 'waking-room';
    await holdMidTurn(channel, 'I call across the ravine', { pauseFirst: true });
    const resumed = await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'resume' }).reply();
    expect(resumed.original?.content).toContain('Discord still does not let me write in this channel');
    world.discord.restoreBotPermissions(channel);
    await world.discord.waitFor(() => turnMessages(channel).find((message) => message.content.includes('The DM can write in this channel again')), {
      description: 'the notice that Discord lets the DM write again',
    });
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').retryHeld();
    world.discord.userMessage({ channel, user: 'bob', content: 'I throw a rope across' });
    await world.discord.waitFor(() => (timesAnswered(channel, 'I throw a rope across') === 1 ? true : undefined), { description: "Bob's action answered" });
  });
});
