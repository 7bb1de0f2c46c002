import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRITING_MARK } from '../../src/discord/render/turn-renderer.ts';
import { phaseOf, type DmPhase } from '../support/dm-script.ts';
import type { InteractionView, MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, type RecordedRequest, type Reply } from '../support/fake-openai.ts';
import { createGate, type Gate } from '../support/gate.ts';
import { announced, refusedRequests, startBotWorld, type BotWorld } from './bot-world.ts';
import { turnMessages } from './scripted-channels.ts';

// The GM's table tools as a GM and the players live them: /gm narrate, /gm scene, /gm config and /gm export, through
// the real discord.js client and the real openai SDK. One campaign per channel (tavern: narrations, then the export;
// dungeon: the scene; general: the settings), so that the channels' write budgets and stories stay apart.

const PREMISES = {
  tavern: 'The drowned bell of Vell',
  dungeon: 'The sunken chapel of Saint Wend',
  general: 'Smugglers under the salt marsh',
} as const;

type Channel = keyof typeof PREMISES;

const PROSE = 'Lanterns gutter over the black water while the tide gnaws at the old stones and gulls cry somewhere above'.split(' ');
/** Long enough that a held stream shows some words first, short enough to stay one message. */
const HELD_NARRATIVE = Array.from({ length: 40 }, (_, index) => PROSE[index % PROSE.length]).join(' ') + '.';

let world: BotWorld;
let serial = 0;
/** What the fake model wrote, per channel and phase, in order: the export must hold every narrated text. */
const written: Array<{ channel: Channel; phase: DmPhase; text: string }> = [];
/** A gate per channel and phase: the next reply of that phase in that channel is held on it (then forgotten). */
const holds = new Map<string, Gate>();

function channelOf(request: RecordedRequest): Channel | undefined {
  const prompt = request.messages[1]?.content ?? '';
  return (Object.keys(PREMISES) as Channel[]).find((channel) => prompt.includes(`Premise: ${PREMISES[channel]}\n`));
}

function hold(channel: Channel, phase: DmPhase): Gate {
  const gate = createGate();
  holds.set(`${channel}/${phase}`, gate);
  return gate;
}

function takeHold(channel: Channel, phase: DmPhase): Gate | undefined {
  const gate = holds.get(`${channel}/${phase}`);
  holds.delete(`${channel}/${phase}`);
  return gate;
}

/** Every narrated text is unique (numbered), so the export and the prompts can be checked turn by turn. */
function respond(request: RecordedRequest): Reply {
  const phase = phaseOf(request);
  const channel = channelOf(request);
  if (channel === undefined || (phase !== 'narrative' && phase !== 'response' && phase !== 'options' && phase !== 'metadata')) return reply.text('…');
  serial += 1;
  const gate = takeHold(channel, phase);
  const held = gate === undefined ? {} : { hold: { until: gate.until, afterChunks: phase === 'narrative' ? 6 : 0 } };
  switch (phase) {
    case 'narrative': {
      const text = gate === undefined ? `Scene ${serial}: the tide turns under the old bridge of ${PREMISES[channel]}.` : `Scene ${serial}: ${HELD_NARRATIVE}`;
      written.push({ channel, phase, text });
      return reply.text(text, { chunkDelayMs: gate === undefined ? 2 : 10, ...held });
    }
    case 'response': {
      const text = `Outcome ${serial}: the ferryman shrugs and points at the stair.`;
      written.push({ channel, phase, text });
      return reply.text(text, { chunkDelayMs: 2, ...held });
    }
    case 'options': {
      const options = [`Climb the bell tower ${serial}`, `Bribe the ferryman ${serial}`, `Dive into the canal ${serial}`];
      written.push({ channel, phase, text: options.join('\n') });
      return reply.json({ options }, held);
    }
    case 'metadata':
      return reply.json(
        {
          environmental_conditions: 'Brackish fog, the smell of wet rope',
          immediate_threats: 'The tide is rising fast',
          story_progression: 'The party wades deeper into the flooded quarter',
          scene_elements: { npcs_present: ['Old Hobb the ferryman'], objects_of_interest: ['A rusted bell clapper'], current_location: 'The Flooded Quarter' },
        },
        held,
      );
  }
}

