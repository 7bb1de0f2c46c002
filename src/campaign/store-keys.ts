// Every key carries the app and a format version, so a redis shared with other software never collides with
// us, and a future change of a value's shape can move to `dm:v2:` instead of misreading old values.
const prefix = 'dm:v1';

/** Turns kept verbatim per channel: enough for the prompt's recent history and for /gm undo and reroll. */
export const RECENT_TURNS_KEPT = 20;

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

/** One index for the whole bot: at start-up the runner must find crashed turns without scanning every key. */
export const inProgressKey = `${prefix}:in-progress`;
