import type { BucketPolicy } from './rate-limits.ts';
import type { ShardSpec } from './snowflakes.ts';
import type { GuildSpec } from './world.ts';

export type DiscordEmulatorOptions = {
  // Any string works: discord.js does not validate the format. The gateway and REST check it.
  token?: string;
  botUsername?: string;
  guildName?: string;
  // Text channels of the default guild, in order.
  channels?: readonly string[];
  // Puts the default guild on a shard: its id is minted so that (id >> 22) % count === id.
  guildShard?: ShardSpec;
  // More guilds, each with the same members and roles as the default one; `shard` places it as guildShard does.
  guilds?: readonly GuildSpec[];
  // What GET /gateway/bot answers: the recommended shard count (1) and session_start_limit.max_concurrency (1).
  recommendedShards?: number;
  maxConcurrency?: number;
  // Players without Manage Server nor the GM role.
  players?: readonly string[];
  rateLimits?: {
    // Sends, edits and deletes in one channel share this bucket. Discord: 5 per 5 s.
    channelMessages?: BucketPolicy;
    // editReply / followUp / fetchReply / deleteReply of one interaction token.
    interactionWebhook?: BucketPolicy;
    // Requests per second of the bot token across all routes but the interaction ones. Discord: 50.
    globalPerSecond?: number;
  };
  interactionResponseDeadlineMs?: number;
  interactionTokenLifetimeMs?: number;
  heartbeatIntervalMs?: number;
  // The Developer Portal switches for the privileged intents. Off: an IDENTIFY asking for them is closed with 4014,
  // and REST reads blank other people's message content.
  messageContentIntentEnabled?: boolean;
  guildMembersIntentEnabled?: boolean;
};

export type ResolvedOptions = {
  token: string;
  botUsername: string;
  guildName: string;
  channels: readonly string[];
  guildShard: ShardSpec | undefined;
  guilds: readonly GuildSpec[];
  recommendedShards: number;
  maxConcurrency: number;
  players: readonly string[];
  channelMessagesBucket: BucketPolicy;
  interactionWebhookBucket: BucketPolicy;
  globalPerSecond: number;
  interactionResponseDeadlineMs: number;
  interactionTokenLifetimeMs: number;
  heartbeatIntervalMs: number;
  messageContentIntentEnabled: boolean;
  guildMembersIntentEnabled: boolean;
};

export function resolveOptions(options: DiscordEmulatorOptions): ResolvedOptions {
  return {
    token: options.token ?? 'emulated-bot-token',
    botUsername: options.botUsername ?? 'DungeonMaster',
    guildName: options.guildName ?? 'The Emulated Realm',
    channels: options.channels ?? ['tavern', 'dungeon', 'general'],
    guildShard: options.guildShard,
    guilds: options.guilds ?? [],
    recommendedShards: options.recommendedShards ?? 1,
    maxConcurrency: options.maxConcurrency ?? 1,
    players: options.players ?? ['alice', 'bob', 'carol'],
    channelMessagesBucket: options.rateLimits?.channelMessages ?? { limit: 5, windowMs: 5000 },
    interactionWebhookBucket: options.rateLimits?.interactionWebhook ?? { limit: 5, windowMs: 2000 },
    globalPerSecond: options.rateLimits?.globalPerSecond ?? 50,
    interactionResponseDeadlineMs: options.interactionResponseDeadlineMs ?? 3000,
    interactionTokenLifetimeMs: options.interactionTokenLifetimeMs ?? 15 * 60 * 1000,
    // Discord's usual value; the client's first beat comes after a random fraction of it.
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    messageContentIntentEnabled: options.messageContentIntentEnabled ?? true,
    guildMembersIntentEnabled: options.guildMembersIntentEnabled ?? true,
  };
}
