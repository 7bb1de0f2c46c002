import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKeyv } from '../../src/campaign/create-keyv.ts';
import type { StoreConnection } from '../../src/campaign/create-keyv.ts';
import { createCampaignStore } from '../../src/campaign/keyv-campaign-store.ts';
import {
  campaignKey,
  RECENT_TURNS_KEPT,
  recentTurnsKey,
  sceneKey,
  SNAPSHOTS_KEPT,
  loreKey,
  waitingKey,
} from '../../src/campaign/store-keys.ts';
import type { Campaign, CampaignStore, OptionSet, StoredScene, StoredTurn, TurnSnapshot } from '../../src/campaign/types.ts';
import type { PlayerAction, SceneMetadata } from '../../src/dm/types.ts';
import { createLogger } from '../../src/logger.ts';
import { startRedisServer } from '../support/redis-server.ts';
import type { RedisServer } from '../support/redis-server.ts';

type Backend = {
  name: string;
  start(): Promise<string>;
  stop(): Promise<void>;
};

let temporaryFolder = '';
let redisServer: RedisServer | undefined;

beforeAll(async () => {
  temporaryFolder = await mkdtemp(join(tmpdir(), 'dm-store-'));
});

afterAll(async () => {
  await rm(temporaryFolder, { recursive: true, force: true });
});

const backends: Backend[] = [
  {
    name: 'sqlite',
    start: async () => `sqlite://${join(temporaryFolder, 'store.sqlite')}`,
    stop: async () => {},
  },
  {
    name: 'redis',
    start: async () => {
      redisServer = await startRedisServer();
      return redisServer.url;
    },
    stop: async () => {
      await redisServer?.stop();
    },
  },
];

