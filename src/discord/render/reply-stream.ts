import { MESSAGE_CONTENT_LIMIT } from '../../constants.ts';
import { splitText } from './split-text.ts';
import { WRITING_MARK } from './turn-renderer.ts';

// A text streamed into one interaction's reply: a whisper's private answer, read in an ephemeral message.
//
// Pacing. Interaction webhook routes (edit the original, follow-ups) have a bucket of their own per interaction token
// (about 5 writes per 2 s) and are not counted against the channel's writes, so a reply never competes with the
// table's turn for its budget. An edit every EDIT_INTERVAL_MS stays well inside that bucket and leaves the final edit
// free to go at once. The first edit waits for a phrase (FIRST_WORDS words) or FIRST_WAIT_MS after the first piece,
// whichever comes first, so the reply never shows a lonely word; "thinking…" covers the wait.
//
// Order. One edit in flight at a time, always with the latest text; the final edit goes after the last one in flight,
// so a slow edit can never overwrite the finished text. A text longer than one message shows its first part in the
// reply and the rest as follow-ups, only at the end (the reply keeps growing up to its limit until then). A failed
// edit while streaming is skipped (the next carries the text); the final write is retried once as a follow-up.

const EDIT_INTERVAL_MS = 600;
const FIRST_WORDS = 3;
const FIRST_WAIT_MS = 1000;

export type ReplyPort = {
  /** Replaces the reply's content. */
  edit(content: string): Promise<unknown>;
  /** A further message of the same reply (ephemeral when the reply is). */
  followUp(content: string): Promise<unknown>;
};

export type ReplyStream = {
  push(piece: string): void;
  /** Shows `text` exactly (what the model finished with), then `note` on a line of its own when given. */
  finish(text: string, note?: string): Promise<void>;
  /** Stops streaming without a final text (the caller replaces the reply): no edit goes after this resolves. */
  stop(): Promise<void>;
};

export function createReplyStream(port: ReplyPort, options: { head: string; onError(error: unknown): void }): ReplyStream {
  const { head } = options;
  let text = '';
  let shown = '';
  let firstPieceAt: number | null = null;
  let inFlight: Promise<void> = Promise.resolve();
  let editing = false;
  let timer: NodeJS.Timeout | null = null;
  let lastEditAt = 0;
  let finished = false;

  /** What the reply shows while streaming: as much as one message holds, with the writing mark behind it. */
  function streamingContent(): string {
    const room = MESSAGE_CONTENT_LIMIT - head.length - WRITING_MARK.length;
    const body = text.length > room ? (splitText(text, room)[0] ?? '') : text;
    return `${head}${body.trimEnd()}${WRITING_MARK}`;
  }

  function ready(): boolean {
    if (shown !== '') return true;
    const words = text.trim().split(/\s+/u).filter((word) => word !== '').length;
    return words >= FIRST_WORDS || (firstPieceAt !== null && Date.now() - firstPieceAt >= FIRST_WAIT_MS);
  }

  function schedule(): void {
    if (finished || editing || timer !== null) return;
    const waitForPhrase = ready() ? 0 : Math.max(0, (firstPieceAt ?? Date.now()) + FIRST_WAIT_MS - Date.now());
    const wait = Math.max(waitForPhrase, lastEditAt + EDIT_INTERVAL_MS - Date.now(), 0);
    timer = setTimeout(edit, wait);
  }

  function edit(): void {
    timer = null;
    if (finished) return;
    const content = streamingContent();
    if (content === shown || text.trim() === '') return;
    editing = true;
    lastEditAt = Date.now();
    inFlight = port
      .edit(content)
      .then(
        () => {
          shown = content;
        },
        (error: unknown) => options.onError(error),
      )
      .finally(() => {
        editing = false;
        if (!finished && streamingContent() !== shown) schedule();
      });
  }

  return {
    push(piece) {
      if (finished || piece === '') return;
      firstPieceAt ??= Date.now();
      text += piece;
      schedule();
    },
    async finish(finalText, note) {
      finished = true;
      if (timer !== null) clearTimeout(timer);
      await inFlight;
      const ending = note === undefined || note === '' ? '' : `\n\n${note}`;
      const whole = `${finalText.trim()}${ending}`;
      const room = MESSAGE_CONTENT_LIMIT - head.length;
      // Every part fits beside the head, so the follow-ups need no split of their own.
      const [first = '', ...rest] = whole.length > room ? splitText(whole, room) : [whole];
      try {
        await port.edit(`${head}${first}`);
        shown = `${head}${first}`;
      } catch (error) {
        options.onError(error);
        await port.followUp(`${head}${first}`).catch(options.onError);
      }
      for (const part of rest) await port.followUp(part).catch(options.onError);
    },
    async stop() {
      finished = true;
      if (timer !== null) clearTimeout(timer);
      await inFlight;
    },
  };
}
