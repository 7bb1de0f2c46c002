import { beforeEach, describe, expect, it } from 'vitest';
import type { TurnEvent } from '../../src/dm/events.ts';
import type { PlayerAction } from '../../src/dm/types.ts';
import { dmResponder, phaseOf } from '../support/dm-script.ts';
import { reply } from '../support/fake-openai.ts';
import { silentPresenters } from '../support/silent-presenters.ts';
import { useTableWorld } from '../support/table-world.ts';

// A click on a check, at the table owner: the option set keeps the checks, a click rolls for the clicker with their
// sheet's modifier, and two clicks on one check are two actions with a roll each. Discord is left out (a presenter
// that only records); the store is SQLite and the orchestrator runs on the openai SDK against the fake server.

const world = useTableWorld('table-checks');
const CHANNEL = '1200000000000000002';
const GUILD = '1300000000000000002';
const CHECK_OPTIONS = {
  options: [
    { text: 'Sneak past the guard', check: { ability: 'DEX', dice: 'd20', difficulty: 15 } },
    'Wait for the patrol',
    { text: 'Bribe the guard', check: { ability: 'CHA', dice: 'd20', difficulty: null } },
  ],
};

const shown: TurnEvent[] = [];

function click(name: string, turnId: string, index: number): PlayerAction {
  return { id: `click-${name}-${index}`, playerId: `id-${name}`, playerName: name, text: '', source: 'option', choice: { turnId, index } };
}

beforeEach(() => {
  shown.length = 0;
  world.fake.respondWith(dmResponder({ options: reply.json(CHECK_OPTIONS) }));
});

describe('a click on a check', () => {
  it("keeps the checks with the options, and rolls each clicker's own check with their modifier", async () => {
    const tables = world.openTables({ presenters: silentPresenters({ onEvent: (event) => shown.push(event) }), summarise: async () => '' });
    const table = tables.of(CHANNEL);
    expect((await table.start({ guildId: GUILD, premise: 'A heist', tone: 'tense', startedBy: 'gm' })).status).toBe('started');
    await table.idle();
    const [opening] = await world.store.getRecentTurns(CHANNEL);
    const turnId = opening?.turnId ?? '';
    const checks = [{ ability: 'DEX', dice: 'd20', difficulty: 15 }, null, { ability: 'CHA', dice: 'd20', difficulty: null }];
    expect(shown.find((event) => event.type === 'player_options')).toMatchObject({ options: ['Sneak past the guard', 'Wait for the patrol', 'Bribe the guard'], checks });
    expect((await world.store.getOptionSet(turnId))?.checks).toEqual(checks);
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

    const prompts = world.fake.requests.filter((request) => phaseOf(request) === 'narrative').map((request) => request.messages[1]?.content ?? '');
    expect(prompts[1]).toContain(`- Alice: "Sneak past the guard" (a check rolled by the bot`);
    expect(prompts[1]).toContain(`"total":${aliceDie + 3}`);
    expect(prompts[2]).toContain(`- Bob: "Sneak past the guard" (a check rolled by the bot, not by you; the outcome follows it: {"dice":"d20+DEX","rolls":"[${bobDie}]+0","total":${bobDie},"difficulty":15`);
    expect(prompts[2]).toContain('- Carol: "Wait for the patrol"');
    expect(prompts[2]).not.toContain('"Wait for the patrol" (a check');
    // The roll stays with the choice in the recent turns of later prompts.
    expect(prompts[2]).toContain(`"rolls":"[${aliceDie}]+3"`);
  });
});