function collectingLogger() {
  const lines: string[] = [];
  const logger = createLogger('warn', { destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines };
}

function newId(): string {
  return randomUUID();
}

function campaignFor(channelId: string, guildId: string): Campaign {
  return {
    campaignId: `campaign-${channelId}`,
    channelId,
    guildId,
    status: 'active',
    premise: 'A lighthouse keeper has not lit the lamp for three nights.',
    tone: 'eerie',
    summarisedThroughTurn: 0,
    summary: '',
    party: [{ playerId: 'p1', name: 'Ash', character: 'a retired smuggler' }, { playerId: 'p2', name: 'Bree' }],
    settings: { streaming: null, messages: 'talk', length: 'short', limits: 'No harm to animals.' },
    startedBy: 'p1',
    createdAt: '2025-01-15T10:30:00.000Z',
    updatedAt: '2025-01-15T10:30:00.000Z',
    turnCount: 0,
    logLength: 0,
  };
}

function actionFor(text: string, playerId = 'p1'): PlayerAction {
  return { id: `action-${newId()}`, playerId, playerName: playerId === 'p1' ? 'Ash' : 'Bree', text, source: 'message' };
}

function snapshotFor(number: number): TurnSnapshot {
  return {
    scene,
    summary: `Summary before turn ${number}`,
    summarisedThroughTurn: 0,
    party: [{ playerId: 'p1', name: 'Ash' }],
    turnCount: number - 1,
    previousOptionsTurnId: number > 1 ? `turn-${number - 1}` : null,
  };
}

function turnFor(
  channelId: string,
  number: number,
  status: StoredTurn['status'] = 'complete',
  options: { withSnapshot?: boolean } = {},
): StoredTurn {
  return {
    turnId: `${channelId}-turn-${number}`,
    campaignId: `campaign-${channelId}`,
    channelId,
    guildId: 'guild-1',
    kind: 'turn',
    number,
    status,
    actions: [
      {
        id: `${channelId}-action-${number}`,
        playerId: 'p1',
        playerName: 'Ash',
        text: `knock ${number} times`,
        source: 'message',
      },
    ],
    narrative: `Narrative ${number}`,
    response: `Response ${number}`,
    options: ['Wait', 'Knock again', 'Leave'],
    usage: { narrative: { promptTokens: 100, completionTokens: 20, cachedPromptTokens: 0 } },
    messageIds: [`message-${number}`],
    startedAt: '2025-01-15T10:30:00.000Z',
    finishedAt: status === 'in_progress' ? null : '2025-01-15T10:30:09.000Z',
    ...(options.withSnapshot ? { before: snapshotFor(number) } : {}),
  };
}

/** A turn as a reader gets it back once its snapshot has been dropped. */
function withoutSnapshot(turn: StoredTurn): StoredTurn {
  const { before: _dropped, ...rest } = turn;
  return rest;
}

function numbers(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

const scene: SceneMetadata = {
  environmental_conditions: 'Fog rolls in from the sea.',
  immediate_threats: 'Something scrapes at the door.',
  story_progression: 'The party reached the lighthouse.',
  scene_elements: {
    npcs_present: ['the keeper'],
    objects_of_interest: ['a cold lamp', 'a logbook'],
    current_location: 'the lighthouse stair',
  },
};

const storedScene: StoredScene = { metadata: scene, gmEdits: null };

describe.each(backends)('campaign store on $name', (backend) => {
  let url = '';
  const opened: CampaignStore[] = [];
  const connections: StoreConnection[] = [];

  beforeAll(async () => {
    url = await backend.start();
  });

  afterAll(async () => {
    await backend.stop();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
  });

  async function openStore(logger = collectingLogger().logger): Promise<CampaignStore> {
    const store = await createCampaignStore({ url, logger });
    opened.push(store);
    return store;
  }

  async function openRawConnection(): Promise<StoreConnection> {
    const connection = await createKeyv({ url, logger: collectingLogger().logger });
    connections.push(connection);
    return connection;
  }

  it('keeps a campaign', async () => {
    const store = await openStore();
    const campaign = campaignFor(newId(), 'guild-1');
    expect(await store.getCampaign(campaign.channelId)).toBeUndefined();
    await store.saveCampaign(campaign);
    expect(await store.getCampaign(campaign.channelId)).toEqual(campaign);
    await store.saveCampaign({ ...campaign, status: 'paused', turnCount: 3, logLength: 3 });
    expect(await store.getCampaign(campaign.channelId)).toMatchObject({ status: 'paused', turnCount: 3, logLength: 3 });
  });

  it('reads a campaign stored before campaign ids, log lengths and table settings with defaults', async () => {
    const store = await openStore();
    const raw = await openRawConnection();
    const channelId = newId();
    const { campaignId: _id, logLength: _logLength, settings: _settings, ...current } = campaignFor(channelId, 'guild-1');
    // The shape an older version wrote: no campaignId or logLength, and `streaming` the only setting.
    const older = { ...current, settings: { streaming: false } };
    await raw.keyv.set(campaignKey(channelId), older);

    const read = await store.getCampaign(channelId);
    expect(read).toEqual({
      ...older,
      campaignId: expect.any(String),
      logLength: 0,
      settings: { streaming: false, messages: 'actions', length: 'normal', limits: '' },
    });
    // The id is derived, not random: every read (and so every log key built from it) agrees until it is saved.
    expect(read?.campaignId).not.toBe('');
    expect((await store.getCampaign(channelId))?.campaignId).toBe(read?.campaignId);

    // Saving what was read keeps that id, so log entries written under it stay reachable.
    if (read === undefined) throw new Error('the older campaign did not read');
    await store.saveCampaign({ ...read, turnCount: 1 });
    expect(await store.getCampaign(channelId)).toEqual({ ...read, turnCount: 1 });

    // A later campaign of the same channel (another start) must not share the first one's log.
    const restarted = { ...older, createdAt: '2025-02-01T08:00:00.000Z' };
    await raw.keyv.set(campaignKey(channelId), restarted);
    expect((await store.getCampaign(channelId))?.campaignId).not.toBe(read.campaignId);
  });

  it('reads a value that fails validation as absent, and logs it', async () => {
    const { logger, lines } = collectingLogger();
    const store = await openStore(logger);
    const raw = await openRawConnection();
    const channelId = newId();

    // An older format: fields missing, a status that no longer exists.
    await raw.keyv.set(campaignKey(channelId), { channelId, status: 'running' });
    expect(await store.getCampaign(channelId)).toBeUndefined();
    expect(lines.some((line) => line.includes('failed validation') && line.includes(campaignKey(channelId)))).toBe(true);

    await raw.keyv.set(recentTurnsKey(channelId), 'not a list');
    expect(await store.getRecentTurns(channelId)).toEqual([]);

    await raw.keyv.set(waitingKey(channelId), [{ text: 'an action with no player' }]);
    expect(await store.getWaiting(channelId)).toEqual([]);

    // Text that is not JSON at all, written under Keyv's serialisation.
    await raw.keyv.store.set(sceneKey(channelId), 'not json {');
    expect(await store.getScene(channelId)).toBeUndefined();
    expect(lines.some((line) => line.includes('not a Keyv JSON record'))).toBe(true);
  });

  it('keeps the scene with the GM’s edits, and deletes it', async () => {
    const store = await openStore();
    const channelId = newId();
    expect(await store.getScene(channelId)).toBeUndefined();
    await store.saveScene(channelId, storedScene);
    expect(await store.getScene(channelId)).toEqual(storedScene);

    const edited: StoredScene = {
      metadata: { ...scene, immediate_threats: 'The keeper is behind the door.' },
      gmEdits: { fields: { threats: 'The keeper is behind the door.' }, at: '2025-01-15T10:31:00.000Z' },
    };
    await store.saveScene(channelId, edited);
    expect(await store.getScene(channelId)).toEqual(edited);

    await store.deleteScene(channelId);
    expect(await store.getScene(channelId)).toBeUndefined();
    // Deleting what is not there is not an error (a campaign ended before its first scene).
    await store.deleteScene(channelId);
  });

  it('reads a scene stored as bare metadata as a scene without GM edits', async () => {
    const store = await openStore();
    const raw = await openRawConnection();
    const channelId = newId();
    // What an older version wrote under the scene key: the metadata itself.
    await raw.keyv.set(sceneKey(channelId), scene);
    expect(await store.getScene(channelId)).toEqual({ metadata: scene, gmEdits: null });
  });

  it('keeps the recent turns bounded, in order, replacing a turn saved again', async () => {
    const store = await openStore();
    const channelId = newId();
    const total = RECENT_TURNS_KEPT + 5;
    for (let number = 1; number <= total; number++) await store.saveTurns(channelId, [turnFor(channelId, number)]);

    const kept = await store.getRecentTurns(channelId);
    expect(kept).toHaveLength(RECENT_TURNS_KEPT);
    expect(kept.map((turn) => turn.number)).toEqual(numbers(total - RECENT_TURNS_KEPT + 1, total));

    const replaced = { ...turnFor(channelId, 10), narrative: 'Rerolled narrative', status: 'discarded' as const };
    await store.saveTurns(channelId, [replaced]);
    const afterReplace = await store.getRecentTurns(channelId);
    expect(afterReplace).toHaveLength(RECENT_TURNS_KEPT);
    expect(afterReplace.map((turn) => turn.number)).toEqual(kept.map((turn) => turn.number));
    expect(afterReplace.find((turn) => turn.number === 10)).toEqual(replaced);
    expect(await store.getRecentTurns(newId())).toEqual([]);
  });

  it('upserts several turns in one call: replaced in place, new ones appended in the order given', async () => {
    const store = await openStore();
    const channelId = newId();
    const other = newId();
    await store.saveTurns(channelId, [turnFor(channelId, 1), turnFor(channelId, 2), turnFor(channelId, 3, 'in_progress')]);
    await store.saveTurns(other, [turnFor(other, 1)]);
    expect((await store.getRecentTurns(channelId)).map((turn) => turn.number)).toEqual([1, 2, 3]);

    // A reroll's write: the old turn discarded, the interrupted one closed, and the new turn, all at once.
    const discarded: StoredTurn = { ...turnFor(channelId, 2), status: 'discarded' };
    const interrupted: StoredTurn = { ...turnFor(channelId, 3), status: 'interrupted', finishedAt: null };
    const fresh = turnFor(channelId, 4, 'in_progress');
    const newer = turnFor(channelId, 5, 'in_progress');
    await store.saveTurns(channelId, [interrupted, fresh, discarded, newer]);

    expect(await store.getRecentTurns(channelId)).toEqual([turnFor(channelId, 1), discarded, interrupted, fresh, newer]);
    expect(await store.getRecentTurns(other)).toEqual([turnFor(other, 1)]);

    // An empty write changes nothing.
    await store.saveTurns(channelId, []);
    expect(await store.getRecentTurns(channelId)).toHaveLength(5);
  });

  it('bounds a many-turn write and keeps snapshots only on the newest turns', async () => {
    const store = await openStore();
    const channelId = newId();
    const total = RECENT_TURNS_KEPT + 5;
    const turns = numbers(1, total).map((number) => turnFor(channelId, number, 'complete', { withSnapshot: true }));
    await store.saveTurns(channelId, turns);

    const kept = await store.getRecentTurns(channelId);
    expect(kept.map((turn) => turn.number)).toEqual(numbers(total - RECENT_TURNS_KEPT + 1, total));
    const firstWithSnapshot = total - SNAPSHOTS_KEPT + 1;
    // The newest turns come back whole; the older ones come back as they were, minus the state undo would restore.
    expect(kept).toEqual(
      turns.slice(total - RECENT_TURNS_KEPT).map((turn) => (turn.number >= firstWithSnapshot ? turn : withoutSnapshot(turn))),
    );
    for (const turn of kept) expect('before' in turn).toBe(turn.number >= firstWithSnapshot);

    // One more turn moves the window: the turn that was the oldest with a snapshot loses it.
    await store.saveTurns(channelId, [turnFor(channelId, total + 1, 'in_progress', { withSnapshot: true })]);
    const moved = await store.getRecentTurns(channelId);
    expect(moved.filter((turn) => turn.before !== undefined).map((turn) => turn.number)).toEqual(
      numbers(firstWithSnapshot + 1, total + 1),
    );
    expect(moved.find((turn) => turn.number === total)?.before).toEqual(snapshotFor(total));
  });

  it('serialises concurrent saves of one channel', async () => {
    const store = await openStore();
    const channelId = newId();
    const total = RECENT_TURNS_KEPT + 10;
    await Promise.all(numbers(1, total).map((number) => store.saveTurns(channelId, [turnFor(channelId, number)])));
    const kept = await store.getRecentTurns(channelId);
    expect(kept.map((turn) => turn.number)).toEqual(numbers(total - RECENT_TURNS_KEPT + 1, total));
  });

  it('deletes a channel’s turns and scene, leaving other channels and old buttons as they were', async () => {
    const store = await openStore();
    const channelId = newId();
    const other = newId();
    await store.saveScene(channelId, storedScene);
    await store.saveTurns(channelId, [turnFor(channelId, 1), turnFor(channelId, 2, 'in_progress')]);
    await store.saveTurns(other, [turnFor(other, 1, 'in_progress')]);
    await store.saveScene(other, storedScene);
    const optionSet: OptionSet = {
      turnId: `${channelId}-turn-1`,
      channelId,
      messageId: 'm',
      options: ['a', 'b', 'c'],
      chosen: null,
      live: false,
    };
    await store.saveOptionSet(optionSet);

    await store.deleteTurns(channelId);
    await store.deleteScene(channelId);
    expect(await store.getRecentTurns(channelId)).toEqual([]);
    expect(await store.getScene(channelId)).toBeUndefined();
    // A click on an old button still finds its options, so it can be answered politely.
    expect(await store.getOptionSet(optionSet.turnId)).toEqual(optionSet);
    expect(await store.getRecentTurns(other)).toEqual([turnFor(other, 1, 'in_progress')]);
    expect(await store.getScene(other)).toEqual(storedScene);

    // The channel starts its next campaign from an empty list.
    await store.saveTurns(channelId, [turnFor(channelId, 1)]);
    expect(await store.getRecentTurns(channelId)).toEqual([turnFor(channelId, 1)]);
  });

  it('keeps the waiting actions in order, and deletes the key once none wait', async () => {
    const store = await openStore();
    const raw = await openRawConnection();
    const channelId = newId();
    expect(await store.getWaiting(channelId)).toEqual([]);

    const first = actionFor('I light the lamp');
    const second: PlayerAction = { ...actionFor('Option 2', 'p2'), source: 'option', choice: { turnId: 'turn-1', index: 1 } };
    await store.saveWaiting(channelId, [first, second]);
    expect(await store.getWaiting(channelId)).toEqual([first, second]);

    await store.saveWaiting(channelId, [second]);
    expect(await store.getWaiting(channelId)).toEqual([second]);

    // An empty list leaves no key behind: a table with nothing waiting costs nothing in the store.
    await store.saveWaiting(channelId, []);
    expect(await store.getWaiting(channelId)).toEqual([]);
    expect(await raw.keyv.get(waitingKey(channelId))).toBeUndefined();
    // Nothing waiting and nothing to delete is not an error either.
    await store.saveWaiting(channelId, []);
  });

  it('keeps a campaign’s lorebook in order, reads an entry without a date with a default, and deletes the key once empty', async () => {
    const store = await openStore();
    const raw = await openRawConnection();
    const campaignId = newId();
    expect(await store.getLore(campaignId)).toEqual([]);
    const entries = [
      { keys: ['Osric', 'harbourmaster'], text: 'Osric takes bribes in silver.', addedAt: '2026-01-01T00:00:00.000Z' },
      { keys: ['kraken'], text: 'A kraken sleeps below.', addedAt: '2026-01-02T00:00:00.000Z' },
    ];
    await store.saveLore(campaignId, entries);
    expect(await store.getLore(campaignId)).toEqual(entries);
    await raw.keyv.set(loreKey(campaignId), [{ keys: ['Eel'], text: 'The Eel runs the docks.' }]);
    expect(await store.getLore(campaignId)).toEqual([{ keys: ['Eel'], text: 'The Eel runs the docks.', addedAt: '' }]);
    await store.saveLore(campaignId, []);
    expect(await raw.keyv.get(loreKey(campaignId))).toBeUndefined();
  });

  it('gives an action stored without an id a stable id derived from its content', async () => {
    const store = await openStore();
    const raw = await openRawConnection();
    const channelId = newId();
    const { id: _firstId, ...firstWithoutId } = actionFor('I climb the stair');
    const { id: _secondId, ...secondWithoutId } = actionFor('I read the logbook', 'p2');
    // What an older version wrote: actions without ids, in the waiting list and in a turn still in progress.
    await raw.keyv.set(waitingKey(channelId), [firstWithoutId, secondWithoutId]);
    const { campaignId: _campaignId, kind: _kind, ...olderTurn } = turnFor(channelId, 1, 'in_progress');
    await raw.keyv.set(recentTurnsKey(channelId), [{ ...olderTurn, actions: [firstWithoutId] }]);

    const waiting = await store.getWaiting(channelId);
    expect(waiting).toEqual([
      { ...firstWithoutId, id: expect.any(String) },
      { ...secondWithoutId, id: expect.any(String) },
    ]);
    const [first, second] = waiting;
    expect(first?.id).not.toBe('');
    expect(first?.id).not.toBe(second?.id);
    // Stable: every read, by any store, gives the same id.
    const otherStore = await openStore();
    expect(await otherStore.getWaiting(channelId)).toEqual(waiting);

    // The same action in a turn gets the same id, so recovery can tell it was already taken into that turn.
    const [turn] = await store.getRecentTurns(channelId);
    expect(turn).toMatchObject({ kind: 'turn', status: 'in_progress' });
    expect(turn?.actions.map((action) => action.id)).toEqual([first?.id]);

    // Saving what was read keeps the ids.
    await store.saveWaiting(channelId, waiting);
    expect(await store.getWaiting(channelId)).toEqual(waiting);
  });

  it('keeps a campaign’s log entry by entry and reads it back in order, in slices', async () => {
    const store = await openStore();
    const campaignId = `campaign-${newId()}`;
    const channelId = newId();
    const length = 130;
    const missing = new Set([57, 100]);
    const entries = numbers(0, length - 1).map((index) => ({
      ...turnFor(channelId, index + 1, 'complete', { withSnapshot: true }),
      campaignId,
      logIndex: index,
    }));
    // Written out of order (newest first, and concurrently): a reader gets them by position, not by write time.
    const written = [...entries].reverse().filter((entry) => !missing.has(entry.logIndex));
    await Promise.all(written.map((entry) => store.saveLogEntry(campaignId, entry.logIndex, entry)));
    // Another campaign of the same channel writes the same positions without touching this log.
    const otherCampaign = `campaign-${newId()}`;
    await store.saveLogEntry(otherCampaign, 0, { ...turnFor(channelId, 1), narrative: 'Another campaign' });

    const log = await store.getLog(campaignId, length);
    // A missing entry is skipped (the export shows what there is); the log does not keep undo snapshots.
    expect(log.map((entry) => entry.logIndex)).toEqual(numbers(0, length - 1).filter((index) => !missing.has(index)));
    expect(log).toEqual(entries.filter((entry) => !missing.has(entry.logIndex)).map(withoutSnapshot));

    expect((await store.getLog(campaignId, 3)).map((entry) => entry.logIndex)).toEqual([0, 1, 2]);
    expect(await store.getLog(campaignId, 0)).toEqual([]);
    expect((await store.getLog(otherCampaign, 5)).map((entry) => entry.narrative)).toEqual(['Another campaign']);

    // Rewriting an entry (an edit before export) replaces it in place.
    await store.saveLogEntry(campaignId, 1, { ...entries[1]!, narrative: 'Edited' });
    expect((await store.getLog(campaignId, 3)).map((entry) => entry.narrative)).toEqual(['Narrative 1', 'Edited', 'Narrative 3']);
  });

  it('indexes the tables with a campaign, once each', async () => {
    const store = await openStore();
    const first = { channelId: newId(), guildId: 'guild-1' };
    const second = { channelId: newId(), guildId: 'guild-2' };
    // The guilds' indexes are shared by every test on the backend: look only at this test's tables.
    const ours = async () =>
      (await store.listTables(['guild-1', 'guild-2'])).filter((table) => table.channelId === first.channelId || table.channelId === second.channelId);
    expect(await ours()).toEqual([]);

    await store.addTable(first);
    await store.addTable(second);
    await store.addTable(first);
    const listed = await ours();
    expect(listed).toHaveLength(2);
    expect(listed).toEqual(expect.arrayContaining([first, second]));

    // A process lists only the guilds its shards own.
    expect((await store.listTables(['guild-2'])).filter((table) => table.channelId === first.channelId)).toEqual([]);

    await store.removeTable(first);
    expect(await ours()).toEqual([second]);
    // Removing a table that is not listed (a campaign already ended) is not an error.
    await store.removeTable(first);
    expect(await ours()).toEqual([second]);
  });

  it("lists an entry of the shared index older versions kept, for its own guild's process only, and never rewrites it", async () => {
    const store = await openStore();
    const raw = await openRawConnection();
    const own = { channelId: newId(), guildId: `guild-${newId()}` };
    const other = { channelId: newId(), guildId: `guild-${newId()}` };
    // Written as a version before shards wrote it: one key for every table.
    await raw.keyv.set('dm:v1:tables', [own, other]);
    expect(await store.listTables([own.guildId])).toEqual([own]);
    expect(await store.listTables([other.guildId])).toEqual([other]);
    await store.addTable(own);
    expect(await store.listTables([own.guildId])).toEqual([own]);
    await store.removeTable(own);
    expect(await raw.keyv.get('dm:v1:tables')).toEqual([own, other]);
    await raw.keyv.delete('dm:v1:tables');
  });

  it('keeps what start-up recovery reads across a restart', async () => {
    const channelId = newId();
    const table = { channelId, guildId: 'guild-1' };
    const crashed = turnFor(channelId, 2, 'in_progress', { withSnapshot: true });
    const waiting = [actionFor('I shout up the stair')];

    const store = await openStore();
    await store.addTable(table);
    await store.saveTurns(channelId, [turnFor(channelId, 1), crashed]);
    await store.saveWaiting(channelId, waiting);
    await store.close();
    opened.splice(opened.indexOf(store), 1);

    const restarted = await openStore();
    expect(await restarted.listTables(['guild-1'])).toContainEqual(table);
    expect(await restarted.getRecentTurns(channelId)).toEqual([turnFor(channelId, 1), crashed]);
    expect(await restarted.getWaiting(channelId)).toEqual(waiting);
  });

  it('keeps the options behind a turn’s buttons', async () => {
    const store = await openStore();
    const optionSet: OptionSet = {
      turnId: newId(),
      channelId: newId(),
      messageId: 'message-1',
      options: ['Approach the hooded figure', 'Order a drink and observe', 'Search for exits'],
      chosen: null,
      live: true,
    };
    expect(await store.getOptionSet(optionSet.turnId)).toBeUndefined();
    await store.saveOptionSet(optionSet);
    expect(await store.getOptionSet(optionSet.turnId)).toEqual(optionSet);
    await store.saveOptionSet({ ...optionSet, chosen: 2, live: false });
    expect(await store.getOptionSet(optionSet.turnId)).toMatchObject({ chosen: 2, live: false });
  });

  it('adds up usage per guild and per channel', async () => {
    const store = await openStore();
    const guildId = newId();
    const firstChannel = newId();
    const secondChannel = newId();
    const usage = { promptTokens: 1200, completionTokens: 300, cachedPromptTokens: 1024 };

    expect(await store.getUsage({ kind: 'guild', id: guildId })).toEqual({
      promptTokens: 0,
      completionTokens: 0,
      cachedPromptTokens: 0,
      turns: 0,
    });
    await Promise.all([
      store.addUsage({ guildId, channelId: firstChannel }, usage),
      store.addUsage({ guildId, channelId: firstChannel }, usage),
      store.addUsage({ guildId, channelId: secondChannel }, { promptTokens: 10, completionTokens: 5, cachedPromptTokens: 0 }),
    ]);

    expect(await store.getUsage({ kind: 'guild', id: guildId })).toEqual({
      promptTokens: 2410,
      completionTokens: 605,
      cachedPromptTokens: 2048,
      turns: 3,
    });
    expect(await store.getUsage({ kind: 'channel', id: firstChannel })).toEqual({
      promptTokens: 2400,
      completionTokens: 600,
      cachedPromptTokens: 2048,
      turns: 2,
    });
    expect(await store.getUsage({ kind: 'channel', id: secondChannel })).toMatchObject({ promptTokens: 10, turns: 1 });
  });

  it('lets two stores on the same backend see each other’s writes', async () => {
    const first = await openStore();
    const second = await openStore();
    const campaign = campaignFor(newId(), 'guild-2');
    await first.saveCampaign(campaign);
    expect(await second.getCampaign(campaign.channelId)).toEqual(campaign);
    await second.saveScene(campaign.channelId, storedScene);
    expect(await first.getScene(campaign.channelId)).toEqual(storedScene);
  });

  it('closes so that the process can exit', async () => {
    const moduleUrl = pathToFileURL(resolve('src/campaign/keyv-campaign-store.ts')).href;
    const loggerUrl = pathToFileURL(resolve('src/logger.ts')).href;
    const script = `
      import { createCampaignStore } from ${JSON.stringify(moduleUrl)};
      import { createLogger } from ${JSON.stringify(loggerUrl)};
      const store = await createCampaignStore({ url: process.argv[1], logger: createLogger('warn') });
      await store.saveScene('exit-check', ${JSON.stringify(storedScene)});
      await store.getScene('exit-check');
      await store.close();
      console.log('closed');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const exitCode = await new Promise<number | null | 'hung'>((resolveExit) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolveExit('hung');
      }, 10_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolveExit(code);
      });
    });
    expect({ exitCode, output: output.trim() }).toEqual({ exitCode: 0, output: 'closed' });
  });
});

describe('sqlite store location', () => {
  it('creates the missing folders of a path relative to the working directory', async () => {
    const folder = join(temporaryFolder, 'missing', 'nested');
    const relativePath = relative(process.cwd(), join(folder, 'dm.sqlite'));
    expect(existsSync(folder)).toBe(false);

    const store = await createCampaignStore({ url: `sqlite://${relativePath}`, logger: collectingLogger().logger });
    try {
      await store.saveScene('channel-1', storedScene);
      expect(await store.getScene('channel-1')).toEqual(storedScene);
    } finally {
      await store.close();
    }
    expect(existsSync(join(folder, 'dm.sqlite'))).toBe(true);
  });

  it('reads a database written by @keyv/sqlite (same table, Keyv JSON values), expiry included, in write-ahead-log mode', async () => {
    const path = join(temporaryFolder, 'written-before.sqlite');
    const before = new DatabaseSync(path);
    // The statement @keyv/sqlite runs when it opens a database.
    before.exec('CREATE TABLE IF NOT EXISTS keyv(key VARCHAR(255) PRIMARY KEY, value TEXT )');
    const insert = before.prepare('INSERT INTO keyv (key, value) VALUES (?, ?)');
    insert.run(sceneKey('channel-kept'), JSON.stringify({ value: storedScene }));
    insert.run(sceneKey('channel-expired'), JSON.stringify({ value: storedScene, expires: Date.now() - 1000 }));
    before.close();

    const store = await createCampaignStore({ url: `sqlite://${path}`, logger: collectingLogger().logger });
    try {
      expect(await store.getScene('channel-kept')).toEqual(storedScene);
      expect(await store.getScene('channel-expired')).toBeUndefined();
      await store.saveScene('channel-new', storedScene);
    } finally {
      await store.close();
    }
    const after = new DatabaseSync(path);
    try {
      const keys = after.prepare('SELECT key FROM keyv ORDER BY key').all().map((row) => row['key']);
      // Keyv deleted the expired value when it was read.
      expect(keys).toEqual([sceneKey('channel-kept'), sceneKey('channel-new')].sort());
      expect(after.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    } finally {
      after.close();
    }
  });

  it('refuses a file it cannot open, naming the store', async () => {
    // A folder where the database file should be.
    const url = `sqlite://${temporaryFolder}`;
    await expect(createCampaignStore({ url, logger: collectingLogger().logger })).rejects.toThrow(
      `cannot open the store at ${url}: unable to open database file`,
    );
  });
});
