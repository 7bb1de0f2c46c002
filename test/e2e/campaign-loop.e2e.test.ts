import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRITING_MARK } from '../../src/discord/render/turn-renderer.ts';
import { phaseOf } from '../support/dm-script.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';
import { turnMessages } from './scripted-channels.ts';

// The loop as players and GMs live it, through the real discord.js client and the real openai SDK.

const WORDS = 'Rain needles the slate roofs of Vell while lanterns sway over the black canals and somewhere a bell tolls'.split(' ');
const STREAMED_NARRATIVE = Array.from({ length: 70 }, (_, index) => WORDS[index % WORDS.length]).join(' ') + '.';
const MENTIONS = 'The crier bellows @everyone and <@&ROLE> to gather at the docks.';

let world: BotWorld;
let roleMention: string;

function narrativeFor(request: RecordedRequest) {
  const prompt = request.messages[1]?.content ?? '';
  if (prompt.includes('LONG TALE')) return reply.text(longTale(), { chunks: 120, chunkDelayMs: 15 });
  if (prompt.includes('ring the bell')) return reply.text(MENTIONS.replace('<@&ROLE>', roleMention), { chunkDelayMs: 5 });
  return reply.text(STREAMED_NARRATIVE, { chunkDelayMs: 35 });
}

function longTale(): string {
  const paragraphs: string[] = [];
  for (let index = 1; paragraphs.join('\n\n').length < 5000; index += 1) {
    paragraphs.push(`Chapter ${index}. The smugglers' barge drifts beneath the Bridge of Sighs, its hull groaning; ünïcødé 🐉 and 竜 ride along, and each sentence ends cleanly.`);
  }
  return paragraphs.join('\n\n').slice(0, 5000);
}

function narrativeRequests(): RecordedRequest[] {
  return world.openai.requests.filter((request) => phaseOf(request) === 'narrative');
}

beforeAll(async () => {
  world = await startBotWorld({ script: { narrative: narrativeFor } });
  roleMention = `<@&${world.discord.roles.gm}>`;
});

afterAll(async () => {
  await world?.close();
});

