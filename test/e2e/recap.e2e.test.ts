import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import type { MessageSnapshot } from '../support/discord-emulator/index.ts';
import { reply, type RecordedRequest } from '../support/fake-openai.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';

// Recaps as players meet them: /recap (private unless asked for in public, told from the store without the model)
// and the "previously…" a table gets on its first turn after a long break. The real bot against the Discord emulator
// and the fake OpenAI server, with the default gap of 6 hours: the break is made by moving the last delivered turn
// 7 hours into the past in the bot's own store, so nothing sleeps.

const OPENING = 'Torches gutter in the crypt beneath the abbey. Water drips onto ancient bones.';
const RUNES = 'The altar runes flare blue under your fingers. Somewhere below, stone grinds on stone.';
const PREVIOUSLY = '*Previously… The party entered the crypt, and Alice woke the runes of the altar.*';

const SCENE = {
  environmental_conditions: 'Cold, damp air',
  immediate_threats: 'Something scratches behind the sarcophagus',
  story_progression: 'The runes of the altar are awake',
  scene_elements: { npcs_present: ['Brother Aldous'], objects_of_interest: ['A cracked altar'], current_location: 'The Crypt of Saint Wend' },
};

let world: BotWorld;
let tavernId: string;

function narrativeRequests(): RecordedRequest[] {
  return world.openai.requests.filter((request) => phaseOf(request) === 'narrative');
}

function recap(user: string, channel: string, options: Record<string, boolean> = {}) {
  return world.discord.slashCommand({ channel, user, name: 'recap', options });
}

async function settle(): Promise<void> {
  await world.bot.tables.of(tavernId).idle();
}

function fields(message: MessageSnapshot | null | undefined): Record<string, string> {
  return Object.fromEntries((message?.embeds[0]?.fields ?? []).map((field) => [field.name, field.value]));
}

beforeAll(async () => {
  world = await startBotWorld();
  tavernId = world.discord.channels['tavern']?.id ?? '';
  const base = dmResponder();
  world.openai.respondWith((request) => {
    const phase = phaseOf(request);
    if (phase === 'narrative' && request.lastMessage.includes('*Previously…*')) return reply.text(`${PREVIOUSLY}\n\nThe torches burn low.`, { chunkDelayMs: 2 });
    // A recap tells the opening by its scene, and a turn by what the actions led to.
    if (phase === 'narrative' && narrativeRequests().length === 1) return reply.text(OPENING, { chunkDelayMs: 2 });
    if (phase === 'narrative') return reply.text('The crypt is silent.', { chunkDelayMs: 2 });
    if (phase === 'response') return reply.text(RUNES, { chunkDelayMs: 2 });
    if (phase === 'metadata') return reply.json(SCENE);
    return base(request);
  });
});

afterAll(async () => {
  await world?.close();
});

