import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKeyv } from '../../src/campaign/create-keyv.ts';
import type { StoreConnection } from '../../src/campaign/create-keyv.ts';
import { createCampaignStore } from '../../src/campaign/keyv-campaign-store.ts';
import { campaignKey, RECENT_TURNS_KEPT, recentTurnsKey, sceneKey } from '../../src/campaign/store-keys.ts';
import type { Campaign, CampaignStore, OptionSet, StoredTurn } from '../../src/campaign/types.ts';
import type { SceneMetadata } from '../../src/dm/types.ts';
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
  const logger = createLogger('warn', { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

function newId(): string {
  return randomUUID();
}

function campaignFor(channelId: string, guildId: string): Campaign {
  return {
    channelId,
    guildId,
    status: 'active',
    premise: 'A lighthouse keeper has not lit the lamp for three nights.',
    tone: 'eerie',
    summarisedThroughTurn: 0,
    summary: '',
    party: [{ playerId: 'p1', name: 'Ash', character: 'a retired smuggler' }, { playerId: 'p2', name: 'Bree' }],
    settings: { streaming: null },
    startedBy: 'p1',
    createdAt: '2025-01-15T10:30:00.000Z',
    updatedAt: '2025-01-15T10:30:00.000Z',
    turnCount: 0,
  };
}

function turnFor(channelId: string, number: number, status: StoredTurn['status'] = 'complete'): StoredTurn {
  return {
    turnId: `${channelId}-turn-${number}`,
    channelId,
    guildId: 'guild-1',
    number,
    status,
    actions: [{ playerId: 'p1', playerName: 'Ash', text: `knock ${number} times`, source: 'message' }],
    narrative: `Narrative ${number}`,
    response: `Response ${number}`,
    options: ['Wait', 'Knock again', 'Leave'],
    usage: { narrative: { promptTokens: 100, completionTokens: 20, cachedPromptTokens: 0 } },
    messageIds: [`message-${number}`],
    startedAt: '2025-01-15T10:30:00.000Z',
    finishedAt: status === 'in_progress' ? null : '2025-01-15T10:30:09.000Z',
  };
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
    await store.saveCampaign({ ...campaign, status: 'paused', turnCount: 3 });
    expect(await store.getCampaign(campaign.channelId)).toMatchObject({ status: 'paused', turnCount: 3 });
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

    // Text that is not JSON at all, written under Keyv's serialisation.
    await raw.keyv.store.set(sceneKey(channelId), 'not json {');
    expect(await store.getScene(channelId)).toBeUndefined();
    expect(lines.some((line) => line.includes('not a Keyv JSON record'))).toBe(true);
  });

  it('keeps the scene metadata', async () => {
    const store = await openStore();
    const channelId = newId();
    expect(await store.getScene(channelId)).toBeUndefined();
    await store.saveScene(channelId, scene);
    expect(await store.getScene(channelId)).toEqual(scene);
  });

  it('keeps the recent turns bounded, in order, replacing a turn saved again', async () => {
    const store = await openStore();
    const channelId = newId();
    const total = RECENT_TURNS_KEPT + 5;
    for (let number = 1; number <= total; number++) await store.saveTurn(turnFor(channelId, number));

    const kept = await store.getRecentTurns(channelId);
    expect(kept).toHaveLength(RECENT_TURNS_KEPT);
    expect(kept.map((turn) => turn.number)).toEqual(
      Array.from({ length: RECENT_TURNS_KEPT }, (_, index) => total - RECENT_TURNS_KEPT + 1 + index),
    );

    const replaced = { ...turnFor(channelId, 10), narrative: 'Rerolled narrative' };
    await store.saveTurn(replaced);
    const afterReplace = await store.getRecentTurns(channelId);
    expect(afterReplace).toHaveLength(RECENT_TURNS_KEPT);
    expect(afterReplace.map((turn) => turn.number)).toEqual(kept.map((turn) => turn.number));
    expect(afterReplace.find((turn) => turn.number === 10)).toEqual(replaced);
    expect(await store.getRecentTurns(newId())).toEqual([]);
  });

  it('serialises concurrent saves of one channel', async () => {
    const store = await openStore();
    const channelId = newId();
    const total = RECENT_TURNS_KEPT + 10;
    await Promise.all(Array.from({ length: total }, (_, index) => store.saveTurn(turnFor(channelId, index + 1))));
    const kept = await store.getRecentTurns(channelId);
    expect(kept.map((turn) => turn.number)).toEqual(
      Array.from({ length: RECENT_TURNS_KEPT }, (_, index) => total - RECENT_TURNS_KEPT + 1 + index),
    );
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

  it('starts a channel over for a new campaign: no scene, no turns, old buttons closed', async () => {
    const store = await openStore();
    const channelId = newId();
    const other = newId();
    await store.saveScene(channelId, { environmental_conditions: 'Fog', immediate_threats: 'None', story_progression: 'Start', scene_elements: { npcs_present: [], objects_of_interest: [], current_location: 'Dock' } });
    await store.saveTurn(turnFor(channelId, 1));
    await store.saveTurn(turnFor(channelId, 2, 'in_progress'));
    await store.saveTurn(turnFor(other, 1, 'in_progress'));
    await store.saveOptionSet({ turnId: `${channelId}-turn-1`, channelId, messageId: 'm', options: ['a', 'b', 'c'], chosen: null, live: true });

    await store.startOver(channelId);
    expect(await store.getScene(channelId)).toBeUndefined();
    expect(await store.getRecentTurns(channelId)).toEqual([]);
    expect(await store.getOptionSet(`${channelId}-turn-1`)).toMatchObject({ live: false });
    const inProgress = (await store.listTurnsInProgress()).map((turn) => turn.channelId);
    expect(inProgress).not.toContain(channelId);
    expect(inProgress).toContain(other);
  });

  it('indexes turns in progress, across a restart', async () => {
    const channelId = newId();
    const inChannel = (turns: StoredTurn[]) => turns.filter((turn) => turn.channelId === channelId);

    const store = await openStore();
    await store.saveTurn(turnFor(channelId, 1, 'in_progress'));
    expect(inChannel(await store.listTurnsInProgress()).map((turn) => turn.turnId)).toEqual([`${channelId}-turn-1`]);

    await store.saveTurn({ ...turnFor(channelId, 1), narrative: 'Finished' });
    expect(inChannel(await store.listTurnsInProgress())).toEqual([]);

    const crashed = turnFor(channelId, 2, 'in_progress');
    await store.saveTurn(crashed);
    await store.close();
    opened.splice(opened.indexOf(store), 1);

    const restarted = await openStore();
    expect(inChannel(await restarted.listTurnsInProgress())).toEqual([crashed]);
    await restarted.saveTurn({ ...crashed, status: 'interrupted' });
    expect(inChannel(await restarted.listTurnsInProgress())).toEqual([]);
  });

  it('forgets a turn in progress once it falls off the recent turns', async () => {
    const store = await openStore();
    const channelId = newId();
    await store.saveTurn(turnFor(channelId, 1, 'in_progress'));
    for (let number = 2; number <= RECENT_TURNS_KEPT + 1; number++) await store.saveTurn(turnFor(channelId, number));
    const listed = await store.listTurnsInProgress();
    expect(listed.filter((turn) => turn.channelId === channelId)).toEqual([]);
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
    await second.saveScene(campaign.channelId, scene);
    expect(await first.getScene(campaign.channelId)).toEqual(scene);
  });

  it('closes so that the process can exit', async () => {
    const moduleUrl = pathToFileURL(resolve('src/campaign/keyv-campaign-store.ts')).href;
    const loggerUrl = pathToFileURL(resolve('src/logger.ts')).href;
    const script = `
      import { createCampaignStore } from ${JSON.stringify(moduleUrl)};
      import { createLogger } from ${JSON.stringify(loggerUrl)};
      const store = await createCampaignStore({ url: process.argv[1], logger: createLogger('warn') });
      await store.saveScene('exit-check', ${JSON.stringify(scene)});
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
      await store.saveScene('channel-1', scene);
      expect(await store.getScene('channel-1')).toEqual(scene);
    } finally {
      await store.close();
    }
    expect(existsSync(join(folder, 'dm.sqlite'))).toBe(true);
  });
});