const idOf = (channel: Channel): string => world.discord.channels[channel]?.id ?? '';

function requestsOf(channel: Channel, phase?: DmPhase): RecordedRequest[] {
  return world.openai.requests.filter((request) => channelOf(request) === channel && (phase === undefined || phaseOf(request) === phase));
}

const promptOf = (request: RecordedRequest | undefined): string => request?.messages[1]?.content ?? '';

function actionsOf(request: RecordedRequest | undefined): string {
  const prompt = promptOf(request);
  return prompt.slice(prompt.indexOf("## This turn's actions"));
}

/** The table has no turn running or queued, and the last turn's scene metadata is applied. */
async function settle(channel: Channel): Promise<void> {
  await world.bot.tables.of(idOf(channel)).idle();
}

/** The bot's turns and narrations in the channel, not its answers to commands and clicks. */
function channelPosts(channel: Channel): MessageSnapshot[] {
  return turnMessages(world.discord, channel);
}

function lastTurnMessage(channel: Channel): MessageSnapshot {
  const message = channelPosts(channel)
    .filter((candidate) => candidate.buttons.length > 0)
    .at(-1);
  if (message === undefined) throw new Error(`no turn with buttons in #${channel}`);
  return message;
}

/** Something a player does that starts one turn; resolves once that turn (and its metadata) is done. */
async function playTurn(channel: Channel, act: () => void): Promise<RecordedRequest> {
  const before = requestsOf(channel, 'narrative').length;
  act();
  const request = await world.discord.waitFor(() => requestsOf(channel, 'narrative')[before], { timeoutMs: 20_000, description: `a turn in #${channel}` });
  await settle(channel);
  return request;
}

function say(channel: Channel, user: string, content: string): () => void {
  return () => void world.discord.userMessage({ channel, user, content });
}

function gm(channel: Channel, subcommand: string, options?: Record<string, string | number>) {
  return world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand, ...(options === undefined ? {} : { options }) });
}

/** The GM's private answer, once it is no longer "thinking…". */
async function privateAnswer(handle: ReturnType<typeof gm>): Promise<InteractionView> {
  const view = await handle.reply((current) => current.original !== null && !current.original.loading, { timeoutMs: 20_000 });
  expect(view.ephemeral).toBe(true);
  expect(view.original?.ephemeral).toBe(true);
  return view;
}

function embedFields(view: InteractionView): Record<string, string> {
  return Object.fromEntries((view.original?.embeds[0]?.fields ?? []).map((field) => [field.name, field.value]));
}

beforeAll(async () => {
  world = await startBotWorld();
  world.openai.respondWith(respond);
  // The three campaigns open side by side: each channel has its own write budget.
  await Promise.all(
    (Object.keys(PREMISES) as Channel[]).map(async (channel) => {
      const view = await gm(channel, 'start', { premise: PREMISES[channel], tone: 'grim' }).reply(announced);
      expect(view.followUps[0]?.content).toContain(PREMISES[channel]);
      await world.discord.waitFor(() => requestsOf(channel, 'narrative').length > 0, { timeoutMs: 20_000 });
      await settle(channel);
    }),
  );
}, 30_000);

afterAll(async () => {
  await world?.close();
});

