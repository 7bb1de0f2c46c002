// Limits and intervals in one place (docs/architecture.md: Discord's limits). Each says why it has its value, so nobody "tunes" one
// past the Discord limit it protects.

// ── Discord message limits ──────────────────────────────────────────────────────────────────────────────

/** Discord refuses (400, code 50035) a message whose content is longer than this. */
export const MESSAGE_CONTENT_LIMIT = 2000;

/**
 * Where long text is continued in a new message. Below the content limit so that the "still writing" mark, or
 * the interrupt note, always fits behind the text without pushing a message past the limit.
 */
export const MESSAGE_SPLIT_SIZE = 1900;

/** Discord refuses a button whose label is longer than this; longer option texts are shortened with "…". */
export const BUTTON_LABEL_LIMIT = 80;

/** Discord accepts custom_ids of 1 to 100 characters. */
export const CUSTOM_ID_LIMIT = 100;

/** One action row holds at most 5 buttons; the options of a turn fit in one row. */
export const BUTTONS_PER_ROW_LIMIT = 5;

// ── Writing to a channel ────────────────────────────────────────────────────────────────────────────────

/**
 * Default minimum time between streaming (partial) edits in one channel. The channel's budget usually spaces them
 * further (CHANNEL_WRITE_WINDOW_MS / streaming share of CHANNEL_WRITE_BUDGET, about 1.3 s); this floor only matters
 * for a bot whose budget Discord raised.
 */
export const DEFAULT_EDIT_INTERVAL_MS = 1000;

/**
 * Sends and edits of one channel share a bucket of 5 requests per 5 s at Discord (a window that opens with its first
 * request). We count all 5 in a sliding window a little longer than Discord's, so that a request that reaches Discord
 * sooner than an earlier one (network jitter up to the margin) still lands in a window with room: no 429, and
 * discord.js never has to queue (a queued edit delays the text players see). Discord's own rate-limit headers are
 * obeyed on top of this count.
 */
export const CHANNEL_WRITE_BUDGET = 5;
export const CHANNEL_WRITE_WINDOW_MS = 5250;

/**
 * Slots of the budget that streaming edits leave free, so a create or final edit goes out at once instead of
 * waiting for the window to roll over behind a row of partial edits.
 */
export const CHANNEL_WRITE_URGENT_RESERVE = 1;

/**
 * A low-priority write (disabling an old turn's buttons) waits for a quiet channel with room to spare, so that a table
 * playing turn after turn keeps its writes for its stream; but not for ever: after this wait it competes like a
 * streaming edit. A click on an old button meanwhile still gets a fair answer (queued, or "that choice has passed").
 */
export const LOW_PRIORITY_MAX_DELAY_MS = 30_000;

/**
 * Once a turn's text is complete only its final edit (with the buttons) is still to come, usually within a second.
 * The complete text is shown before it only if the final has not come this long after the previous write, so that no
 * visible pause exceeds ~1.5 s without spending a write the final would supersede a moment later: back-to-back turns
 * need that write for their own stream.
 */
export const SETTLED_TEXT_PAUSE_MS = 1400;

/** Discord shows "is typing…" for about 10 s per request; refreshing a little earlier keeps it continuous. */
export const TYPING_REFRESH_MS = 8000;

/**
 * The typing indicator waits this long for the first words before it is sent: fast models show text sooner than
 * that, and a skipped request leaves room under Discord's global limit (50 requests/s) for the text itself. Well
 * under the 500 ms within which players must see that the DM is on it.
 */
export const TYPING_DELAY_MS = 250;

/** A typing indicator that cannot get a request slot this soon is skipped: it would arrive after the text anyway. */
export const TYPING_MAX_GATE_WAIT_MS = 250;

/**
 * Share of Discord's global limit (50 requests/s unless Discord raised it; discord.js enforces it locally, first come
 * first served) that channel writes may take through the gate: 45 of 50. The margin leaves room for command replies
 * and fetches that do not go through the gate.
 */
export const GLOBAL_GATE_SHARE = 0.9;

/**
 * The gate's 45 requests are spread over 1.25 s, not one second (36/s sustained). Discord counts a request when it
 * arrives; the gate counts it when it lets it go, and when a hundred turns start at once the bot's own event loop
 * sends some grants a few hundred milliseconds late, bunched with the next second's: with a one-second window the
 * 100-message burst of the load bench drew 6-17 global 429s (51-67 requests arriving within a second), and discord.js
 * then held every request for up to 1.1 s. With 1.25 s it drew none, and its first words came sooner.
 */
export const GLOBAL_GATE_WINDOW_MS = 1250;

/** Typing stops on its own after this long, so a turn that is never finished cannot keep "typing" for ever. */
export const TYPING_MAX_MS = 180_000;
