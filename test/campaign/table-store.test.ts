import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCampaignStore } from '../../src/campaign/keyv-campaign-store.ts';
import { RECENT_TURNS_KEPT } from '../../src/campaign/store-keys.ts';
import { createTableStore } from '../../src/campaign/table-store.ts';
import type { CampaignStore, OptionSet, StoredTurn } from '../../src/campaign/types.ts';
import { createLogger } from '../../src/logger.ts';
import { createGate } from '../support/gate.ts';

// The table's view of the store keeps what only the table writes. What matters: every read answers what the store
// holds, a turn's start asks the store for nothing it already knows, and no failure or race leaves a kept value
// that differs from the store.

const CHANNEL = 'channel-1';
let directory = '';
let store: CampaignStore;
let reads: string[];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'dm-table-store-'));
  store = await createCampaignStore({ url: `sqlite://${join(directory, 'dm.sqlite')}`, logger: createLogger('silent') });
  reads = [];
});

afterEach(async () => {
  await store.close();
  await rm(directory, { recursive: true, force: true });
});

/** The store, counting the reads that reach it. */
function counted(backing: CampaignStore): CampaignStore {
  return {
    ...backing,
    getRecentTurns: (channelId) => (reads.push('turns'), backing.getRecentTurns(channelId)),
    getCharacters: (campaignId) => (reads.push('characters'), backing.getCharacters(campaignId)),
    getRolls: (channelId) => (reads.push('rolls'), backing.getRolls(channelId)),
    getLore: (campaignId) => (reads.push('lore'), backing.getLore(campaignId)),
    getWhispers: (campaignId) => (reads.push('whispers'), backing.getWhispers(campaignId)),
    getOptionSet: (turnId) => (reads.push('options'), backing.getOptionSet(turnId)),
  };
}

function turn(number: number, overrides: Partial<StoredTurn> = {}): StoredTurn {
  return {
    turnId: `turn-${number}`,
    campaignId: 'campaign-1',
    channelId: CHANNEL,
    guildId: 'guild-1',
    kind: 'turn',
    number,
    status: 'complete',
    actions: [{ id: `action-${number}`, playerId: 'p1', playerName: 'Ash', text: `knock ${number} times`, source: 'message' }],
    narrative: `Narrative ${number}`,
    response: `Response ${number}`,
    options: ['Wait', 'Leave'],
    usage: {},
    messageIds: [`message-${number}`],
    startedAt: '2025-01-15T10:30:00.000Z',
    finishedAt: '2025-01-15T10:30:09.000Z',
    ...overrides,
  };
}

function optionSet(turnId: string, live = true): OptionSet {
  return { turnId, channelId: CHANNEL, messageId: `message-of-${turnId}`, options: ['Wait', 'Leave'], live, chosen: null };
}

describe("a table's view of the store", () => {
  it('reads each record from the store once, then answers what the table wrote, exactly as the store holds it', async () => {
    const view = createTableStore(counted(store), CHANNEL);
    expect(await view.getRecentTurns(CHANNEL)).toEqual([]);
    for (let number = 1; number <= RECENT_TURNS_KEPT + 3; number += 1) {
      await view.saveTurns(CHANNEL, [turn(number, { status: 'in_progress' })]);
      await view.saveTurns(CHANNEL, [turn(number)]);
    }
    await view.saveCharacters('campaign-1', { p1: { name: 'Vex', concept: 'thief', description: '', modifiers: { DEX: 3 } } });
    expect(await view.getCharacters('campaign-1')).toEqual(await store.getCharacters('campaign-1'));
    await view.saveRolls(CHANNEL, []);
    expect(await view.getRolls(CHANNEL)).toEqual([]);
    await view.saveOptionSet(optionSet('turn-23'));
    expect(await view.getOptionSet('turn-23')).toEqual(optionSet('turn-23'));

    const kept = await view.getRecentTurns(CHANNEL);
    expect(kept).toEqual(await store.getRecentTurns(CHANNEL));
    expect(kept.map((stored) => stored.number)).toEqual(Array.from({ length: RECENT_TURNS_KEPT }, (_, index) => index + 4));
    expect(reads).toEqual(['turns']);
  });

  it('keeps nothing a caller changes afterwards, in what it saved or in what it was given', async () => {
    const view = createTableStore(store, CHANNEL);
    await view.getRecentTurns(CHANNEL);
    const saved = turn(1);
    await view.saveTurns(CHANNEL, [saved]);
    saved.messageIds.push('message-not-saved');
    const given = await view.getRecentTurns(CHANNEL);
    given[0]?.messageIds.push('message-not-saved-either');
    expect(await view.getRecentTurns(CHANNEL)).toEqual([turn(1)]);
  });

  it('forgets what a failed write may or may not have changed, and reads the store again', async () => {
    let failing = false;
    const flaky: CampaignStore = {
      ...store,
      saveLore: async (campaignId, entries) => {
        if (failing) throw new Error('SQLITE_IOERR: disk I/O error');
        await store.saveLore(campaignId, entries);
      },
    };
    const view = createTableStore(flaky, CHANNEL);
    const entry = { keys: ['tower'], text: 'The tower leans north.', addedAt: '2025-01-15T10:30:00.000Z' };
    await view.saveLore('campaign-1', [entry]);
    failing = true;
    await expect(view.saveLore('campaign-1', [])).rejects.toThrow('disk I/O');
    // The store still holds the entry; so does the view, read again.
    await store.saveLore('campaign-1', [entry, { ...entry, keys: ['moat'], text: 'The moat is dry.' }]);
    expect((await view.getLore('campaign-1')).map((kept) => kept.keys[0])).toEqual(['tower', 'moat']);
  });

  it('never keeps a read that an overlapping write made old', async () => {
    const readLetGo = createGate();
    let holdReads = true;
    const slowReads: CampaignStore = {
      ...store,
      getRecentTurns: async (channelId) => {
        const value = await store.getRecentTurns(channelId);
        if (holdReads) await readLetGo.until;
        return value;
      },
    };
    const view = createTableStore(slowReads, CHANNEL);
    // The read is asked first (the store answers in order: it sees no turn), and held until the write has landed.
    const oldRead = view.getRecentTurns(CHANNEL);
    await view.saveTurns(CHANNEL, [turn(1)]);
    readLetGo.open();
    expect(await oldRead).toEqual([]);
    holdReads = false;
    expect(await view.getRecentTurns(CHANNEL)).toEqual([turn(1)]);
  });

  it('leaves other channels to the store', async () => {
    const view = createTableStore(counted(store), CHANNEL);
    await view.saveTurns('channel-2', [turn(1, { channelId: 'channel-2' })]);
    await view.getRecentTurns('channel-2');
    await view.getRecentTurns('channel-2');
    expect(reads).toEqual(['turns', 'turns']);
  });
});
