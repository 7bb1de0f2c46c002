import type { EmulatorClock } from './clock.ts';
import type { CommandRegistry } from './commands.ts';
import type { InteractionRegistry } from './interactions.ts';
import type { MessageStore } from './message-store.ts';
import type { ResolvedOptions } from './options.ts';
import type { GlobalLimiter, RateLimiter } from './rate-limits.ts';
import type { ForcedFailure, RecordedRequest } from './request-log.ts';
import type { SnowflakeSource } from './snowflakes.ts';
import type { World } from './world.ts';

// Everything the REST routes, the gateway and the test API share. Plain data plus the registries; no behaviour.
export type EmulatorState = {
  options: ResolvedOptions;
  clock: EmulatorClock;
  nextId: SnowflakeSource;
  world: World;
  messages: MessageStore;
  commands: CommandRegistry;
  interactions: InteractionRegistry;
  rateLimiter: RateLimiter;
  globalLimiter: GlobalLimiter;
  requests: RecordedRequest[];
  forcedFailures: ForcedFailure[];
  // Wakes up whoever waits in waitFor(); called after every request and every dispatch.
  changed(): void;
};
