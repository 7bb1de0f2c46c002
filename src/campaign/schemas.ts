import { z } from 'zod';
import { optionCheckSchema, sceneMetadataSchema } from '../dm/events.ts';
import type { CharacterSheet, PartyMember, PlayerAction, TurnUsage } from '../dm/types.ts';
import type { TokenUsage } from '../llm/types.ts';
import type { SpendingLine, SpendingRecord } from './spending.ts';
import type { Campaign, LoreEntry, OptionSet, StoredRoll, StoredScene, StoredTurn, StoredWhisper, TableReference, TableSettings, TurnSnapshot, UsageTotals } from './types.ts';

// Every value read from the store goes through one of these: the store outlives deployments, so a value
// written by an older version (or by hand) must read as absent, never as a half-typed object. Fields added after
// the first release have defaults, so older records read as they were meant.
// `satisfies` keeps each schema in step with its type in types.ts.

export { sceneMetadataSchema };

const count = z.number().int().nonnegative();

export const tokenUsageSchema = z.object({
  promptTokens: count,
  completionTokens: count,
  cachedPromptTokens: count,
}) satisfies z.ZodType<TokenUsage>;

export const usageTotalsSchema = tokenUsageSchema.extend({ turns: count }) satisfies z.ZodType<UsageTotals>;

const spendingLineSchema = z.object({
  phase: z.enum(['narrative', 'response', 'options', 'metadata', 'summary']),
  model: z.string(),
  promptTokens: count.default(0),
  cachedPromptTokens: count.default(0),
  completionTokens: count.default(0),
}) satisfies z.ZodType<SpendingLine, unknown>;

export const spendingRecordSchema = z.object({
  turns: count.default(0),
  lines: z.array(spendingLineSchema).default([]),
}) satisfies z.ZodType<SpendingRecord, unknown>;

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

export const playerActionSchema = z
  .object({
    id: z.string().optional(),
    playerId: z.string(),
    playerName: z.string(),
    text: z.string(),
    source: z.enum(['message', 'command', 'option']),
    choice: z.object({ turnId: z.string(), index: count }).optional(),
    check: z
      .object({
        expression: z.string(),
        rolls: z.string(),
        total: z.number(),
        difficulty: z.number().nullable(),
        success: z.boolean().nullable(),
        characterName: z.string().optional(),
      })
      .optional(),
  })
  // Actions stored before ids existed get one from their content: stable across reads, which is all recovery needs.
  .transform(({ id, ...action }): PlayerAction => ({ id: id ?? `${action.playerId}:${action.text.length}:${action.text.slice(0, 32)}`, ...action }));

export const waitingActionsSchema = z.array(playerActionSchema);

const settingsSchema = z.object({
  streaming: z.boolean().nullable().default(null),
  messages: z.enum(['actions', 'talk']).default('actions'),
  length: z.enum(['short', 'normal', 'long']).default('normal'),
  limits: z.string().default(''),
  dailyTokens: z.number().int().positive().optional(),
  rounds: z.boolean().optional(),
  roundSeconds: z.number().int().min(10).max(600).optional(),
}) satisfies z.ZodType<TableSettings, unknown>;

export const campaignSchema = z
  .object({
    campaignId: z.string().optional(),
    channelId: z.string(),
    guildId: z.string(),
    status: z.enum(['active', 'paused', 'ended']),
    premise: z.string(),
    tone: z.string(),
    summary: z.string(),
    summarisedThroughTurn: count.default(0),
    party: z.array(partyMemberSchema),
    settings: settingsSchema.default({ streaming: null, messages: 'actions', length: 'normal', limits: '' }),
    startedBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    turnCount: count,
    logLength: count.default(0),
    held: z
      .object({ reason: z.enum(['channel_unwritable', 'discord_failed']), since: z.string(), turnId: z.string().nullable(), gmPaused: z.literal(true).optional() })
      .nullable()
      .optional(),
    redirectNext: z.literal(true).optional(),
  })
  .transform(({ campaignId, ...campaign }): Campaign => ({ campaignId: campaignId ?? `${campaign.channelId}-${campaign.createdAt}`, ...campaign }));

