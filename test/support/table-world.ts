import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { createCampaignStore } from '../../src/campaign/keyv-campaign-store.ts';
import { createTables, type Tables } from '../../src/campaign/tables.ts';
import type { CampaignStore } from '../../src/campaign/types.ts';
import { createOrchestrator } from '../../src/dm/orchestrator.ts';
import { foldIntoSummary } from '../../src/dm/summarise.ts';
import { createLlmClient } from '../../src/llm/create-llm-client.ts';
import { dmResponder } from './dm-script.ts';
import { startFakeOpenAi, type FakeOpenAi } from './fake-openai.ts';
import { silentPresenters } from './silent-presenters.ts';

type TablesDependencies = Parameters<typeof createTables>[0];

const logger = pino({ level: 'silent' });
export const MODELS = { narrative: 'm', response: 'm', options: 'm', metadata: 'm' };

/**
 * The table owner with everything real but Discord, fresh for each test of the file that calls this: the fake OpenAI
 * server (answering as the DM), a SQLite campaign store in its own folder, and the tables opened on them, on the real
 * orchestrator and openai SDK, with presenters that show nothing. After each test the tables are shut down and the rest
 * removed.
 */
export function useTableWorld(name: string) {
  let fake: FakeOpenAi | undefined;
  let store: CampaignStore | undefined;
  let directory = '';
  const opened: Tables[] = [];

  beforeEach(async () => {
    fake = await startFakeOpenAi();
    fake.respondWith(dmResponder());
    directory = await mkdtemp(join(tmpdir(), `${name}-`));
    store = await createCampaignStore({ url: `sqlite://${join(directory, 'dm.sqlite')}`, logger });
  });

  afterEach(async () => {
    for (const tables of opened.splice(0)) await tables.shutdown(10);
    await store?.close();
    await fake?.close();
    await rm(directory, { recursive: true, force: true });
  });

  const inTest = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the table world exists only inside tests');
    return value;
  };

  return {
    get fake(): FakeOpenAi {
      return inTest(fake);
    },
    get store(): CampaignStore {
      return inTest(store);
    },
    /** Tables on this test's store and fake model; `extra` adds or replaces dependencies. Shut down after the test. */
    openTables(extra: Partial<TablesDependencies> = {}): Tables {
      const llm = createLlmClient({ apiKey: 'k', baseUrl: inTest(fake).url, firstTokenTimeoutMs: 2000, chunkTimeoutMs: 1000, totalTimeoutMs: 5000, maxRetries: 0 });
      const tables = createTables({
        store: inTest(store),
        orchestrator: createOrchestrator({ llm, models: MODELS, logger }),
        presenters: silentPresenters(),
        logger,
        streaming: true,
        summarise: (input) => foldIntoSummary({ llm, model: 'm', ...input }),
        ...extra,
      });
      opened.push(tables);
      return tables;
    },
  };
}