describe('/recap', () => {
  it('tells a player privately that no campaign has been played, even when asked for in public', async () => {
    for (const options of [{}, { public: true }] as Record<string, boolean>[]) {
      const view = await recap('alice', 'dungeon', options).reply();
      expect(view.ephemeral).toBe(true);
      expect(view.original?.content).toBe('No campaign has been played in this channel yet.');
    }
    expect(world.discord.messages('dungeon')).toEqual([]);
  });

  it('shows the story so far only to the asker: the turns played, since no summary exists yet, and the scene; without the model', async () => {
    const start = world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A crypt beneath the abbey' } });
    await start.reply(announced);
    await waitForOptions(world, 'tavern');
    await settle();
    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I touch the runes on the altar' });
    await waitForOptions(world, 'tavern', 1);
    await settle();
    // No gap: neither turn asked for a "previously…".
    expect(narrativeRequests().map((request) => request.lastMessage.includes('Previously'))).toEqual([false, false]);

    const publicBefore = world.discord.messages('tavern').map((message) => message.id);
    const requestsBefore = world.openai.requests.length;
    const view = await recap('bob', 'tavern').reply();
    expect(view.ephemeral).toBe(true);
    expect((view.original?.flags ?? 0) & 64).toBe(64);
    const embed = view.original?.embeds[0];
    expect(embed?.title).toBe('📜 The story so far');
    expect(embed?.description).toBe(
      [
        '• **The opening**: Torches gutter in the crypt beneath the abbey. Water drips onto ancient bones.',
        '• **Alice**: The altar runes flare blue under your fingers. Somewhere below, stone grinds on stone.',
      ].join('\n'),
    );
    expect(fields(view.original)).toEqual({
      Premise: 'A crypt beneath the abbey',
      '📍 Where things stand': 'The Crypt of Saint Wend: The runes of the altar are awake',
      Threats: 'Something scratches behind the sarcophagus',
      Present: 'Brother Aldous',
    });
    expect(world.openai.requests.length).toBe(requestsBefore);
    expect(world.discord.messages('tavern').map((message) => message.id)).toEqual(publicBefore);
  });

  it('shows it to the whole table with public:true, without pinging anyone', async () => {
    const handle = recap('carol', 'tavern', { public: true });
    const view = await handle.reply();
    expect(view.ephemeral).toBe(false);
    expect(view.original?.ephemeral).toBe(false);
    expect(view.original?.embeds[0]?.title).toBe('📜 The story so far');
    const callback = world.discord.requests.find((request) => request.interactionId === handle.id && request.method === 'POST');
    expect(callback?.allowedMentions).toMatchObject({ parse: [] });
    const seen = world.discord.messages('tavern').filter((message) => message.interactionId === view.interactionId);
    expect(seen.map((message) => message.embeds[0]?.description)).toEqual([view.original?.embeds[0]?.description]);
  });
});

describe('"previously…" after a long break', () => {
  it('opens the first turn after the gap with a short recap, and only that turn', async () => {
    const hoursAgo = new Date(Date.now() - 7 * 60 * 60 * 1000).toISOString();
    const turns = await world.bot.store.getRecentTurns(tavernId);
    await world.bot.store.saveTurns(tavernId, turns.map((turn) => ({ ...turn, finishedAt: hoursAgo })));
    // A table idle for hours has long been let go (after ten minutes) and reads the store again when it is next used;
    // the table in memory keeps what it wrote itself, so a restart stands in for those hours.
    await world.restart();

    const before = narrativeRequests().length;
    world.discord.userMessage({ channel: 'tavern', user: 'bob', content: 'I light a fresh torch' });
    const shown = await waitForOptions(world, 'tavern', 2);
    await settle();
    const asked = narrativeRequests()[before];
    expect(asked?.lastMessage).toContain('Begin with one short italic paragraph that starts with "*Previously…*"');
    // Only phase 1 asks; the other phases see the recap as part of the narrative the players read.
    const laterPhases = world.openai.requests.slice(world.openai.requests.indexOf(asked as RecordedRequest) + 1);
    expect(laterPhases.filter((request) => request.lastMessage.includes('Begin with one short italic paragraph'))).toEqual([]);
    // The shared prefix is the same bytes in every phase of that turn.
    expect(new Set(laterPhases.map((request) => JSON.stringify(request.messages.slice(0, 2))))).toEqual(new Set([JSON.stringify(asked?.messages.slice(0, 2))]));
    expect(shown.content.startsWith(`${PREVIOUSLY}\n\nThe torches burn low.`)).toBe(true);

    world.discord.userMessage({ channel: 'tavern', user: 'alice', content: 'I follow the sound below' });
    await waitForOptions(world, 'tavern', 3);
    await settle();
    expect(narrativeRequests().at(-1)?.lastMessage).not.toContain('Previously');
  });

  it('broke no Discord limit', () => {
    expect(refusedRequests(world).map((request) => [request.method, request.route, request.status])).toEqual([]);
  });
});
