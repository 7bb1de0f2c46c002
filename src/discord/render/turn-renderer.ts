import { MESSAGE_CONTENT_LIMIT, MESSAGE_SPLIT_SIZE } from '../../constants.ts';
import { TurnNotShownError } from '../../campaign/presenter.ts';
import type { OptionCheck, TurnEvent, TurnSink } from '../../dm/types.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { shortenLabel } from './button-label.ts';
import type { ChannelWriteScheduler, ScheduledMessage } from './channel-write-scheduler.ts';
import { createMessagePort, type MessagePayload, type RenderChannel } from './discord-message-port.ts';
import { classifyWriteFailure } from './write-failure.ts';
import { buildOptionRow, buildRetryRow } from './option-buttons.ts';
import { freezeOverflow, unfrozenTail } from './split-text.ts';
import type { GlobalWriteGate } from './global-write-gate.ts';
import { startTyping, type TypingIndicator } from './typing-indicator.ts';

// Shows one turn as one document (narrative, a blank line, the response) across as many messages as it needs.
// Text is shown as it streams in; a message that fills up is frozen with its final text and the turn continues in a
// new one, so a frozen message never changes again. The options become buttons on the last message.
//
// A turn reaches the table whatever happens to its messages. A message that disappears (deleted by a moderator) is
// replaced by a new one that says so in its first line and carries the same text on; a final write that Discord keeps
// failing (5xx beyond discord.js's retries) is tried again, then continued in a new message. A channel the bot may no
// longer write to stops every write of the turn, and finish() rejects with TurnNotShownError: the table decides.

/** Behind the text while it streams, so players can tell a pause in the prose from the end of the turn. */
export const WRITING_MARK = '\n-# ✍️ the DM is writing…';

/** Discord refuses an empty message, and an empty turn should still be visibly over. */
export const SILENT_TURN_TEXT = '*(The Dungeon Master has nothing to add.)*';

const responseSeparator = '\n\n';

/** The first write of a turn carries a phrase: at least this many whole words (or a clause, or these characters). */
const FIRST_WRITE_MIN_WORDS = 3;
const FIRST_WRITE_MIN_CHARACTERS = 24;
/**
 * How long the first words may wait for a phrase: at ~60 tokens/s three words take 50 ms; a slow model still shows
 * what it has well within a second of its first token. The typing indicator covers the wait.
 */
const FIRST_WRITE_MAX_WAIT_MS = 600;
/** The first line of a message that carries on a turn whose message was deleted, or could not be updated. */
const REPLACED_NOTES = {
  gone: "-# *(the DM's earlier message was removed; the turn goes on here)*",
  stuck: '-# *(Discord would not update the message above; the turn goes on here)*',
} as const;
/**
 * A message Discord would not update still shows the text it had, with the writing mark, above the new message that
 * carries the turn: once, this long after, it is asked (as a courtesy) to say so in one line instead.
 */
const STUCK_CLEARED_AFTER_MS = 10_000;
const STUCK_LINE = '-# *(Discord would not update this message; the turn is shown in full below)*';
/** More replacements than this in one turn: something deletes every message, and the turn gives up instead. */
const MAX_REPLACEMENTS = 4;
/** Pauses before a failed final write is tried again; after the last, it goes on in a new message. */
const FINAL_RETRY_DELAYS_MS = [1000, 3000];
const notePrefix = '*(interrupted — ';
const noteSuffix = ')*';

export type TurnRendererOptions = {
  channel: RenderChannel;
  scheduler: ChannelWriteScheduler;
  turnId: string;
  logger: Logger;
  /** The process-wide request gate, shared with the schedulers: the typing indicator asks it too. */
  gate?: GlobalWriteGate;
  /** false: the table plays without streaming, so nothing is shown before the turn's text is complete. */
  streaming?: boolean;
  /** Told about every message as soon as it exists, so a crash later still knows which messages to mark. */
  onMessageCreated?: (messageId: string) => void;
  /** Writes per turn and final-text lag, measured as bench/ measures them (see `landed`). Absent: not measured. */
  metrics?: Pick<Metrics, 'turnWrites' | 'finalTextLag'>;
};

export type TurnRenderer = {
  sink: TurnSink;
  /** Shows the typing indicator unless the first words come within TYPING_DELAY_MS. */
  start(): void;
  /** Resolves when the final text and the buttons have landed, with the turn's message ids in order. */
  finish(): Promise<{ messageIds: string[] }>;
  /**
   * Shows the text so far with a visible interruption mark and no buttons. When the turn had already ended with its
   * buttons, nothing more is written here and `completed` says so (the caller marks the messages afterwards).
   */
  interrupt(reason: string, options?: { retryable?: boolean }): Promise<{ messageIds: string[]; completed: boolean }>;
  /** performance.now() when the turn's first write showing its text landed; undefined until then, and without streaming. */
  firstTextAt(): number | undefined;
};

