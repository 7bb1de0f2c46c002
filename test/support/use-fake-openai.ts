import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from './fake-openai.ts';

/**
 * One fake OpenAI server for a test file, emptied before each test. Read `fake.server` inside tests (it exists once
 * the file's beforeAll has run).
 */
export function useFakeOpenAi(): { readonly server: FakeOpenAi } {
  let server: FakeOpenAi | undefined;
  beforeAll(async () => {
    server = await startFakeOpenAi();
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    server?.clear();
  });
  return {
    get server() {
      if (server === undefined) throw new Error('the fake OpenAI server is only available inside tests');
      return server;
    },
  };
}
