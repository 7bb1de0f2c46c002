import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phaseOf } from '../support/dm-script.ts';
import type { InteractionView } from '../support/discord-emulator/index.ts';
import type { RecordedRequest } from '../support/fake-openai.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';

// The lorebook as a GM lives it (`/gm lore add|remove|list`, all private), and what the DM is then told: the next
// turn's prompt carries the entries its text calls for and none of the others. Through the real discord.js client
// (a subcommand group inside /gm), the real openai SDK and SQLite.

const OSRIC = 'Osric the harbourmaster takes bribes in silver, never in gold.';
const KRAKEN = 'A kraken sleeps under the harbour; only a drowned bell wakes it.';

let world: BotWorld;

function lore(user: string, subcommand: 'add' | 'remove' | 'list', options?: Record<string, string>) {
  return world.discord.slashCommand({ channel: 'tavern', user, name: 'gm', subcommandGroup: 'lore', subcommand, ...(options === undefined ? {} : { options }) });
}

/** The private answer once it is no longer "thinking…"; nothing of it reaches the table. */
async function privateAnswer(handle: ReturnType<typeof lore>): Promise<InteractionView> {
  const view = await handle.reply((current) => current.original !== null && !current.original.loading, { timeoutMs: 20_000 });
  expect(view.ephemeral).toBe(true);
  expect(view.original?.ephemeral).toBe(true);
  expect(view.followUps).toEqual([]);
  return view;
}

const narrativeRequests = (): RecordedRequest[] => world.openai.requests.filter((request) => phaseOf(request) === 'narrative');
const promptOf = (request: RecordedRequest | undefined): string => request?.messages[1]?.content ?? '';
const channelId = (): string => world.discord.channels['tavern']?.id ?? '';

async function storedLore() {
  const campaign = await world.bot.store.getCampaign(channelId());
  return campaign === undefined ? [] : world.bot.store.getLore(campaign.campaignId);
}

/** A player's message that starts one turn; resolves with that turn's narrative request once the turn is done. */
async function playTurn(user: string, content: string): Promise<RecordedRequest> {
  const before = narrativeRequests().length;
  world.discord.userMessage({ channel: 'tavern', user, content });
  const request = await world.discord.waitFor(() => narrativeRequests()[before], { timeoutMs: 20_000, description: 'the next turn' });
  await world.bot.tables.of(channelId()).idle();
  return request;
}

beforeAll(async () => {
  world = await startBotWorld();
  await world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'Smugglers in the drowned port of Vell' } }).reply(announced);
  await waitForOptions(world, 'tavern');
  await world.bot.tables.of(channelId()).idle();
}, 30_000);

afterAll(async () => {
  await world?.close();
});

describe('/gm lore', () => {
  it('adds, lists and removes entries, answering only the GM, with clear refusals', async () => {
    const channelBefore = world.botMessages('tavern').length;

    const added = await privateAnswer(lore('gm', 'add', { key: 'Osric,  harbourmaster, osric', text: OSRIC }));
    expect(added.original?.content).toBe(`Added to the lorebook (1 of 100). The DM is told it when a key word comes up.\n- **Osric, harbourmaster**: ${OSRIC}`);
    const kraken = await privateAnswer(lore('gm', 'add', { key: 'kraken, drowned bell', text: KRAKEN }));
    expect(kraken.original?.content).toContain('Added to the lorebook (2 of 100).');

    const empty = await privateAnswer(lore('gm', 'add', { key: 'Eel', text: '   ' }));
    expect(empty.original?.content).toMatch(/^The fact cannot be empty, for example `\/gm lore add key: /);
    const noKey = await privateAnswer(lore('gm', 'add', { key: ' , ', text: 'The Eel runs the docks.' }));
    expect(noKey.original?.content).toMatch(/^Give at least one key word, separated by commas/);

    const list = await privateAnswer(lore('gm', 'list'));
    expect(list.original?.content).toBe(`The lorebook (2 of 100):\n- **Osric, harbourmaster**: ${OSRIC}\n- **kraken, drowned bell**: ${KRAKEN}`);

    const missing = await privateAnswer(lore('gm', 'remove', { key: 'leviathan' }));
    expect(missing.original?.content).toBe('No lore entry has the key word "leviathan". `/gm lore list` shows the keys; nothing was removed.');
    expect((await storedLore()).map((entry) => entry.text)).toEqual([OSRIC, KRAKEN]);

    // Everything was private: the table saw nothing.
    expect(world.botMessages('tavern')).toHaveLength(channelBefore);
    expect(refusedRequests(world)).toEqual([]);
  });

  it('refuses a player who is not a GM, privately, and changes nothing', async () => {
    const before = await storedLore();
    for (const [subcommand, options] of [
      ['add', { key: 'Alice', text: 'Alice is the true heir.' }],
      ['remove', { key: 'Osric' }],
      ['list', undefined],
    ] as const) {
      const view = await privateAnswer(lore('alice', subcommand, options));
      expect(view.original?.content, subcommand).toMatch(/^Only a GM can do that/);
      expect(view.original?.content, subcommand).not.toContain(OSRIC);
    }
    expect(await storedLore()).toEqual(before);
  });

  it("tells the next turn's DM the entries its text calls for, and not the others", async () => {
    const request = await playTurn('alice', 'I slip a silver coin to the HARBOURMASTER and ask about the smugglers');
    const prompt = promptOf(request);
    expect(prompt).toContain(`## Lore\n`);
    expect(prompt).toContain(`- ${JSON.stringify({ keys: 'Osric, harbourmaster', fact: OSRIC })}`);
    expect(prompt).not.toContain('kraken');
    // The same bytes in every phase of the turn: the lore is part of the shared prefix.
    const phases = world.openai.requests.filter((candidate) => candidate.messages[1]?.content === prompt);
    expect(phases.map(phaseOf).sort()).toEqual(['metadata', 'narrative', 'options', 'response']);
  });

  it('removes an entry by any of its key words, in any case, and the export shows the lorebook', async () => {
    const removed = await privateAnswer(lore('gm', 'remove', { key: 'KRAKEN' }));
    expect(removed.original?.content).toBe(`Removed one entry (1 left):\n- **kraken, drowned bell**: ${KRAKEN}`);
    const list = await privateAnswer(lore('gm', 'list'));
    expect(list.original?.content).toBe(`The lorebook (1 of 100):\n- **Osric, harbourmaster**: ${OSRIC}`);

    // The kraken is named, but its entry is gone; Osric is still called up by the turn before, where Alice named him.
    const prompt = promptOf(await playTurn('bob', 'I ring the drowned bell to wake the kraken'));
    expect(prompt).toContain(`- ${JSON.stringify({ keys: 'Osric, harbourmaster', fact: OSRIC })}`);
    expect(prompt).not.toContain(KRAKEN);

    const exported = await privateAnswer(world.discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'export' }));
    const markdown = exported.original?.attachments[0]?.text ?? '';
    expect(markdown).toContain(`## Lorebook\n\n- **Osric, harbourmaster**: ${OSRIC}\n`);
    expect(markdown).not.toContain(KRAKEN);
  });
});