type RenderedMessage = {
  handle: ScheduledMessage<MessagePayload>;
  frozenContent: string | undefined;
  /** Set when this message replaces one that was lost: its first line says so. */
  replacedNote: string | undefined;
};

export function createTurnRenderer(options: TurnRendererOptions): TurnRenderer {
  const { channel, scheduler, turnId, logger } = options;
  const port = createMessagePort(channel, (messageId) => {
    try {
      options.onMessageCreated?.(messageId);
    } catch (error) {
      logger.error({ err: error, messageId }, 'onMessageCreated failed');
    }
  });
  /** Set when Discord says the bot may not write here: nothing more is tried. */
  let unwritable: unknown;
  let replacements = 0;

  // Only ever appended to, which is what lets frozen pieces stay as they are.
  let documentText = '';
  let responseStarted = false;
  let frozenUpTo = 0;
  let offeredOptions: readonly string[] = [];
  let offeredChecks: readonly (OptionCheck | null)[] | undefined;
  const messages: RenderedMessage[] = [];
  // Final writes never reject here (failures are collected), so an unfinished turn leaves no unhandled rejection.
  const finalWrites: Promise<void>[] = [];
  const failures: unknown[] = [];
  let typing: TypingIndicator | undefined;
  let ending: Promise<{ messageIds: string[] }> | undefined;
  let endedByInterrupt = false;
  let textComplete = false;
  let firstWriteAsked = false;
  let firstWriteTimer: ReturnType<typeof setTimeout> | undefined;
  // For the metrics: writes landed, when the first text landed, when the response's last chunk came, and whether a
  // write showing the complete text has landed since.
  let writesLanded = 0;
  let firstTextAt: number | undefined;
  let textCompleteAt: number | undefined;
  let completeTextLanded = false;

  function writeFinal(message: RenderedMessage, payload: MessagePayload): void {
    finalWrites.push(writeFinalUntilShown(message, payload));
  }

  /** Never rejects: a write that cannot be made is collected in `failures` for finish() to report. */
  async function writeFinalUntilShown(message: RenderedMessage, payload: MessagePayload): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const handle = message.handle;
      try {
        await handle.write(withReplacedNote(message, payload), 'final');
        return;
      } catch (error) {
        const failure = classifyWriteFailure(error);
        const canGoOn = unwritable === undefined && replacements < MAX_REPLACEMENTS && (failure === 'message_gone' || failure === 'transient');
        if (!canGoOn) {
          failures.push(error);
          return;
        }
        if (failure === 'transient' && handle.id !== undefined) {
          const delay = FINAL_RETRY_DELAYS_MS[attempt];
          if (delay !== undefined) {
            await new Promise((resolve) => setTimeout(resolve, delay));
            continue;
          }
          logger.warn({ err: error, messageId: handle.id }, 'a message would not take its final text; the turn goes on in a new one');
          if (message.handle === handle) {
            replaceMessage(message, REPLACED_NOTES.stuck);
            clearStuckLater(handle);
          }
          continue;
        }
        // Gone, or never created: the watcher has already replaced it, unless the failure came straight from the
        // scheduler (a create that had failed before).
        if (message.handle === handle) replaceMessage(message, handle.id === undefined ? undefined : REPLACED_NOTES.gone);
      }
    }
  }

  function clearStuckLater(handle: ScheduledMessage<MessagePayload>): void {
    setTimeout(() => {
      handle.write({ content: STUCK_LINE, components: [] }, 'background').catch(() => undefined);
    }, STUCK_CLEARED_AFTER_MS).unref();
  }

  function withReplacedNote(message: RenderedMessage, payload: MessagePayload): MessagePayload {
    if (message.replacedNote === undefined || payload.content === undefined) return payload;
    const content = `${message.replacedNote}\n${payload.content}`;
    // The text matters more than the note: a piece too full for both goes without it.
    return content.length > MESSAGE_CONTENT_LIMIT ? payload : { ...payload, content };
  }

  /** A message of this turn whose every write reports its failure here, so a lost message is noticed at once. */
  function openMessage(): RenderedMessage {
    const message: RenderedMessage = { handle: watchedHandle(() => message), frozenContent: undefined, replacedNote: undefined };
    return message;
  }

  function watchedHandle(owner: () => RenderedMessage): ScheduledMessage<MessagePayload> {
    const handle: ScheduledMessage<MessagePayload> = scheduler.newMessage<MessagePayload>({
      send: (payload) => watched(owner(), handle, measured(port.send(payload), payload)),
      edit: (messageId, payload) => watched(owner(), handle, measured(port.edit(messageId, payload), payload)),
    });
    return handle;
  }

  /** Counts a write that landed, and notes what it showed (the definitions of bench/turn-measurements.ts). */
  async function measured<T>(request: Promise<T>, payload: MessagePayload): Promise<T> {
    const value = await request;
    writesLanded += 1;
    landed(payload);
    return value;
  }

  function landed(payload: MessagePayload): void {
    const now = performance.now();
    if (documentText.trim() === '') return;
    // Without streaming the first write is the whole turn: there is no "first text" to speak of.
    if (options.streaming !== false) firstTextAt ??= now;
    if (textCompleteAt === undefined || completeTextLanded) return;
    // The complete text is shown when the write carries the document's end (the last message of a long turn does).
    const documentEnd = documentText.trimEnd().slice(-24);
    if (payload.content === undefined || !payload.content.includes(documentEnd)) return;
    completeTextLanded = true;
    options.metrics?.finalTextLag((now - textCompleteAt) / 1000);
  }

  async function watched<T>(message: RenderedMessage, handle: ScheduledMessage<MessagePayload>, request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error) {
      noticeFailure(message, handle, error);
      throw error;
    }
  }

  function noticeFailure(message: RenderedMessage, handle: ScheduledMessage<MessagePayload>, error: unknown): void {
    if (message.handle !== handle) return;
    const failure = classifyWriteFailure(error);
    if (failure === 'channel_unwritable') {
      unwritable ??= error;
      stopTyping();
      clearFirstWriteTimer();
      return;
    }
    if (replacements >= MAX_REPLACEMENTS) return;
    if (failure === 'message_gone') replaceMessage(message, REPLACED_NOTES.gone);
    // A create that failed: nothing was shown, so the new message needs no note.
    else if (failure === 'transient' && handle.id === undefined) replaceMessage(message, undefined);
    else return;
    // The message being written shows its text again at once; a frozen one gets it from its final write's retry.
    if (message.frozenContent === undefined && firstWriteAsked && ending === undefined) showProgress();
  }

  function replaceMessage(message: RenderedMessage, note: string | undefined): void {
    replacements += 1;
    message.replacedNote ??= note;
    message.handle = watchedHandle(() => message);
  }

  function liveMessage(): RenderedMessage {
    const last = messages.at(-1);
    if (last !== undefined && last.frozenContent === undefined) return last;
    const message = openMessage();
    messages.push(message);
    return message;
  }

  function stopTyping(): void {
    typing?.stop();
    typing = undefined;
  }

  /** Freezes what no longer fits, and returns the text of the message still being written. */
  function freezeFullMessages(): string {
    const { frozen, frozenUpTo: next } = freezeOverflow(documentText, frozenUpTo, MESSAGE_SPLIT_SIZE);
    frozenUpTo = next;
    for (const piece of frozen) {
      const message = liveMessage();
      message.frozenContent = piece;
      writeFinal(message, { content: piece, components: [] });
    }
    return unfrozenTail(documentText, frozenUpTo);
  }

  function showProgress(): void {
    if (unwritable !== undefined) return;
    const tail = freezeFullMessages();
    // Without streaming the turn appears at once, when it is complete (the typing indicator covers the wait).
    if (tail === '' || options.streaming === false) return;
    if (!firstWriteAsked && !worthReading(tail) && !textComplete) {
      // A lonely first token reads as a glitch: the first write waits for a phrase, but not for long.
      firstWriteTimer ??= setTimeout(() => {
        firstWriteTimer = undefined;
        if (ending === undefined) writeProgress(unfrozenTail(documentText, frozenUpTo));
      }, FIRST_WRITE_MAX_WAIT_MS);
      return;
    }
    writeProgress(tail);
  }

  function writeProgress(tail: string): void {
    if (tail === '') return;
    firstWriteAsked = true;
    clearFirstWriteTimer();
    stopTyping();
    const message = liveMessage();
    void message.handle.write(withReplacedNote(message, { content: `${tail}${WRITING_MARK}`, components: [] }), textComplete ? 'settled' : 'partial');
  }

  function clearFirstWriteTimer(): void {
    if (firstWriteTimer !== undefined) clearTimeout(firstWriteTimer);
    firstWriteTimer = undefined;
  }

  function receive(event: TurnEvent): void {
    if (ending !== undefined) return;
    switch (event.type) {
      case 'narrative_chunk':
        documentText += event.content;
        showProgress();
        break;
      case 'player_response_chunk':
        if (!responseStarted && event.content.trim() !== '') {
          responseStarted = true;
          documentText += responseSeparator;
        }
        if (responseStarted) documentText += event.content;
        // The text is complete: only the final edit, with the buttons, is still to come.
        if (event.is_final) {
          textComplete = true;
          textCompleteAt ??= performance.now();
        }
        showProgress();
        break;
      case 'player_options':
        // The turn's text is complete once options exist: show them now rather than when the runner gets to finish().
        offeredOptions = event.options;
        offeredChecks = event.checks;
        ending = end(undefined);
        // finish() hands the failure on later; until then it must not count as unhandled.
        ending.catch(() => undefined);
        break;
      case 'metadata_update':
        break;
    }
  }

  /** The last write of the turn: exact text without the writing mark, and the buttons or the interruption note. */
  async function end(interruptReason: string | undefined, retryable = false): Promise<{ messageIds: string[] }> {
    stopTyping();
    clearFirstWriteTimer();
    const tail = freezeFullMessages();
    const row = interruptReason === undefined ? buildOptionRow(turnId, offeredOptions, offeredChecks) : retryable ? buildRetryRow(turnId) : null;
    const components = row === null ? [] : [row];

    const last = messages.at(-1);
    // Set when the text ended exactly where a message was frozen: the buttons or the note go on that message.
    const frozenLast = tail === '' ? last?.frozenContent : undefined;
    const note = interruptReason === undefined ? '' : interruptionNote(interruptReason, frozenLast ?? tail);
    if (last !== undefined && frozenLast !== undefined) {
      writeFinal(last, { content: joinParagraphs(frozenLast, note), components });
    } else {
      const content = joinParagraphs(tail, note) || SILENT_TURN_TEXT;
      writeFinal(liveMessage(), { content, components });
    }
    try {
      return await settle();
    } finally {
      if (writesLanded > 0) options.metrics?.turnWrites(writesLanded);
    }
  }

  async function settle(): Promise<{ messageIds: string[] }> {
    await Promise.all(finalWrites);
    const messageIds = messages.flatMap((message) => (message.handle.id === undefined ? [] : [message.handle.id]));
    const [failure] = failures;
    if (failures.length > 0) {
      const reason = unwritable !== undefined || classifyWriteFailure(failure) === 'channel_unwritable' ? 'channel_unwritable' : 'discord_failed';
      throw new TurnNotShownError(reason, messageIds, { cause: failure });
    }
    return { messageIds };
  }

  return {
    sink(event) {
      try {
        receive(event);
      } catch (error) {
        logger.error({ err: error, eventType: event.type }, 'turn renderer failed on an event');
      }
    },
    start() {
      if (typing === undefined && messages.length === 0 && ending === undefined) {
        typing = startTyping(channel, logger, options.gate === undefined ? {} : { gate: options.gate });
      }
    },
    finish() {
      ending ??= end(undefined);
      return ending;
    },
    async interrupt(reason, interruptOptions) {
      const completed = ending !== undefined && !endedByInterrupt;
      if (ending === undefined) {
        endedByInterrupt = true;
        ending = end(reason, interruptOptions?.retryable === true);
      }
      return { ...(await ending), completed };
    },
    firstTextAt: () => firstTextAt,
  };
}

