import { DiscordSnowflake } from '@sapphire/snowflake';
import type { EmulatorClock } from './clock.ts';

// Real snowflakes matter: @discordjs/rest finds the major parameter with /\d{17,19}/ and discord.js derives
// createdTimestamp from the id, so ids carry the emulator clock's time.
export type SnowflakeSource = () => string;

export type ShardSpec = { id: number; count: number };

export function createSnowflakeSource(clock: EmulatorClock): SnowflakeSource {
  return () => DiscordSnowflake.generate({ timestamp: clock.now() }).toString();
}

// Discord's routing rule (docs: gateway "Sharding"): a guild belongs to shard (guild_id >> 22) % shard_count.
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

// The shard depends only on the id's millisecond timestamp, so minting again within the same millisecond would
// never move a guild: the guild is dated up to count - 1 ms earlier instead (it existed before the bot joined).
export function guildIdOnShard(clock: EmulatorClock, shard: ShardSpec): string {
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.id) || shard.id < 0 || shard.id >= shard.count) {
    throw new Error(`invalid shard ${JSON.stringify(shard)}: need 0 <= id < count`);
  }
  const now = clock.now();
  for (let offset = 0; offset < shard.count; offset += 1) {
    const id = DiscordSnowflake.generate({ timestamp: now - offset }).toString();
    if (shardOf(id, shard.count) === shard.id) return id;
  }
  throw new Error('unreachable: count consecutive milliseconds cover every shard');
}
