import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCampaignStore } from '../../src/campaign/keyv-campaign-store.ts';
import { createTables, type Tables } from '../../src/campaign/tables.ts';
import type { CampaignStore } from '../../src/campaign/types.ts';
import type { TurnEvent } from '../../src/dm/events.ts';
import { createOrchestrator } from '../../src/dm/orchestrator.ts';
import type { PlayerAction } from '../../src/dm/types.ts';
import { createLlmClient } from '../../src/llm/create-llm-client.ts';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import { reply, startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.ts';
import { silentPresenters } from '../support/silent-presenters.ts';

// A click on a check, at the table owner: the option set keeps the checks, a click rolls for the clicker with their
// sheet's modifier, and two clicks on one check are two actions with a roll each. Discord is left out (a presenter
// that only records); the store is SQLite and the orchestrator runs on the openai SDK against the fake server.

const logger = pino({ level: 'silent' });
const CHANNEL = '1200000000000000002';
const GUILD = '1300000000000000002';
const CHECK_OPTIONS = {
  options: [
    { text: 'Sneak past the guard', check: { ability: 'DEX', dice: 'd20', difficulty: 15 } },
    'Wait for the patrol',
    { text: 'Bribe the guard', check: { ability: 'CHA', dice: 'd20', difficulty: null } },
  ],
};

let fake: FakeOpenAi;
let directory: string;
let store: CampaignStore;
let tables: Tables | undefined;
const shown: TurnEvent[] = [];

function click(name: string, turnId: string, index: number): PlayerAction {
  return { id: `click-${name}-${index}`, playerId: `id-${name}`, playerName: name, text: '', source: 'option', choice: { turnId, index } };
}

beforeEach(async () => {
  shown.length = 0;
  fake = await startFakeOpenAi();
  fake.respondWith(dmResponder({ options: reply.json(CHECK_OPTIONS) }));
  directory = await mkdtemp(join(tmpdir(), 'table-checks-'));
  store = await createCampaignStore({ url: `sqlite://${join(directory, 'dm.sqlite')}`, logger });
});

afterEach(async () => {
  await tables?.shutdown(10);
  tables = undefined;
  await store.close();
  await fake.close();
  await rm(directory, { recursive: true, force: true });
});

describe('a click on a check', () => {
  it("keeps the checks with the options, and rolls each clicker's own check with their modifier", async () => {
    const llm = createLlmClient({ apiKey: 'k', baseUrl: fake.url, firstTokenTimeoutMs: 2000, chunkTimeoutMs: 1000, totalTimeoutMs: 5000, maxRetries: 0 });
    const orchestrator = createOrchestrator({ llm, models: { narrative: 'm', response: 'm', options: 'm', metadata: 'm' }, logger });
    tables = createTables({ store, orchestrator, presenters: silentPresenters({ onEvent: (event) => shown.push(event) }), logger, streaming: true, summarise: async () => '' });
    const table = tables.of(CHANNEL);
    expect((await table.start({ guildId: GUILD, premise: 'A heist', tone: 'tense', startedBy: 'gm' })).status).toBe('started');
    await table.idle();
    const [opening] = await store.getRecentTurns(CHANNEL);
    const turnId = opening?.turnId ?? '';
    const checks = [{ ability: 'DEX', dice: 'd20', difficulty: 15 }, null, { ability: 'CHA', dice: 'd20', difficulty: null }];
    expect(shown.find((event) => event.type === 'player_options')).toMatchObject({ options: ['Sneak past the guard', 'Wait for the patrol', 'Bribe the guard'], checks });
    expect((await store.getOptionSet(turnId))?.checks).toEqual(checks);
    expect(opening?.checks).toEqual(checks);

    expect((await table.setCharacter({ playerId: 'id-Alice', playerName: 'Alice', changes: { name: 'Vex', modifiers: 'DEX +3' } })).status).toBe('saved');
    const [alice, bob, plain] = await Promise.all([table.submit(click('Alice', turnId, 0)), table.submit(click('Bob', turnId, 0)), table.submit(click('Carol', turnId, 1))]);
    if (alice?.status !== 'started' || bob?.status !== 'queued' || plain?.status !== 'queued') throw new Error(`unexpected outcomes: ${alice?.status} ${bob?.status} ${plain?.status}`);
    const aliceDie = Number(/^\[(\d+)\]\+3$/.exec(alice.action.check?.rolls ?? '')?.[1]);
    expect(alice.action.check).toMatchObject({ expression: 'd20+DEX', total: aliceDie + 3, difficulty: 15, success: aliceDie + 3 >= 15, characterName: 'Vex' });
    const bobDie = Number(/^\[(\d+)\]\+0$/.exec(bob.action.check?.rolls ?? '')?.[1]);
    expect(bob.action.check).toMatchObject({ expression: 'd20+DEX', total: bobDie, difficulty: 15, success: bobDie >= 15 });
    expect(bob.action.check?.characterName).toBeUndefined();
    expect(plain.action.check).toBeUndefined();
    await table.idle();

    const prompts = fake.requests.filter((request) => phaseOf(request) === 'narrative').map((request) => request.messages[1]?.content ?? '');
    expect(prompts[1]).toContain(`- Alice: "Sneak past the guard" (a check rolled by the bot`);
    expect(prompts[1]).toContain(`"total":${aliceDie + 3}`);
    expect(prompts[2]).toContain(`- Bob: "Sneak past the guard" (a check rolled by the bot, not by you; the outcome follows it: {"dice":"d20+DEX","rolls":"[${bobDie}]+0","total":${bobDie},"difficulty":15`);
    expect(prompts[2]).toContain('- Carol: "Wait for the patrol"');
    expect(prompts[2]).not.toContain('"Wait for the patrol" (a check');
    // The roll stays with the choice in the recent turns of later prompts.
    expect(prompts[2]).toContain(`"rolls":"[${aliceDie}]+3"`);
  });
});
