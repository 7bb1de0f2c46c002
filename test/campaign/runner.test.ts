import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCampaignStore } from '../../src/campaign/keyv-campaign-store.ts';
import type { PresenterFactory, TurnPresenter } from '../../src/campaign/presenter.ts';
import { createCampaignRunner, type CampaignRunner } from '../../src/campaign/runner.ts';
import type { Campaign, CampaignStore, OptionSet } from '../../src/campaign/types.ts';
import type { TurnEvent } from '../../src/dm/events.ts';
import { createOrchestrator } from '../../src/dm/orchestrator.ts';
import { foldIntoSummary } from '../../src/dm/summarise.ts';
import type { PlayerAction } from '../../src/dm/types.ts';
import { createLlmClient } from '../../src/llm/create-llm-client.ts';
import { dmResponder, phaseOf, SAMPLE_METADATA } from '../support/dm-script.ts';
import { reply, startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.ts';

// The runner with everything real except Discord: a SQLite store, the orchestrator on the openai SDK against the
// fake server, and a presenter that records what it was asked to show (the Discord renderer has its own tests).

const logger = pino({ level: 'silent' });
const CHANNEL = '1200000000000000001';

type ShownTurn = { turnId: string; events: TurnEvent[]; interrupted: string | null; finished: boolean };

function recordingPresenters() {
  const turns: ShownTurn[] = [];
  const retired: OptionSet[] = [];
  const notices: string[] = [];
  const marked: string[][] = [];
  let messageCounter = 0;
  const factory: PresenterFactory = {
    create({ turnId, onMessageCreated }): TurnPresenter {
      const shown: ShownTurn = { turnId, events: [], interrupted: null, finished: false };
      turns.push(shown);
      const messageId = `m${++messageCounter}`;
      let created = false;
      return {
        start: () => undefined,
        sink: (event) => {
          shown.events.push(event);
          if (!created) {
            created = true;
            onMessageCreated(messageId);
          }
        },
        finish: async () => {
          shown.finished = true;
          return { messageIds: [messageId] };
        },
        interrupt: async (reason) => {
          shown.interrupted = reason;
          return { messageIds: created ? [messageId] : [] };
        },
      };
    },
    retireOptions: (optionSet) => void retired.push(optionSet),
    markInterrupted: async ({ messageIds }) => void marked.push(messageIds),
    notice: async (_channelId, text) => void notices.push(text),
  };
  return { factory, turns, retired, notices, marked };
}

let fake: FakeOpenAi;
let directory: string;
let store: CampaignStore;
let runners: CampaignRunner[] = [];

beforeEach(async () => {
  fake = await startFakeOpenAi();
  fake.respondWith(dmResponder());
  directory = await mkdtemp(join(tmpdir(), 'runner-'));
  store = await createCampaignStore({ url: `sqlite://${join(directory, 'dm.sqlite')}`, logger });
  await store.saveCampaign(campaign());
});

afterEach(async () => {
  for (const runner of runners) await runner.shutdown(10);
  runners = [];
  await store.close();
  await fake.close();
  await rm(directory, { recursive: true, force: true });
});

function campaign(overrides: Partial<Campaign> = {}): Campaign {
  const now = new Date().toISOString();
  return {
    channelId: CHANNEL,
    guildId: '1300000000000000001',
    status: 'active',
    premise: 'Pirates of the glass sea',
    tone: 'swashbuckling',
    summary: '',
    summarisedThroughTurn: 0,
    party: [],
    settings: { streaming: null },
    startedBy: 'gm',
    createdAt: now,
    updatedAt: now,
    turnCount: 0,
    ...overrides,
  };
}

function startRunner(presenters: PresenterFactory): CampaignRunner {
  const llm = createLlmClient({ apiKey: 'k', baseUrl: fake.url, firstTokenTimeoutMs: 2000, chunkTimeoutMs: 1000, totalTimeoutMs: 5000, maxRetries: 0 });
  const orchestrator = createOrchestrator({ llm, models: { narrative: 'm', response: 'm', options: 'm', metadata: 'm' }, logger });
  const runner = createCampaignRunner({
    store,
    orchestrator,
    presenters,
    logger,
    streaming: true,
    summarise: (input) => foldIntoSummary({ llm, model: 'm', ...input }),
  });
  runners.push(runner);
  return runner;
}

function action(name: string, text: string, extra: Partial<PlayerAction> = {}): PlayerAction {
  return { playerId: `id-${name}`, playerName: name, text, source: 'message', ...extra };
}

function actionsInPrompt(requestIndex: number): string {
  return fake.requests[requestIndex]?.messages[1]?.content ?? '';
}

describe('campaign runner', () => {
  it('answers actions that arrive during a turn together in the next turn, each by name', async () => {
    fake.respondWith(dmResponder({ narrative: reply.text('Waves slap the hull.', { firstTokenMs: 150, chunkDelayMs: 5 }) }));
    const { factory, turns } = recordingPresenters();
    const runner = startRunner(factory);
    expect(await runner.submit({ channelId: CHANNEL, action: action('Alice', 'I climb the mast') })).toEqual({ status: 'started' });
    expect(await runner.submit({ channelId: CHANNEL, action: action('Bob', 'I raise the flag') })).toEqual({ status: 'queued', position: 1 });
    expect(await runner.submit({ channelId: CHANNEL, action: action('Carol', 'I load the cannon') })).toEqual({ status: 'queued', position: 2 });
    await runner.idle(CHANNEL);

    expect(turns).toHaveLength(2);
    const narrativeRequests = fake.requests.filter((request) => phaseOf(request) === 'narrative');
    expect(narrativeRequests).toHaveLength(2);
    const secondPrompt = narrativeRequests[1]?.messages[1]?.content ?? '';
    expect(secondPrompt).toContain("## This turn's actions\n- Bob: I raise the flag\n- Carol: I load the cannon");
    expect(secondPrompt).toContain('- Alice: I climb the mast');
    const stored = await store.getCampaign(CHANNEL);
    expect(stored?.party.map((member) => member.name)).toEqual(['Alice', 'Bob', 'Carol']);
    expect(stored?.turnCount).toBe(2);
    expect(await store.getScene(CHANNEL)).toEqual(SAMPLE_METADATA);
    const usage = await store.getUsage({ kind: 'channel', id: CHANNEL });
    expect(usage.turns).toBe(2);
    expect(usage.promptTokens).toBeGreaterThan(0);
  });

  it('refuses politely past the batch bounds and for a campaign that is not active', async () => {
    fake.respondWith(dmResponder({ narrative: reply.text('Slow seas.', { firstTokenMs: 300 }) }));
    const runner = startRunner(recordingPresenters().factory);
    await runner.submit({ channelId: CHANNEL, action: action('Alice', 'first') });
    const outcomes = [];
    for (let index = 0; index < 11; index += 1) outcomes.push((await runner.submit({ channelId: CHANNEL, action: action(`P${index}`, 'x') })).status);
    expect(outcomes.filter((status) => status === 'queued')).toHaveLength(10);
    expect(outcomes.at(-1)).toBe('full');
    expect((await runner.submit({ channelId: CHANNEL, action: action('Zed', 'y'.repeat(2001)) })).status).toBe('too_long');
    expect((await runner.submit({ channelId: '1200000000000000999', action: action('Alice', 'hello') })).status).toBe('not_active');
    await runner.idle(CHANNEL);
  });

  it('keeps the actions of a turn the model could not answer, and answers them with the next one', async () => {
    fake.respondWith(() => reply.unauthorized());
    const { factory, turns } = recordingPresenters();
    const runner = startRunner(factory);
    await runner.submit({ channelId: CHANNEL, action: action('Alice', 'I steer into the storm') });
    await runner.idle(CHANNEL);
    expect(turns[0]?.interrupted).toContain('API key');
    expect(turns[0]?.interrupted).toContain('kept');

    fake.respondWith(dmResponder());
    await runner.submit({ channelId: CHANNEL, action: action('Bob', 'I grab the rail') });
    await runner.idle(CHANNEL);
    const last = fake.requests.filter((request) => phaseOf(request) === 'narrative').at(-1);
    expect(last?.messages[1]?.content).toContain("## This turn's actions\n- Alice: I steer into the storm\n- Bob: I grab the rail");
  });

  it('marks the chosen option of the previous turn when its button starts the next one', async () => {
    const { factory, retired } = recordingPresenters();
    const runner = startRunner(factory);
    await runner.submit({ channelId: CHANNEL, action: action('Alice', 'Look around') });
    await runner.idle(CHANNEL);
    const [first] = await store.getRecentTurns(CHANNEL);
    expect((await store.getOptionSet(first?.turnId ?? ''))?.live).toBe(true);
    await runner.submit({ channelId: CHANNEL, action: action('Bob', 'Order a drink and observe', { source: 'option', choice: { turnId: first?.turnId ?? '', index: 1 } }) });
    await runner.idle(CHANNEL);
    // The click's own acknowledgement disables the buttons in Discord; the runner only records the choice.
    expect(retired).toHaveLength(0);
    // Closed once the next turn delivered its own options: a click on it now is a click on an old turn.
    expect(await store.getOptionSet(first?.turnId ?? '')).toMatchObject({ live: false, chosen: 1 });

    // A typed action starts the next turn: the runner asks for the previous buttons to be disabled, nothing chosen.
    const [, second] = await store.getRecentTurns(CHANNEL);
    await runner.submit({ channelId: CHANNEL, action: action('Carol', 'I whistle a sea shanty') });
    await runner.idle(CHANNEL);
    expect(retired).toHaveLength(1);
    expect(retired[0]).toMatchObject({ turnId: second?.turnId, chosen: null });
  });

  it('on shutdown interrupts a running turn visibly, keeps waiting actions, and replays both at the next start', async () => {
    fake.respondWith(dmResponder({ narrative: reply.text('A very long and slow description of the sea.', { chunkDelayMs: 200 }) }));
    const first = recordingPresenters();
    const runner = startRunner(first.factory);
    await runner.submit({ channelId: CHANNEL, action: action('Alice', 'I dive in') });
    await runner.submit({ channelId: CHANNEL, action: action('Bob', 'I throw a rope') });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await runner.shutdown(50);
    expect(first.turns[0]?.interrupted).toContain('restarting');
    expect((await runner.submit({ channelId: CHANNEL, action: action('Carol', 'late') })).status).toBe('shutting_down');

    fake.clear();
    fake.respondWith(dmResponder());
    const second = recordingPresenters();
    const restarted = startRunner(second.factory);
    await restarted.recover();
    await restarted.idle(CHANNEL);
    expect(second.marked).toEqual([['m1']]);
    const prompts = fake.requests.filter((request) => phaseOf(request) === 'narrative').map((request) => request.messages[1]?.content ?? '');
    expect(prompts.join('\n')).toContain('- Alice: I dive in');
    expect(prompts.join('\n')).toContain('- Bob: I throw a rope');
    expect(await store.listTurnsInProgress()).toEqual([]);
    expect(second.turns.every((turn) => turn.finished)).toBe(true);
  });

  it('folds old turns into the running summary so the prompt stays bounded', async () => {
    fake.respondWith(dmResponder({ unknown: reply.text('SUMMARY: the crew took the glass ship and owes the kraken a song.') }));
    const runner = startRunner(recordingPresenters().factory);
    for (let index = 1; index <= 10; index += 1) {
      await runner.submit({ channelId: CHANNEL, action: action('Alice', `action number ${index}`) });
      await runner.idle(CHANNEL);
    }
    const stored = await store.getCampaign(CHANNEL);
    expect(stored?.summary).toContain('owes the kraken a song');
    expect(stored?.summarisedThroughTurn).toBe(3);
    const lastNarrative = fake.requests.filter((request) => phaseOf(request) === 'narrative').at(-1);
    const prompt = lastNarrative?.messages[1]?.content ?? '';
    expect(prompt).toContain('owes the kraken a song');
    expect(prompt).not.toContain('action number 3\n');
    expect(prompt).toContain('action number 4');
    expect(actionsInPrompt(0)).toContain('action number 1');
  });
});
