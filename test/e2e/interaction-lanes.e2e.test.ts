import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest as DiscordRequest } from '../support/discord-emulator/request-log.ts';
import { reply } from '../support/fake-openai.ts';
import { createGate } from '../support/gate.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';
import { createChannelScript, optionButtons, premiseOf, WRITING_MARK } from './scripted-channels.ts';

// A turn started by a click streams through the click's own interaction webhook: follow-ups and their edits, which
// Discord keeps outside the bot's global limit and the channel's budget. When the token stops working, the same turn
// goes on through the channel's routes and still ends whole, with its buttons.

const CHANNELS = ['quay', 'lighthouse', 'harbour'];
/** Discord's: an interaction token works for 15 minutes. The emulator's clock jumps over it. */
const TOKEN_LIFETIME_MS = 15 * 60 * 1000;
const LONG_NARRATIVE = 'The lamp room smells of oil and salt, and the great lens turns slowly, throwing its beam across the black water.';

let world: BotWorld;
const script = createChannelScript(CHANNELS);

const WEBHOOK_ROUTES = ['/webhooks/:applicationId/:interactionToken', '/webhooks/:applicationId/:interactionToken/messages/:messageId'];

function writesTo(messageId: string): DiscordRequest[] {
  return world.discord.requests.filter((request) => request.messageId === messageId && request.method !== 'GET');
}

async function startCampaign(channel: string) {
  await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: premiseOf(channel) } }).reply(announced);
  const opening = await waitForOptions(world, channel);
  await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
  return opening;
}

/** The newest message with live option buttons, once it is not `previous`: the turn after it is over. */
function turnAfter(channel: string, previous: string) {
  return world.discord.waitFor(
    () => {
      const live = world.botMessages(channel).filter((message) => optionButtons(message).some((button) => !button.disabled)).at(-1);
      return live !== undefined && live.id !== previous ? live : undefined;
    },
    { description: `a new turn in #${channel}`, timeoutMs: 20_000 },
  );
}

function click(channel: string, message: { id: string; buttons: { customId: string | null }[] }, index = 0) {
  const button = optionButtons(message as Parameters<typeof optionButtons>[0])[index];
  return world.discord.clickButton({ channel, user: 'alice', messageId: message.id, customId: button?.customId ?? '' });
}

beforeAll(async () => {
  world = await startBotWorld({ channels: CHANNELS });
  world.openai.respondWith(script.responder);
});

afterAll(async () => {
  await world.close();
});

describe('the opening of /gm start', () => {
  it("streams as follow-ups of the command, below its announcement, written only through the command's webhook", async () => {
    const channel = 'harbour';
    const handle = world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: premiseOf(channel) } });
    const view = await handle.reply(announced);
    expect(view.original?.ephemeral).toBe(true);
    const opening = await waitForOptions(world, channel);
    const followUps = world.discord.interactionReplies(handle.id).followUps;
    expect(followUps.map((message) => message.id)).toEqual([followUps[0]?.id, opening.id]);
    expect(followUps[0]?.content).toContain('A new campaign begins');
    expect(opening.ephemeral).toBe(false);
    expect(opening.versions.length).toBeGreaterThanOrEqual(2);
    const writes = writesTo(opening.id);
    expect(writes.every((request) => WEBHOOK_ROUTES.includes(request.route ?? ''))).toBe(true);
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
    // The opening's buttons play like any turn's.
    const clicked = click(channel, opening);
    await turnAfter(channel, opening.id);
    expect(world.discord.interactionReplies(clicked.id).followUps[0]?.content).toMatch(/^\*\*Alice\*\* chooses: /);
  });
});

describe('a turn started by a click', () => {
  it("streams as follow-ups of the click, written only through the click's webhook; the next turn retires its buttons", async () => {
    const channel = 'quay';
    const opening = await startCampaign(channel);
    const handle = click(channel, opening);
    const last = await turnAfter(channel, opening.id);
    const followUps = world.discord.interactionReplies(handle.id).followUps;
    // The choice's public line first, then the turn under it.
    expect(followUps.map((message) => message.id)).toEqual([followUps[0]?.id, last.id]);
    expect(followUps[0]?.content).toMatch(/^\*\*Alice\*\* chooses: /);
    expect(last.versions.length).toBeGreaterThanOrEqual(2);
    expect(last.versions[0]?.content.endsWith(WRITING_MARK)).toBe(true);
    const writes = writesTo(last.id);
    expect(writes.length).toBeGreaterThanOrEqual(2);
    expect(writes.every((request) => WEBHOOK_ROUTES.includes(request.route ?? ''))).toBe(true);
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();

    // The next turn (a message) retires the follow-up's buttons through the channel: the bot's own message.
    world.discord.userMessage({ channel, user: 'bob', content: 'I cast off the mooring line' });
    await turnAfter(channel, last.id);
    await world.discord.waitFor(() => (world.discord.message(last.id)?.buttons.every((button) => button.disabled) === true ? true : undefined), {
      description: 'the clicked turn’s buttons retired',
      timeoutMs: 15_000,
    });
    expect(refusedRequests(world)).toEqual([]);
  });

  it("goes on through the channel when the click's token dies mid-turn, and still ends whole with its buttons", async () => {
    const channel = 'lighthouse';
    const opening = await startCampaign(channel);
    const gate = createGate();
    script.next(channel, 'narrative', reply.text(LONG_NARRATIVE, { chunkDelayMs: 5, hold: { until: gate.until, afterChunks: 4 } }));
    const handle = click(channel, opening);
    const streaming = await world.discord.waitFor(
      () => world.discord.interactionReplies(handle.id).followUps.find((message) => message.content.includes(WRITING_MARK)),
      { description: 'the turn streaming as a follow-up', timeoutMs: 15_000 },
    );
    // The token dies while the model holds its breath: Discord's clock jumps past its 15 minutes.
    world.discord.clock.advance(TOKEN_LIFETIME_MS + 1000);
    gate.open();
    const last = await turnAfter(channel, opening.id);
    expect(last.id).toBe(streaming.id);
    expect(last.content.startsWith(LONG_NARRATIVE)).toBe(true);
    expect(last.content).not.toContain(WRITING_MARK);
    const writes = writesTo(last.id);
    // Refused once by the webhook (50027: the token is checked before the message, so the log knows only its path),
    // then written by the channel's route.
    expect(world.discord.requests.some((request) => request.errorCode === 50027 && request.path.endsWith(`/messages/${last.id}`))).toBe(true);
    expect(writes[0]?.route).toBe('/webhooks/:applicationId/:interactionToken');
    expect(writes.at(-1)?.route).toBe('/channels/:channelId/messages/:messageId');
    expect(writes.at(-1)?.status).toBe(200);
  });
});