const snapshotSchema = z.object({
  scene: sceneMetadataSchema.nullable(),
  summary: z.string(),
  summarisedThroughTurn: count,
  party: z.array(partyMemberSchema),
  turnCount: count,
  previousOptionsTurnId: z.string().nullable(),
}) satisfies z.ZodType<TurnSnapshot>;

const storedRollSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  playerId: z.string(),
  playerName: z.string(),
  characterName: z.string().optional(),
  expression: z.string(),
  rolls: z.string(),
  total: z.number(),
  reason: z.string().default(''),
  rolledAt: z.string(),
}) satisfies z.ZodType<StoredRoll, unknown>;

export const storedTurnSchema = z.object({
  turnId: z.string(),
  campaignId: z.string().default(''),
  channelId: z.string(),
  guildId: z.string(),
  kind: z.enum(['turn', 'narration']).default('turn'),
  number: count,
  status: z.enum(['in_progress', 'complete', 'interrupted', 'stopped', 'discarded', 'withdrawn', 'undone']),
  actions: z.array(playerActionSchema),
  narrative: z.string(),
  response: z.string(),
  options: z.array(z.string()),
  checks: z.array(optionCheckSchema.nullable()).optional(),
  rolls: z.array(storedRollSchema).optional(),
  usage: turnUsageSchema,
  messageIds: z.array(z.string()),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  before: snapshotSchema.optional(),
  logIndex: count.optional(),
  textWhole: z.literal(true).optional(),
}) satisfies z.ZodType<StoredTurn, unknown>;

export const recentTurnsSchema = z.array(storedTurnSchema);

export const storedSceneSchema = z.union([
  z.object({
    metadata: sceneMetadataSchema,
    gmEdits: z
      .object({
        fields: z.object({
          location: z.string().optional(),
          situation: z.string().optional(),
          threats: z.string().optional(),
          npcs: z.string().optional(),
        }),
        at: z.string(),
      })
      .nullable(),
  }),
  // Scenes stored before GM edits existed were the bare metadata.
  sceneMetadataSchema.transform((metadata) => ({ metadata, gmEdits: null })),
]) satisfies z.ZodType<StoredScene, unknown>;

export const optionSetSchema = z.object({
  turnId: z.string(),
  channelId: z.string(),
  messageId: z.string(),
  options: z.array(z.string()),
  checks: z.array(optionCheckSchema.nullable()).optional(),
  chosen: count.nullable(),
  live: z.boolean(),
}) satisfies z.ZodType<OptionSet>;

export const tablesIndexSchema = z.array(z.object({ channelId: z.string(), guildId: z.string() }) satisfies z.ZodType<TableReference>);

export const storedRollsSchema = z.array(storedRollSchema);

const modifierSchema = z.number().int().min(-5).max(10).optional();

const characterSheetSchema = z.object({
  name: z.string(),
  concept: z.string().default(''),
  description: z.string().default(''),
  modifiers: z
    .object({ STR: modifierSchema, DEX: modifierSchema, CON: modifierSchema, INT: modifierSchema, WIS: modifierSchema, CHA: modifierSchema })
    .default({}),
}) satisfies z.ZodType<CharacterSheet, unknown>;

export const characterSheetsSchema = z.record(z.string(), characterSheetSchema);

export const loreEntriesSchema = z.array(
  z.object({
    keys: z.array(z.string()).default([]),
    text: z.string(),
    addedAt: z.string().default(''),
  }) satisfies z.ZodType<LoreEntry, unknown>,
);

export const storedWhispersSchema = z.array(
  z.object({
    id: z.string(),
    playerId: z.string(),
    playerName: z.string(),
    characterName: z.string().optional(),
    text: z.string(),
    answer: z.string(),
    afterTurnId: z.string().nullable(),
    whisperedAt: z.string(),
  }) satisfies z.ZodType<StoredWhisper, unknown>,
);
