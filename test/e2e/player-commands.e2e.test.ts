import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRITING_MARK } from '../../src/discord/render/turn-renderer.ts';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import type { InteractionHandle, MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';

// What players do besides writing in the channel: /act and /scene, odd and hostile input, and a model that fails.
// The real bot (discord.js, openai SDK, SQLite) against the Discord emulator and the fake OpenAI server.

const WORDS = 'Torchlight trembles on the crypt walls as water drips from the vaulted ceiling onto ancient bones'.split(' ');
const NARRATIVE = Array.from({ length: 40 }, (_, index) => WORDS[index % WORDS.length]).join(' ') + '.';

/** What the fake model records as the scene: /scene must show exactly this. */
const SCENE = {
  environmental_conditions: 'Cold, damp air; water drips from the vault',
  immediate_threats: 'Something scratches behind the sealed sarcophagus',
  story_progression: 'The party has entered the crypt beneath the abbey',
  scene_elements: {
    npcs_present: ['Brother Aldous', 'A restless ghoul'],
    objects_of_interest: ['A cracked altar with runes'],
    current_location: 'The Crypt of Saint Wend',
  },
};

let world: BotWorld;
let tavernId: string;
let chunkDelayMs = 2;
let modelDown = false;
let releaseMetadata: () => void = () => {};
let metadataGate: Promise<void> = Promise.resolve();

function narrativeRequests(): RecordedRequest[] {
  return world.openai.requests.filter((request) => phaseOf(request) === 'narrative');
}

function actionsOf(request: RecordedRequest | undefined): string {
  const prompt = request?.messages[1]?.content ?? '';
  return prompt.slice(prompt.indexOf("## This turn's actions"));
}

/** Everything the channel shows to everyone (players' messages included), ephemeral replies left out. */
function publicMessages(channel: string): MessageSnapshot[] {
  return world.discord.messages(channel);
}

function act(user: string, action: string, channel = 'tavern'): InteractionHandle {
  return world.discord.slashCommand({ channel, user, name: 'act', options: { action } });
}

async function settle(): Promise<void> {
  await world.bot.tables.of(tavernId).idle();
}

async function quietFor(milliseconds: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
}

beforeAll(async () => {
  world = await startBotWorld();
  tavernId = world.discord.channels['tavern']?.id ?? '';
  const base = dmResponder();
  world.openai.respondWith(async (request) => {
    if (modelDown) return reply.unauthorized();
    const phase = phaseOf(request);
    if (phase === 'narrative') return reply.text(NARRATIVE, { chunkDelayMs });
    if (phase === 'metadata') {
      await metadataGate;
      return reply.json(SCENE);
    }
    return base(request);
  });
});

afterAll(async () => {
  await world?.close();
});

describe('/scene', () => {
  it('tells a player when no campaign has been played in the channel', async () => {
    const view = await world.discord.slashCommand({ channel: 'dungeon', user: 'alice', name: 'scene' }).reply();
    expect(view.ephemeral).toBe(true);
    expect(view.original?.content).toBe('No campaign has been played in this channel yet.');
    expect(publicMessages('dungeon')).toEqual([]);
  });

  it('shows, only to the asker, that the scene is still forming before the DM has recorded it', async () => {
    metadataGate = new Promise((resolve) => {
      releaseMetadata = resolve;
    });
    const start = world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A crypt beneath the abbey' } });
    expect((await start.reply(announced)).followUps[0]?.content).toContain('A new campaign begins');

    const view = await world.discord.slashCommand({ channel: 'tavern', user: 'bob', name: 'scene' }).reply();
    expect(view.ephemeral).toBe(true);
    expect(view.original?.ephemeral).toBe(true);
    expect(view.original?.embeds[0]?.title).toBe('The scene is still forming');
    const answers = world.discord.messages('tavern', { includeEphemeral: true }).filter((message) => message.interactionId === view.interactionId);
    expect(answers.map((message) => message.ephemeral)).toEqual([true]);

    releaseMetadata();
    await waitForOptions(world, 'tavern');
    await settle();
  });

  it("shows the stored location, NPCs and threats from the DM's metadata, to the asker only, and posts nothing", async () => {
    const before = publicMessages('tavern');
    const requestsBefore = world.openai.requests.length;
    const view = await world.discord.slashCommand({ channel: 'tavern', user: 'carol', name: 'scene' }).reply();
    expect(view.ephemeral).toBe(true);
    expect(view.userId).toBe(world.discord.users['carol']?.id);
    expect((view.original?.flags ?? 0) & 64).toBe(64);
    const embed = view.original?.embeds[0];
    expect(embed?.title).toContain('The Crypt of Saint Wend');
    const fields = Object.fromEntries((embed?.fields ?? []).map((field) => [field.name, field.value]));
    expect(fields['Immediate threats']).toBe('Something scratches behind the sealed sarcophagus');
    expect(fields['Characters present']).toBe('• Brother Aldous\n• A restless ghoul');
    expect(fields['Objects of interest']).toBe('• A cracked altar with runes');
    expect(fields['Conditions']).toBe('Cold, damp air; water drips from the vault');
    expect(fields['Story so far']).toBe('The party has entered the crypt beneath the abbey');
    expect(publicMessages('tavern').map((message) => [message.id, message.content])).toEqual(before.map((message) => [message.id, message.content]));
    expect(world.openai.requests.length).toBe(requestsBefore);
  });
});

describe('/act', () => {
  it("answers in public with the player's name and action, and streams a turn through its webhook whose prompt names the player", async () => {
    const before = narrativeRequests().length;
    chunkDelayMs = 25;
    const view = await act('alice', 'I search the altar for hidden runes').reply();
    expect(view.ephemeral).toBe(false);
    expect(view.original?.content).toBe('**Alice**: I search the altar for hidden runes');

    const last = await waitForOptions(world, 'tavern', 1);
    expect(narrativeRequests()).toHaveLength(before + 1);
    expect(actionsOf(narrativeRequests().at(-1))).toBe("## This turn's actions\n- Alice: \"I search the altar for hidden runes\"");
    // Started by /act: the turn comes as a follow-up under the player's line, written through the interaction's
    // webhook (outside the bot's global limit and its channel's budget), never through the channel's routes.
    const turn = world.discord.interactionReplies(view.interactionId).followUps.at(-1);
    expect(turn?.id).toBe(last.id);
    expect(turn?.versions.length).toBeGreaterThanOrEqual(2);
    expect(turn?.versions[0]?.content.endsWith(WRITING_MARK)).toBe(true);
    expect(last.content.startsWith(NARRATIVE)).toBe(true);
    expect(last.content).not.toContain(WRITING_MARK);
    const writes = world.discord.requests.filter((request) => request.messageId === last.id && request.method !== 'GET');
    expect(writes.length).toBeGreaterThanOrEqual(2);
    expect(writes.map((request) => request.route)).toEqual(writes.map((request) => (request.method === 'POST' ? '/webhooks/:applicationId/:interactionToken' : '/webhooks/:applicationId/:interactionToken/messages/:messageId')));
    await settle();
  });

  it('tells a player privately that no campaign is running, and asks the model nothing', async () => {
    const requestsBefore = world.openai.requests.length;
    const view = await act('bob', 'I look around', 'dungeon').reply();
    expect(view.ephemeral).toBe(true);
    expect(view.original?.content).toMatch(/^No campaign is running in this channel/);
    await quietFor(300);
    expect(world.openai.requests.length).toBe(requestsBefore);
    expect(publicMessages('dungeon')).toEqual([]);
  });

  it('says an action sent during a turn is queued for the next turn, and answers it there', async () => {
    const before = narrativeRequests().length;
    chunkDelayMs = 60;
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I light a torch' });
    await world.discord.waitFor(() => narrativeRequests().length === before + 1, { description: "Alice's turn started" });
    const view = await act('bob', 'I guard the stairs').reply();
    expect(view.ephemeral).toBe(false);
    expect(view.original?.content).toBe('**Bob**: I guard the stairs\n-# The DM will answer this with the next turn.');

    await world.discord.waitFor(() => narrativeRequests().length === before + 2, { timeoutMs: 15_000, description: 'the next turn' });
    expect(actionsOf(narrativeRequests()[before])).toBe("## This turn's actions\n- Alice: \"I light a torch\"");
    expect(actionsOf(narrativeRequests()[before + 1])).toBe("## This turn's actions\n- Bob: \"I guard the stairs\"");
    chunkDelayMs = 2;
    await settle();
    await waitForOptions(world, 'tavern', 0);
  });
});

describe('odd and hostile input', () => {
  it('echoes markdown and mentions in an action without pinging anyone', async () => {
    const roleMention = `<@&${world.discord.roles.gm}>`;
    const userMention = `<@${world.discord.users['bob']?.id}>`;
    const text = `**Charge!** I yell @everyone and @here, ${roleMention} ${userMention} __now__ \`~~run~~\``;
    const handle = act('alice', text);
    const view = await handle.reply();
    expect(view.original?.content).toBe(`**Alice**: ${text}`);
    const callback = world.discord.requests.find((request) => request.interactionId === handle.id && request.method === 'POST');
    expect(callback?.allowedMentions).toMatchObject({ parse: [] });
    await world.discord.waitFor(() => actionsOf(narrativeRequests().at(-1)).includes(`- Alice: ${JSON.stringify(text)}`), { description: 'the turn for the action' });
    await settle();
  });

  it('takes a 2,000-character action from /act and from a message, whole', async () => {
    const long = `I recite the litany: ${'ave sancte '.repeat(200)}`.slice(0, 1999) + '!';
    expect(long).toHaveLength(2000);
    const view = await act('carol', long).reply();
    expect(view.ephemeral).toBe(false);
    expect(view.original?.content.startsWith('**Carol**: I recite the litany: ave sancte')).toBe(true);
    expect(view.original?.content.length).toBeLessThanOrEqual(2000);
    await world.discord.waitFor(() => actionsOf(narrativeRequests().at(-1)).includes(`- Carol: ${JSON.stringify(long)}`), { description: "Carol's long action in a prompt" });
    await settle();

    const written = `I write it on the wall: ${'memento mori '.repeat(200)}`.slice(0, 1999) + '!';
    expect(written).toHaveLength(2000);
    world.discord.userMessage({ channel: 'tavern', user: 'bob', content: written });
    await world.discord.waitFor(() => actionsOf(narrativeRequests().at(-1)).includes(`- Bob: ${JSON.stringify(written)}`), { description: "Bob's long message in a prompt" });
    await settle();
  });

  it('ignores out-of-character lines', async () => {
    const requestsBefore = world.openai.requests.length;
    const botMessagesBefore = world.botMessages('tavern').length;
    for (const content of ['// is the pizza here yet?', '(( brb ))', '   (( with spaces first', '//no space']) {
      world.discord.userMessage({ channel: 'tavern', user: 'carol', content });
    }
    await quietFor(500);
    expect(world.openai.requests.length).toBe(requestsBefore);
    expect(world.botMessages('tavern').length).toBe(botMessagesBefore);
  });

  it('refuses a message over 2,000 characters (Nitro allows 4,000) politely, and starts no turn', async () => {
    const requestsBefore = world.openai.requests.length;
    const huge = 'I tell the whole saga of my family. '.repeat(111).slice(0, 4000);
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: huge });
    const notice = await world.discord.waitForMessage(
      'tavern',
      (message) => message.authorId === world.discord.bot.id && message.content.includes('too long'),
    );
    expect(notice.content).toBe('Alice: That action is too long for the DM (2000 characters at most). Try saying it in fewer words.');
    await quietFor(300);
    expect(world.openai.requests.length).toBe(requestsBefore);
  });
});

