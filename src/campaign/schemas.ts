import { z } from 'zod';
import { sceneMetadataSchema } from '../dm/events.ts';
import type { PartyMember, PlayerAction, TurnUsage } from '../dm/types.ts';
import type { TokenUsage } from '../llm/types.ts';
import type { Campaign, OptionSet, StoredTurn, UsageTotals } from './types.ts';

// Every value read from the store goes through one of these: the store outlives deployments, so a value
// written by an older version (or by hand) must read as absent, never as a half-typed object.
// `satisfies` keeps each schema in step with its type in types.ts.

export { sceneMetadataSchema };

const count = z.number().int().nonnegative();

export const tokenUsageSchema = z.object({
  promptTokens: count,
  completionTokens: count,
  cachedPromptTokens: count,
}) satisfies z.ZodType<TokenUsage>;

export const usageTotalsSchema = tokenUsageSchema.extend({ turns: count }) satisfies z.ZodType<UsageTotals>;

const turnUsageSchema = z.object({
  narrative: tokenUsageSchema.optional(),
  response: tokenUsageSchema.optional(),
  options: tokenUsageSchema.optional(),
  metadata: tokenUsageSchema.optional(),
}) satisfies z.ZodType<TurnUsage>;

const partyMemberSchema = z.object({
  playerId: z.string(),
  name: z.string(),
  character: z.string().optional(),
}) satisfies z.ZodType<PartyMember>;

const playerActionSchema = z.object({
  playerId: z.string(),
  playerName: z.string(),
  text: z.string(),
  source: z.enum(['message', 'command', 'option']),
  choice: z.object({ turnId: z.string(), index: count }).optional(),
}) satisfies z.ZodType<PlayerAction>;

export const campaignSchema = z.object({
  channelId: z.string(),
  guildId: z.string(),
  status: z.enum(['active', 'paused', 'ended']),
  premise: z.string(),
  tone: z.string(),
  summary: z.string(),
  // Added after the first release of the format: older campaigns read as "nothing summarised yet".
  summarisedThroughTurn: count.default(0),
  party: z.array(partyMemberSchema),
  settings: z.object({ streaming: z.boolean().nullable() }),
  startedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  turnCount: count,
}) satisfies z.ZodType<Campaign>;

export const storedTurnSchema = z.object({
  turnId: z.string(),
  channelId: z.string(),
  guildId: z.string(),
  number: count,
  status: z.enum(['in_progress', 'complete', 'interrupted']),
  actions: z.array(playerActionSchema),
  narrative: z.string(),
  response: z.string(),
  options: z.array(z.string()),
  usage: turnUsageSchema,
  messageIds: z.array(z.string()),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
}) satisfies z.ZodType<StoredTurn>;

export const recentTurnsSchema = z.array(storedTurnSchema);

export const optionSetSchema = z.object({
  turnId: z.string(),
  channelId: z.string(),
  messageId: z.string(),
  options: z.array(z.string()),
  chosen: count.nullable(),
  live: z.boolean(),
}) satisfies z.ZodType<OptionSet>;

/** Where a turn in progress is stored: the turn itself lives in its channel's recent-turns list. */
export const turnReferenceSchema = z.object({ channelId: z.string(), turnId: z.string() });

export type TurnReference = z.infer<typeof turnReferenceSchema>;

export const inProgressIndexSchema = z.array(turnReferenceSchema);
