import { shardOf } from '../snowflakes.ts';

export type ShardPair = [shardId: number, shardCount: number];

// IDENTIFY's optional `shard: [shard_id, shard_count]`. Discord closes with 4010 (Invalid shard) unless
// 0 <= shard_id < shard_count; a count that does not suit the bot's guild count would be 4011 (Sharding required),
// which is not emulated. Absent means one session for every guild.
export function parseShard(value: unknown): { valid: true; shard: ShardPair | null } | { valid: false } {
  if (value === undefined || value === null) return { valid: true, shard: null };
  if (!Array.isArray(value) || value.length !== 2) return { valid: false };
  const [id, count] = value as unknown[];
  if (!Number.isInteger(id) || !Number.isInteger(count)) return { valid: false };
  const shard: ShardPair = [id as number, count as number];
  if (shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1]) return { valid: false };
  return { valid: true, shard };
}

// A session without `shard` counts as shard [0, 1], which owns every guild.
export function ownsGuild(shard: ShardPair | null, guildId: string): boolean {
  if (!shard) return true;
  return shardOf(guildId, shard[1]) === shard[0];
}
