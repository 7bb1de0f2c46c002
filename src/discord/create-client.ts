import { Client, GatewayIntentBits, Options, RESTEvents } from 'discord.js';
import type { Logger } from 'pino';

export function createDiscordClient(input: {
  apiUrl: string;
  globalRequestsPerSecond: number;
  shards: { count: number | 'auto'; ids: number[] | 'all' };
  logger: Logger;
}): Client {
  const { count, ids } = input.shards;
  const client = new Client({
    // Discord routes a guild to shard (guild_id >> 22) % count: a process identifying some shards sees only their
    // guilds, so their tables are this process's alone.
    shards: ids !== 'all' ? ids : count === 'auto' ? 'auto' : Array.from({ length: count }, (_, id) => id),
    ...(count === 'auto' ? {} : { shardCount: count }),
    // Message Content is privileged: it must also be switched on in the Developer Portal.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    // Model text must never ping anyone, and edits without allowed_mentions are parsed again.
    allowedMentions: { parse: [], repliedUser: false },
    rest: { api: input.apiUrl, globalRequestsPerSecond: input.globalRequestsPerSecond },
    // Turns keep their own state (message ids in the store); discord.js's default of 200 cached messages per channel,
    // rewritten on every streamed edit, would only hold memory: at 100 busy channels that is 20,000 messages.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
  });
  client.rest.on(RESTEvents.RateLimited, (info) =>
    input.logger.warn({ route: info.route, timeToReset: info.timeToReset, limit: info.limit, global: info.global }, 'Discord rate limit reached'),
  );
  client.on('error', (error) => input.logger.error({ err: error }, 'Discord client error'));
  client.on('warn', (message) => input.logger.warn({ message }, 'Discord client warning'));
  return client;
}