/**
 * The note behind an interrupted turn. The reason is shortened only as far as the text it follows requires: behind
 * a full piece (at most MESSAGE_SPLIT_SIZE) that still leaves about 80 characters, and the whole reason fits behind
 * a short text, so players read why the turn stopped and that their actions are kept.
 */
function interruptionNote(reason: string, textBefore: string): string {
  const separator = textBefore === '' ? 0 : '\n\n'.length;
  const room = MESSAGE_CONTENT_LIMIT - textBefore.length - separator - notePrefix.length - noteSuffix.length;
  return `${notePrefix}${shortenLabel(reason, Math.max(room, 3))}${noteSuffix}`;
}

/**
 * Worth a first write: three whole words, or a clause (a word and a punctuation mark), or enough characters for a
 * script without spaces. A word still being written does not count: the token after it may continue it.
 */
export function worthReading(text: string): boolean {
  const trimmed = text.trimStart();
  const wholeWords = trimmed.match(/\S+\s+/gu)?.length ?? 0;
  return wholeWords >= FIRST_WRITE_MIN_WORDS || /\S[,;:.!?…—。，！？]/u.test(trimmed) || trimmed.length >= FIRST_WRITE_MIN_CHARACTERS;
}

function joinParagraphs(first: string, second: string): string {
  const joined = [first, second].filter((part) => part !== '').join('\n\n');
  if (joined.length > MESSAGE_CONTENT_LIMIT) throw new RangeError(`message content over ${MESSAGE_CONTENT_LIMIT}`);
  return joined;
}
