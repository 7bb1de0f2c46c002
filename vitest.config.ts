import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start real servers (Discord emulator, fake OpenAI, redis-server) on loopback.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