describe('/gm narrate', () => {
  const FLOOR = 'The floor gives way beneath the altar, and the whole party slides into the flooded crypt below.';
  const BELL = 'Far below, a drowned bell tolls once. Everyone hears it.';

  it("posts the GM's text as the DM's own message, answers the GM privately, retires the last options, and the next prompt carries it", async () => {
    await playTurn('tavern', say('tavern', 'alice', 'I search the altar for a hidden lever'));
    const previous = lastTurnMessage('tavern');
    expect(previous.buttons.every((button) => !button.disabled)).toBe(true);
    const postsBefore = channelPosts('tavern').length;

    const view = await privateAnswer(gm('tavern', 'narrate', { text: FLOOR }));
    expect(view.original?.content).toBe('Your narration is posted; the DM continues from it.');
    expect(view.followUps).toEqual([]);

    // A message of the bot in the channel, exactly the GM's words: not a reply to the interaction, not a webhook.
    const posts = channelPosts('tavern');
    expect(posts).toHaveLength(postsBefore + 1);
    const narration = posts.at(-1);
    expect(narration?.content).toBe(FLOOR);
    expect(narration?.authorId).toBe(world.discord.bot.id);
    expect(narration?.ephemeral).toBe(false);
    expect(narration?.buttons).toEqual([]);
    const everyone = world.discord.messages('tavern');
    expect(everyone.at(-1)?.id).toBe(narration?.id);

    // The options of the turn before no longer fit the story: their buttons go grey.
    await world.discord.waitFor(() => world.discord.message(previous.id)?.buttons.every((button) => button.disabled), {
      // A low-priority write: it yields to the channel's other writes for up to 10 s.
      timeoutMs: 20_000,
      description: "the last turn's buttons disabled after the narration",
    });
    expect(world.discord.message(previous.id)?.buttons.map((button) => button.label)).toEqual(previous.buttons.map((button) => button.label));

    const next = await playTurn('tavern', say('tavern', 'bob', 'I grab the rope and hold on'));
    const prompt = promptOf(next);
    expect(prompt).toMatch(/### Turn \d+ \(the GM narrates\)\n> The floor gives way beneath the altar, and the whole party slides into the flooded crypt below\./);
    // In the story's order: after Alice's turn, before this turn's actions.
    expect(prompt.indexOf('I search the altar for a hidden lever')).toBeLessThan(prompt.indexOf('(the GM narrates)'));
    expect(prompt.indexOf('(the GM narrates)')).toBeLessThan(prompt.indexOf("## This turn's actions"));
    expect(actionsOf(next)).toBe("## This turn's actions\n- Bob: \"I grab the rope and hold on\"");
  });

  it('posts a narration sent while the DM is writing only once that turn has ended', async () => {
    const gate = hold('tavern', 'narrative');
    const before = requestsOf('tavern', 'narrative').length;
    world.discord.userMessage({ channel: 'tavern', user: 'carol', content: 'I climb down into the crypt' });
    // The turn has started to show: a message with the first words and the writing mark.
    const heldTurn = await world.discord.waitFor(
      () => channelPosts('tavern').find((message) => message.content.includes(HELD_NARRATIVE.split(' ').slice(0, 3).join(' ')) && message.content.endsWith(WRITING_MARK)),
      { timeoutMs: 15_000, description: 'the held turn showing its first words' },
    );
    expect(requestsOf('tavern', 'narrative')).toHaveLength(before + 1);

    const narrate = gm('tavern', 'narrate', { text: BELL });
    await narrate.acknowledged();
    await world.bot.tables.of(idOf('tavern')).whenWritten();
    // The GM waits ("thinking…"), and the channel shows nothing of the narration while the DM writes.
    expect(narrate.view().original?.loading).toBe(true);
    expect(channelPosts('tavern').some((message) => message.content.includes(BELL))).toBe(false);

    gate.open();
    const view = await privateAnswer(narrate);
    expect(view.original?.content).toBe('Your narration is posted; the DM continues from it.');
    await settle('tavern');

    const posts = channelPosts('tavern');
    const turnIndex = posts.findIndex((message) => message.id === heldTurn.id);
    const narrationIndex = posts.findIndex((message) => message.content === BELL);
    expect(narrationIndex).toBe(turnIndex + 1);
    const turn = posts[turnIndex];
    const narration = posts[narrationIndex];
    if (turn === undefined || narration === undefined) throw new Error('the turn and the narration must both be in the channel');
    // The turn was whole (final text and its buttons) before the narration was created; nothing of it came after.
    const finalVersion = turn.versions.findIndex((version) => !version.content.includes(WRITING_MARK));
    expect(finalVersion).toBeGreaterThan(0);
    expect(turn.versions[finalVersion]?.content.startsWith(written.filter((entry) => entry.channel === 'tavern' && entry.phase === 'narrative').at(-1)?.text ?? '?')).toBe(true);
    expect(turn.versions[finalVersion]?.components.length).toBeGreaterThan(0);
    expect(turn.versions[finalVersion]?.at).toBeLessThanOrEqual(narration.createdAt);
    for (const version of turn.versions.slice(0, finalVersion)) expect(version.at).toBeLessThanOrEqual(narration.createdAt);
    expect(turn.versions.slice(finalVersion).every((version) => version.content === turn.versions[finalVersion]?.content)).toBe(true);

    // The narration follows that turn in the next prompt.
    const next = await playTurn('tavern', say('tavern', 'alice', 'I listen at the trapdoor'));
    const prompt = promptOf(next);
    expect(prompt).toMatch(/### Turn \d+\nActions:\n- Carol: "I climb down into the crypt"\n[\s\S]*### Turn \d+ \(the GM narrates\)\n> Far below, a drowned bell tolls once\. Everyone hears it\.\n\n## This turn's actions\n- Alice: "I listen at the trapdoor"/);
  });
});

describe('/gm scene', () => {
  it('sets the scene privately, feeds it to the next prompt, and shows it to players with /scene', async () => {
    const postsBefore = world.discord.messages('dungeon').length;
    const view = await privateAnswer(
      gm('dungeon', 'scene', {
        location: 'The Sunken Chapel',
        situation: 'The party kneels before a flooded altar',
        threats: 'A drowned priest stirs beneath the water',
        npcs: 'Sister Ilse, The drowned priest',
      }),
    );
    expect(view.original?.content).toBe('Scene updated. The DM uses it from the next turn.');
    expect(view.original?.embeds[0]?.title).toBe('📍 The Sunken Chapel');
    expect(embedFields(view)).toMatchObject({
      'Immediate threats': 'A drowned priest stirs beneath the water',
      'Story so far': 'The party kneels before a flooded altar',
      'Characters present': '• Sister Ilse\n• The drowned priest',
    });
    expect(view.followUps).toEqual([]);
    expect(world.discord.messages('dungeon')).toHaveLength(postsBefore);

    const shown = await world.discord.slashCommand({ channel: 'dungeon', user: 'carol', name: 'scene' }).reply();
    expect(shown.ephemeral).toBe(true);
    expect(shown.original?.embeds[0]?.title).toBe('📍 The Sunken Chapel');
    expect(embedFields(shown)['Immediate threats']).toBe('A drowned priest stirs beneath the water');
    expect(embedFields(shown)['Characters present']).toBe('• Sister Ilse\n• The drowned priest');

    const next = await playTurn('dungeon', say('dungeon', 'alice', 'I wade towards the altar'));
    const prompt = promptOf(next);
    expect(prompt).toContain('## Current scene\nLocation: The Sunken Chapel\n');
    expect(prompt).toContain('Immediate threats: A drowned priest stirs beneath the water');
    expect(prompt).toContain('Story progression: The party kneels before a flooded altar');
    expect(prompt).toContain('NPCs present: Sister Ilse, The drowned priest');
  });

  it('shows the scene privately to a GM who gives no option', async () => {
    const postsBefore = world.discord.messages('dungeon').length;
    const view = await privateAnswer(gm('dungeon', 'scene'));
    expect(view.original?.content).toBe('The scene as the DM knows it:');
    // The turn played since has recorded its own scene.
    expect(view.original?.embeds[0]?.title).toBe('📍 The Flooded Quarter');
    expect(embedFields(view)['Immediate threats']).toBe('The tide is rising fast');
    expect(world.discord.messages('dungeon')).toHaveLength(postsBefore);
  });

  it("keeps a GM's edit made while a turn is written over that turn's own scene metadata", async () => {
    const gate = hold('dungeon', 'narrative');
    const before = requestsOf('dungeon', 'narrative').length;
    world.discord.userMessage({ channel: 'dungeon', user: 'bob', content: 'I ring the chapel bell' });
    const held = await world.discord.waitFor(() => requestsOf('dungeon', 'narrative')[before], { timeoutMs: 15_000 });

    const edit = await privateAnswer(gm('dungeon', 'scene', { location: 'The Bell Tower' }));
    expect(edit.original?.embeds[0]?.title).toBe('📍 The Bell Tower');
    gate.open();
    await settle('dungeon');

    // The running turn kept the prompt it started with, in every phase.
    const turnRequests = requestsOf('dungeon').slice(requestsOf('dungeon').indexOf(held));
    expect(turnRequests.map(phaseOf).sort()).toEqual(['metadata', 'narrative', 'options', 'response']);
    for (const request of turnRequests) expect(promptOf(request)).toContain('Location: The Flooded Quarter');

    // Its metadata said "The Flooded Quarter"; the GM's later word wins, the rest is the model's.
    const shown = await world.discord.slashCommand({ channel: 'dungeon', user: 'alice', name: 'scene' }).reply();
    expect(shown.original?.embeds[0]?.title).toBe('📍 The Bell Tower');
    expect(embedFields(shown)['Immediate threats']).toBe('The tide is rising fast');

    const next = await playTurn('dungeon', say('dungeon', 'carol', 'I climb the tower stairs'));
    expect(promptOf(next)).toContain('## Current scene\nLocation: The Bell Tower\n');
    expect(promptOf(next)).toContain('Immediate threats: The tide is rising fast');
  });
});

describe('/gm config', () => {
  it('shows the settings privately when given no option', async () => {
    const postsBefore = world.discord.messages('general').length;
    const view = await privateAnswer(gm('general', 'config'));
    expect(view.original?.content).toBe(
      "**This table's settings**\nStreaming: as the bot is set up\nMessages: every message is an action\nLength: normal\nLimits: none\nRounds: off",
    );
    expect(view.followUps).toEqual([]);
    expect(world.discord.messages('general')).toHaveLength(postsBefore);
  });

  it('streaming off: the next turn appears in one write, with its final text and buttons', async () => {
    const view = await privateAnswer(gm('general', 'config', { streaming: 'off' }));
    expect(view.original?.content).toContain('Saved.');
    expect(view.original?.content).toContain('Streaming: off');
    expect(view.followUps).toEqual([]);

    // The response is held: a DM that showed the narrative before the turn is whole would show it now.
    const gate = hold('general', 'response');
    const postsBefore = channelPosts('general').length;
    world.discord.userMessage({ channel: 'general', user: 'alice', content: 'I count the crates' });
    await world.discord.waitFor(() => requestsOf('general', 'response').some((request) => actionsOf(request).includes('I count the crates')), {
      timeoutMs: 15_000,
    });
    gate.open();
    await settle('general');

    const narrative = requestsOf('general', 'narrative').at(-1);
    expect(narrative?.stream).toBe(false);
    expect(requestsOf('general', 'response').at(-1)?.stream).toBe(false);
    const posts = channelPosts('general').slice(postsBefore);
    expect(posts).toHaveLength(1);
    const turn = posts[0];
    const narrativeText = written.filter((entry) => entry.channel === 'general' && entry.phase === 'narrative').at(-1)?.text;
    const responseText = written.filter((entry) => entry.channel === 'general' && entry.phase === 'response').at(-1)?.text;
    // Soft, so that the rest is checked too: the first write must already be the whole turn.
    expect(turn?.versions.map((version) => version.content)).toEqual([`${narrativeText}\n\n${responseText}`]);
    expect(turn?.content).toBe(`${narrativeText}\n\n${responseText}`);
    expect(turn?.buttons.length).toBe(3);
  });

  it('messages talk: announced to the table; plain messages start no turn, a line starting with > does', async () => {
    const view = await gm('general', 'config', { messages: 'talk' }).reply(announced, { timeoutMs: 15_000 });
    expect(view.ephemeral).toBe(true);
    expect(view.original?.content).toContain('Messages: table talk');
    expect(view.followUps.map((message) => [message.ephemeral, message.content])).toEqual([
      [false, '⚙️ **Messages are now table talk.** Act with `/act`, the option buttons, or a line starting with `>`.'],
    ]);

    const before = requestsOf('general', 'narrative').length;
    const postsBefore = channelPosts('general').length;
    // The plain line reaches the bot first; had it been taken, it would be in this turn or in a turn of its own.
    const turn = await playTurn('general', () => {
      world.discord.userMessage({ channel: 'general', user: 'alice', content: 'Should we rest here first?' });
      world.discord.userMessage({ channel: 'general', user: 'bob', content: '> I draw my sword' });
    });
    expect(requestsOf('general', 'narrative')).toHaveLength(before + 1);
    expect(actionsOf(turn)).toBe("## This turn's actions\n- Bob: \"I draw my sword\"");
    // Table talk gets no answer from the bot either: only the turn was posted.
    expect(channelPosts('general').slice(postsBefore)).toHaveLength(1);
  });

  it("length short: the phase instructions ask for 'under 500 characters'", async () => {
    const previous = requestsOf('general', 'narrative').at(-1);
    expect(previous?.lastMessage).toContain('under 900 characters');
    const view = await privateAnswer(gm('general', 'config', { length: 'short' }));
    expect(view.original?.content).toContain('Length: short');

    const turn = await playTurn('general', say('general', 'carol', '> I pry open the nearest crate'));
    expect(turn.lastMessage).toContain('One short paragraph, under 500 characters');
    expect(turn.lastMessage).not.toContain('under 900 characters');
    const response = requestsOf('general', 'response').at(-1);
    expect(response?.lastMessage).toContain('One short paragraph, under 500 characters');
  });

  it("limits: every phase's prompt gets the table's limits, announced without revealing them; 'none' clears them", async () => {
    const view = await gm('general', 'config', { limits: 'no spiders' }).reply(announced, { timeoutMs: 15_000 });
    expect(view.original?.content).toContain('Limits: no spiders');
    expect(view.followUps.map((message) => [message.ephemeral, message.content])).toEqual([
      [false, "🛡️ The GM updated the table's limits; the DM keeps to them from the next turn."],
    ]);
    expect(view.followUps[0]?.content).not.toContain('spiders');
    expect(requestsOf('general').some((request) => promptOf(request).includes('## Table limits'))).toBe(false);

    const start = requestsOf('general').length;
    await playTurn('general', say('general', 'alice', '> I crawl into the narrow tunnel'));
    const limited = requestsOf('general').slice(start);
    expect(limited.map(phaseOf).sort()).toEqual(['metadata', 'narrative', 'options', 'response']);
    for (const request of limited) {
      expect(promptOf(request)).toMatch(/## Table limits \(lines and veils\)\n[^\n]*\n"""\nno spiders\n"""/);
    }

    const cleared = await gm('general', 'config', { limits: 'none' }).reply(announced, { timeoutMs: 15_000 });
    expect(cleared.original?.content).toContain('Limits: none');
    expect(cleared.followUps.map((message) => message.content)).toEqual(["🛡️ The table's limits were cleared by the GM."]);
    const after = requestsOf('general').length;
    await playTurn('general', say('general', 'bob', '> I follow Alice into the tunnel'));
    const unlimited = requestsOf('general').slice(after);
    expect(unlimited).toHaveLength(4);
    for (const request of unlimited) expect(promptOf(request)).not.toContain('## Table limits');
    expect(unlimited.some((request) => promptOf(request).includes('spiders'))).toBe(false);

    const shown = await privateAnswer(gm('general', 'config'));
    expect(shown.original?.content).toBe(
      "**This table's settings**\nStreaming: off\nMessages: table talk (act with `/act`, buttons or `>`)\nLength: short\nLimits: none\nRounds: off",
    );
  });
});

describe('/gm export', () => {
  it('gives the GM, privately, the whole story as Markdown: actions, texts, choices, narrations, rerolled and undone turns', async () => {
    // Bob picks an option of the latest turn; that choice is then rerolled, and the rerolled turn undone.
    const last = lastTurnMessage('tavern');
    const chosen = last.buttons[1];
    if (chosen?.customId === null || chosen?.customId === undefined || chosen.label === null) throw new Error('the turn must offer options');
    const chosenLabel = chosen.label;
    await playTurn('tavern', () => {
      world.discord.clickButton({ channel: 'tavern', user: 'bob', messageId: last.id, customId: chosen.customId ?? '' });
    });

    const rerolled = requestsOf('tavern', 'narrative').length;
    const reroll = await gm('tavern', 'reroll').reply(announced, { timeoutMs: 15_000 });
    expect(reroll.original?.content).toBe('The DM is writing the last turn again.');
    await world.discord.waitFor(() => requestsOf('tavern', 'narrative')[rerolled], { timeoutMs: 15_000, description: 'the rerolled turn' });
    await settle('tavern');
    expect(actionsOf(requestsOf('tavern', 'narrative')[rerolled])).toBe(`## This turn's actions\n- Bob: ${JSON.stringify(chosenLabel)}`);

    const undo = await gm('tavern', 'undo').reply(announced, { timeoutMs: 15_000 });
    expect(undo.original?.content).toBe('Undone: the last turn.');
    await settle('tavern');

    const handle = gm('tavern', 'export');
    const view = await privateAnswer(handle);
    expect(view.followUps).toEqual([]);
    expect(view.original?.content).toMatch(/^The log of this channel's current campaign: \d+ entries\.$/);
    const file = view.original?.attachments[0];
    expect(view.original?.attachments).toHaveLength(1);
    expect(file?.filename).toMatch(/^campaign-\d{4}-\d{2}-\d{2}\.md$/);
    const markdown = file?.text ?? '';
    // Nothing of the export reached the channel.
    expect(world.botMessages('tavern').some((message) => message.attachments.length > 0)).toBe(false);

    expect(markdown).toContain(`- **Premise:** ${PREMISES.tavern}`);
    for (const action of [
      '**Alice**: I search the altar for a hidden lever',
      '**Bob**: I grab the rope and hold on',
      '**Carol**: I climb down into the crypt',
      '**Alice**: I listen at the trapdoor',
      `**Bob** chose: ${chosenLabel}`,
    ]) {
      expect(markdown).toContain(`- ${action}`);
    }
    // Every text the DM wrote in this channel is there, the rerolled and the undone turns' included.
    for (const entry of written.filter((candidate) => candidate.channel === 'tavern' && candidate.phase !== 'options')) {
      expect(markdown).toContain(entry.text.trim());
    }
    const [optionsOfLast] = written.filter((entry) => entry.channel === 'tavern' && entry.phase === 'options' && entry.text.includes(chosenLabel));
    expect(optionsOfLast?.text.split('\n')).toHaveLength(3);
    // Bob clicked once: the rerolled turn answered the same click again, which is still one choice, and the GM then
    // undid the turn that answered it.
    expect(markdown).toContain(`**Options offered**\n\n1. ${optionsOfLast?.text.split('\n')[0]}\n2. ${chosenLabel} (chosen by Bob, undone)\n3. ${optionsOfLast?.text.split('\n')[2]}`);
    // The GM's narrations, quoted.
    expect(markdown).toMatch(/### Turn \d+: the GM narrates\n\n> The floor gives way beneath the altar, and the whole party slides into the flooded crypt below\./);
    expect(markdown).toMatch(/### Turn \d+: the GM narrates\n\n> Far below, a drowned bell tolls once\. Everyone hears it\./);
    // Bob's turn twice: first replaced by the reroll, then the reroll undone.
    const bobTurns = [...markdown.matchAll(/### Turn (\d+)( \(replaced by a reroll\)| \(undone by the GM\))?\n\n\*\*Actions\*\*\n\n- \*\*Bob\*\* chose/g)];
    expect(bobTurns.map((match) => match[2])).toEqual([' (replaced by a reroll)', ' (undone by the GM)']);
    expect(bobTurns[0]?.[1]).toBe(bobTurns[1]?.[1]);
    expect(markdown.match(/\(replaced by a reroll\)/g)).toHaveLength(1);
    expect(markdown.match(/\(undone by the GM\)/g)).toHaveLength(1);
    // In the story's order.
    expect(markdown.indexOf('I search the altar')).toBeLessThan(markdown.indexOf('The floor gives way'));
    expect(markdown.indexOf('The floor gives way')).toBeLessThan(markdown.indexOf('I grab the rope'));
    expect(markdown.indexOf('I climb down')).toBeLessThan(markdown.indexOf('Far below, a drowned bell'));
    expect(markdown.indexOf('Far below, a drowned bell')).toBeLessThan(markdown.indexOf('I listen at the trapdoor'));
  });
});

describe('a player without GM rights', () => {
  it('is refused narrate, scene, config and export privately, and nothing changes', async () => {
    await settle('dungeon');
    const channelId = idOf('dungeon');
    const messagesBefore = world.discord.messages('dungeon');
    const requestsBefore = world.openai.requests.length;
    const sceneBefore = await world.bot.store.getScene(channelId);
    const campaignBefore = await world.bot.store.getCampaign(channelId);

    const attempts: Array<{ subcommand: string; options: Record<string, string> }> = [
      { subcommand: 'narrate', options: { text: 'The chapel collapses on everyone.' } },
      { subcommand: 'scene', options: { location: "Alice's secret lair", threats: 'Nothing at all' } },
      { subcommand: 'scene', options: {} },
      { subcommand: 'config', options: { streaming: 'off', messages: 'talk', length: 'long', limits: 'no bells' } },
      { subcommand: 'config', options: {} },
      { subcommand: 'export', options: {} },
    ];
    for (const attempt of attempts) {
      const view = await world.discord.slashCommand({ channel: 'dungeon', user: 'alice', name: 'gm', subcommand: attempt.subcommand, options: attempt.options }).reply();
      expect(view.ephemeral, attempt.subcommand).toBe(true);
      expect(view.original?.content, attempt.subcommand).toMatch(/^Only a GM can do that/);
      expect(view.original?.attachments, attempt.subcommand).toEqual([]);
      expect(view.original?.embeds, attempt.subcommand).toEqual([]);
      expect(view.followUps, attempt.subcommand).toEqual([]);
    }

    await settle('dungeon');
    expect(world.discord.messages('dungeon').map((message) => [message.id, message.content])).toEqual(messagesBefore.map((message) => [message.id, message.content]));
    expect(world.openai.requests.length).toBe(requestsBefore);
    expect(await world.bot.store.getScene(channelId)).toEqual(sceneBefore);
    expect((await world.bot.store.getCampaign(channelId))?.settings).toEqual(campaignBefore?.settings);

    // The next turn's prompt is the GM's scene and settings, nothing of Alice's.
    const next = await playTurn('dungeon', say('dungeon', 'alice', 'I light a candle'));
    const prompt = promptOf(next);
    expect(prompt).toContain('Location: The Flooded Quarter');
    expect(prompt).not.toContain("Alice's secret lair");
    expect(prompt).not.toContain('## Table limits');
    expect(prompt).not.toContain('The chapel collapses');
    expect(next.stream).toBe(true);
    expect(next.lastMessage).toContain('under 900 characters');
  });
});

describe('the whole file', () => {
  it('broke no Discord limit and acknowledged every interaction within 3 s', () => {
    expect(refusedRequests(world).map((request) => [request.method, request.route, request.status, request.errorCode, JSON.stringify(request.responseBody)])).toEqual([]);
    const delays = world.discord.acknowledgementDelays();
    expect(delays.length).toBeGreaterThanOrEqual(25);
    for (const delay of delays) {
      expect(delay.delayMs, `${delay.kind} ${delay.name ?? ''}`).not.toBeNull();
      expect(delay.delayMs ?? Infinity).toBeLessThan(3000);
    }
  });
});