describe('when the model fails', () => {
  it('shows the turn interrupted with a plain reason, and answers the kept action once the model is back', async () => {
    const lastTurn = world.botMessages('tavern').at(-1);
    modelDown = true;
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I cast a warding spell on the door' });
    const failed = await world.discord.waitFor(
      () => world.botMessages('tavern').find((message) => BigInt(message.id) > BigInt(lastTurn?.id ?? '0') && message.content.includes('interrupted')),
      { timeoutMs: 10_000, description: 'the failed turn' },
    );
    await settle();
    const shown = world.discord.message(failed.id);
    expect(shown?.content).toBe(
      "*(interrupted — the DM's model refused the API key (ask the bot's operator); your actions are kept and will be answered with the next one)*",
    );
    expect(shown?.content).not.toContain(WRITING_MARK);
    expect(shown?.content).not.toMatch(/Error|\n\s+at |401|sk-fake/);
    // No options: only the button that runs the kept action again.
    expect(shown?.buttons.map((button) => button.label)).toEqual(['Try again']);

    modelDown = false;
    const before = narrativeRequests().length;
    world.discord.userMessage({ channel: 'tavern', user: 'bob', content: 'I follow Alice through the door' });
    await world.discord.waitFor(() => narrativeRequests().length === before + 1, { description: 'the next turn' });
    expect(actionsOf(narrativeRequests().at(-1))).toBe(
      "## This turn's actions\n- Alice: \"I cast a warding spell on the door\"\n- Bob: \"I follow Alice through the door\"",
    );
    await settle();
    const next = world.botMessages('tavern').at(-1);
    expect(BigInt(next?.id ?? '0')).toBeGreaterThan(BigInt(failed.id));
    expect(next?.buttons.filter((button) => !button.disabled)).toHaveLength(3);
    expect(next?.content).not.toContain(WRITING_MARK);
  });
});

describe('the whole session', () => {
  it('broke no Discord limit and acknowledged every interaction within 3 s', () => {
    expect(refusedRequests(world).map((request) => [request.method, request.route, request.status, request.errorCode, JSON.stringify(request.responseBody)])).toEqual([]);
    const delays = world.discord.acknowledgementDelays();
    expect(delays.length).toBeGreaterThanOrEqual(9);
    for (const delay of delays) expect(delay.delayMs ?? Infinity).toBeLessThan(3000);
  });
});