describe('a campaign in a channel', () => {
  it('refuses /gm to a player without GM rights, and nothing starts', async () => {
    const start = world.discord.slashCommand({ channel: 'tavern', user: 'alice', name: 'gm', subcommand: 'start', options: { premise: 'Mine' } });
    const view = await start.reply();
    expect(view.ephemeral).toBe(true);
    expect(view.original?.content).toMatch(/Only a GM can do that/);
    const end = world.discord.slashCommand({ channel: 'tavern', user: 'bob', name: 'gm', subcommand: 'end' });
    expect((await end.reply()).original?.content).toMatch(/Only a GM can do that/);
    expect(await world.bot.store.getCampaign(world.discord.channels['tavern']?.id ?? '')).toBeUndefined();
    expect(world.openai.requests).toHaveLength(0);
  });

  it('streams the opening scene when a GM starts a campaign, ending with option buttons', async () => {
    const start = world.discord.slashCommand({
      channel: 'tavern',
      user: 'gm',
      name: 'gm',
      subcommand: 'start',
      options: { premise: 'Smugglers in the drowned city of Vell', tone: 'grim' },
    });
    const view = await start.reply(announced);
    expect(view.ephemeral).toBe(true);
    expect(view.original?.content).toBe('The campaign has started; the DM is writing the opening scene.');
    expect(view.followUps.map((message) => message.ephemeral)).toEqual([false]);
    expect(view.followUps[0]?.content).toContain('A new campaign begins');
    expect(view.followUps[0]?.content).toContain('Smugglers in the drowned city of Vell');

    const last = await waitForOptions(world, 'tavern');
    expect(last.buttons.map((button) => button.label)).toEqual(['Approach the hooded figure', 'Order a drink and observe', 'Search for exits']);
    expect(narrativeRequests()[0]?.messages[1]?.content).toContain('Smugglers in the drowned city of Vell');

    const opening = turnMessages(world.discord, 'tavern');
    expect(opening).toHaveLength(1);
    const versions = opening[0]?.versions ?? [];
    expect(versions.length).toBeGreaterThanOrEqual(3);
    const shown = versions.map((version) => version.content.replace(WRITING_MARK, ''));
    for (let index = 1; index < shown.length; index += 1) expect(shown[index]?.length).toBeGreaterThanOrEqual(shown[index - 1]?.length ?? 0);
    expect(versions.slice(0, -1).every((version) => version.content.endsWith(WRITING_MARK))).toBe(true);
    expect(last.content).not.toContain(WRITING_MARK);
    expect(last.content.startsWith(STREAMED_NARRATIVE)).toBe(true);
  });

  it("streams a player's message as a turn, and answers players who write meanwhile together in the next turn", async () => {
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I look for the smuggler captain' });
    await world.discord.waitFor(() => narrativeRequests().length === 2, { description: 'second turn started' });
    world.discord.userMessage({ channel: 'tavern', user: 'bob', content: 'I keep watch at the door' });
    world.discord.userMessage({ channel: 'tavern', user: 'carol', content: 'I pick the lock of the cellar' });
    await waitForOptions(world, 'tavern', 1);
    await world.discord.waitFor(() => narrativeRequests().length === 3, { description: 'batched turn started' });
    await waitForOptions(world, 'tavern', 2);

    expect(narrativeRequests()[1]?.messages[1]?.content).toContain("## This turn's actions\n- Alice: \"I look for the smuggler captain\"");
    expect(narrativeRequests()[2]?.messages[1]?.content).toContain(
      "## This turn's actions\n- Bob: \"I keep watch at the door\"\n- Carol: \"I pick the lock of the cellar\"",
    );
    // Older turns' buttons are disabled by low-priority edits, within the channel's write budget.
    await world.discord.waitFor(
      () => world.botMessages('tavern').filter((message) => message.buttons.some((button) => !button.disabled)).length === 1,
      { timeoutMs: 12_000, description: 'only the newest turn keeps live buttons' },
    );
  });

  it('ignores out-of-character lines and stays silent outside campaign channels', async () => {
    const before = world.openai.requests.length;
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: '(( brb, pizza' });
    world.discord.userMessage({ channel: 'tavern', user: 'bob', content: '// is this the right channel?' });
    world.discord.userMessage({ channel: 'general', user: 'carol', content: 'Anyone up for a game?' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(world.openai.requests.length).toBe(before);
    expect(world.botMessages('general')).toHaveLength(0);
    expect(world.discord.requests.filter((request) => request.channelId === world.discord.channels['general']?.id)).toHaveLength(0);
  });

  it("turns a click into the clicker's action with the option's full text, queues a click made during the turn, and marks the choice", async () => {
    const last = await waitForOptions(world, 'tavern', 0);
    // Bob and Carol click at the same moment, both on the buttons as their clients show them. Whichever the bot takes
    // first starts the next turn; the other waits for the turn after, like a message written meanwhile.
    const choices = [
      { name: 'Bob', option: 'Order a drink and observe', index: 1, handle: world.discord.clickButton({ channel: 'tavern', user: 'bob', messageId: last.id, customId: last.buttons[1]?.customId ?? '' }) },
      { name: 'Carol', option: 'Search for exits', index: 2, handle: world.discord.clickButton({ channel: 'tavern', user: 'carol', messageId: last.id, customId: last.buttons[2]?.customId ?? '' }) },
    ];
    const views = await Promise.all(
      choices.map((choice) => choice.handle.reply((current) => current.followUps.length > 0 || current.acknowledgement?.type === 4)),
    );
    const startedAt = views.findIndex((view) => view.acknowledgement?.type === 7);
    const first = choices[startedAt];
    const second = choices[1 - startedAt];
    if (first === undefined || second === undefined) throw new Error('exactly one click must start the turn');
    expect(views[startedAt]?.ephemeral).toBe(false);
    expect(views[startedAt]?.followUps.map((message) => message.content)).toEqual([`**${first.name}** chooses: ${first.option}`]);
    expect(views[1 - startedAt]?.original?.content).toBe(`**${second.name}** chooses: ${second.option}\n-# The DM will answer this with the next turn.`);
    // The starting click's acknowledgement itself disabled the buttons and marked the choice: no channel write needed.
    const labels = ['Approach the hooded figure', 'Order a drink and observe', 'Search for exits'];
    const retired = world.discord.message(last.id);
    expect(retired?.buttons.map((button) => [button.label, button.disabled])).toEqual(
      labels.map((label, index) => [index === first.index ? `✓ ${label}` : label, true]),
    );
    expect(retired?.buttons[first.index]?.style).toBe(3);

    await world.discord.waitFor(() => narrativeRequests().length === 5, { timeoutMs: 15_000, description: 'turn from the click, then the queued click' });
    expect(narrativeRequests()[3]?.messages[1]?.content).toContain(`## This turn's actions\n- ${first.name}: ${JSON.stringify(first.option)}`);
    expect(narrativeRequests()[4]?.messages[1]?.content).toContain(`## This turn's actions\n- ${second.name}: ${JSON.stringify(second.option)}`);
    await world.bot.tables.of(world.discord.channels['tavern']?.id ?? '').idle();
  });

  it('keeps the buttons working across a restart of the bot', async () => {
    const last = await waitForOptions(world, 'tavern', 0);
    await world.bot.tables.of(world.discord.channels['tavern']?.id ?? '').idle();
    await world.restart();
    const before = narrativeRequests().length;
    const click = world.discord.clickButton({ channel: 'tavern', user: 'carol', messageId: last.id, customId: last.buttons[2]?.customId ?? '' });
    const answered = await click.reply((current) => current.followUps.length > 0);
    expect(answered.followUps.map((message) => message.content)).toEqual(['**Carol** chooses: Search for exits']);
    await world.discord.waitFor(() => narrativeRequests().length === before + 1, { description: 'turn after restart' });
    expect(narrativeRequests().at(-1)?.messages[1]?.content).toContain('- Carol: "Search for exits"');
    await waitForOptions(world, 'tavern', 0);
  });

  it('lets model text mention @everyone and roles without pinging anyone', async () => {
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I ring the bell' });
    // The channel's write budget may still be spent by the turn before: the text waits for it rather than draw a 429.
    const shown = await world.discord.waitFor(() => world.botMessages('tavern').find((message) => message.content.includes(`The crier bellows @everyone and ${roleMention}`)), {
      timeoutMs: 15_000,
    });
    const writes = world.discord.requests.filter((request) => request.route === '/channels/:channelId/messages' || request.route === '/channels/:channelId/messages/:messageId');
    expect(writes.length).toBeGreaterThan(5);
    for (const write of writes.filter((request) => request.method !== 'GET' && request.method !== 'DELETE')) {
      expect(write.allowedMentions).toEqual({ parse: [], replied_user: false });
    }
    expect(shown.content).toContain('@everyone');
    expect(shown.content).toContain(roleMention);
    await waitForOptions(world, 'tavern', 0);
  });

  it('delivers a 5,000-character narrative whole, split at boundaries without losing a character', async () => {
    const channelId = world.discord.channels['tavern']?.id ?? '';
    await world.bot.tables.of(channelId).idle();
    const before = world.botMessages('tavern').length;
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: 'Tell me the LONG TALE of the barge' });
    await world.discord.waitFor(() => narrativeRequests().length > 0 && narrativeRequests().at(-1)?.messages[1]?.content.includes('LONG TALE'));
    await world.bot.tables.of(channelId).idle();
    const turn = world.botMessages('tavern').slice(before).filter((message) => message.interactionId === null);
    expect(turn.length).toBeGreaterThanOrEqual(3);
    for (const message of turn) expect(message.content.length).toBeLessThanOrEqual(2000);
    const withoutSpace = (text: string) => text.replace(/\s+/g, '');
    const shown = turn.map((message) => message.content).join('\n');
    expect(withoutSpace(shown).startsWith(withoutSpace(longTale()))).toBe(true);
    for (const message of turn.slice(0, -1)) expect(message.content).toMatch(/[.!?…]$/u);
    expect(turn.at(-1)?.buttons.length).toBe(3);
  });

  it('lets a member with a GM role end the campaign, after which the channel is silent', async () => {
    const channelId = world.discord.channels['tavern']?.id ?? '';
    await world.bot.tables.of(channelId).idle();
    const end = world.discord.slashCommand({ channel: 'tavern', user: 'gmByRole', name: 'gm', subcommand: 'end' });
    expect((await end.reply()).original?.content).toContain('The campaign has ended');
    const before = world.openai.requests.length;
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: 'Wait, one more thing!' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(world.openai.requests.length).toBe(before);
  });

  it('starts a new campaign in the same channel with a clean slate: no old scene, no old turns', async () => {
    const before = narrativeRequests().length;
    const start = world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'Sky pirates' } });
    expect((await start.reply(announced)).followUps[0]?.content).toContain('Sky pirates');
    await world.discord.waitFor(() => narrativeRequests().length === before + 1, { description: 'the new opening' });
    const prompt = narrativeRequests().at(-1)?.messages[1]?.content ?? '';
    expect(prompt).toContain('None yet: this is the opening of the campaign.');
    expect(prompt).not.toContain('## Recent turns');
    expect(prompt).not.toContain('Smugglers in the drowned city');
    await world.bot.tables.of(world.discord.channels['tavern']?.id ?? '').idle();
  });

  it('tells the GM, instead of starting a silent campaign, when the bot may not post in the channel', async () => {
    world.discord.denyBotPermissions('dungeon');
    const start = world.discord.slashCommand({ channel: 'dungeon', user: 'gm', name: 'gm', subcommand: 'start' });
    const view = await start.reply();
    expect(view.ephemeral).toBe(true);
    expect(view.original?.content).toContain('I need Send Messages');
    expect(await world.bot.store.getCampaign(world.discord.channels['dungeon']?.id ?? '')).toBeUndefined();
    world.discord.restoreBotPermissions('dungeon');
  });

  it('broke no Discord limit and acknowledged every interaction within 3 s', () => {
    expect(refusedRequests(world).map((request) => [request.method, request.route, request.status, request.errorCode, JSON.stringify(request.responseBody)])).toEqual([]);
    const delays = world.discord.acknowledgementDelays();
    expect(delays.length).toBeGreaterThanOrEqual(7);
    for (const delay of delays) {
      expect(delay.delayMs).not.toBeNull();
      expect(delay.delayMs ?? Infinity).toBeLessThan(3000);
    }
  });
});
