// Every key carries the app and a format version, so a redis shared with other software never collides with
// us, and a future change of a value's shape can move to `dm:v2:` instead of misreading old values.
const prefix = 'dm:v1';

/**
 * Turns kept per channel: the prompt's verbatim window plus the turns waiting to be folded into the summary (at most
 * 9), what `/gm undo` can reach (5), and room for stopped or discarded turns between them.
 */
export const RECENT_TURNS_KEPT = 20;

/** Only the newest turns keep the snapshot of the state they started from: undo reaches 5 back, reroll 1. */
export const SNAPSHOTS_KEPT = 10;

/** Buttons stay in Discord forever; their options are kept a month so an old click still gets a polite answer. */
export const OPTION_SET_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export function campaignKey(channelId: string): string {
  return `${prefix}:campaign:${channelId}`;
}

export function sceneKey(channelId: string): string {
  return `${prefix}:scene:${channelId}`;
}

export function recentTurnsKey(channelId: string): string {
  return `${prefix}:turns:${channelId}`;
}

export function optionSetKey(turnId: string): string {
  return `${prefix}:options:${turnId}`;
}

export function guildUsageKey(guildId: string): string {
  return `${prefix}:usage:guild:${guildId}`;
}

export function channelUsageKey(channelId: string): string {
  return `${prefix}:usage:channel:${channelId}`;
}

/**
 * What a guild or a channel spent in one UTC day (`2025-01-15`) or month (`2025-01`): tokens by phase and model, and
 * turns. Only today's and this month's are read (budgets, `/gm budget`); older ones expire.
 */
export function spendingKey(scope: 'guild' | 'channel', id: string, period: string): string {
  return `${prefix}:spending:${scope}:${id}:${period}`;
}

/**
 * A day's spending (`2025-01-15`) is read only that day: kept a little over a month for whoever looks at the store. A
 * month's (`2025-01`), a little over a year.
 */
export function spendingTtlMs(period: string): number {
  const days = /^\d{4}-\d{2}-\d{2}$/.test(period) ? 40 : 400;
  return days * 24 * 60 * 60 * 1000;
}

/** Actions acknowledged to players and not yet taken into a turn. */
export function waitingKey(channelId: string): string {
  return `${prefix}:waiting:${channelId}`;
}

/** Dice rolled in the channel and not yet reported by a delivered turn: one small list, bounded by the table. */
export function rollsKey(channelId: string): string {
  return `${prefix}:rolls:${channelId}`;
}

/**
 * At most this many rolls wait for the next turn (a bound on the record, far above a table's play between two turns);
 * the turn keeps them all for the export, and its prompt lists the latest (ROLLS_IN_PROMPT).
 */
export const ROLLS_KEPT = 50;

/** The campaign's character sheets: per campaign, so a new `/gm start` begins without the old sheets. */
export function charactersKey(campaignId: string): string {
  return `${prefix}:characters:${campaignId}`;
}

/** The campaign's whispers: per campaign, like the lorebook, so a new campaign keeps none of the old secrets. */
export function whispersKey(campaignId: string): string {
  return `${prefix}:whispers:${campaignId}`;
}

/** The newest whispers kept: the export's record of them, and more than any prompt or recap shows. */
export const WHISPERS_KEPT = 50;

/** The campaign's lorebook: per campaign, like the sheets, so a new `/gm start` begins with an empty one. */
export function loreKey(campaignId: string): string {
  return `${prefix}:lore:${campaignId}`;
}

/** One entry of a campaign's log (for the export): one small key per delivered turn, so a turn never rewrites the log. */
export function logEntryKey(campaignId: string, index: number): string {
  return `${prefix}:log:${campaignId}:${index}`;
}

/**
 * A guild's tables with an active or paused campaign: at start-up a process finds the unfinished turns and waiting
 * actions of its own guilds without scanning every key. Per guild, because a guild belongs to one gateway shard and
 * so to one process: no two processes ever write the same index, and a process's recovery reads only its guilds'.
 * Written only when a campaign starts or ends, never per turn.
 */
export function guildTablesKey(guildId: string): string {
  return `${prefix}:tables:${guildId}`;
}

/**
 * The one index of every table that versions before shards kept. Read at recovery (each process takes its own
 * guilds' entries and moves them to their guild's index), never written: two processes may read it, none rewrites it.
 */
export const legacyTablesKey = `${prefix}:tables`;
