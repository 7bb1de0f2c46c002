import { phaseOf, SAMPLE_METADATA, SAMPLE_OPTIONS, type DmPhase } from '../test/support/dm-script.ts';
import { estimateTokens } from '../test/support/fake-openai-replies.ts';
import { reply, type Reply, type Responder } from '../test/support/fake-openai.ts';
import { modelTiming } from './bench-settings.ts';
import { narrativeText, responseText } from './bench-texts.ts';

// The fake model the bot talks to: every phase answers with the fixed timing of bench-settings.ts, and every call is
// recorded with the moment the fake sent its first content chunk (the "model's first token" of the first-write
// figures) and the moment it finished sending it (the "model done" of the lag figures).

export type ModelCall = {
  channelId: string;
  phase: DmPhase;
  /** When the request's body had arrived at the fake (Date.now()). */
  requestedAt: number;
  /**
   * Streamed replies: when the fake had sent the first content chunk (its write had been handed to the socket), the
   * real "first token" of the reply, which under load is later than `requestedAt` + the first-token time.
   */
  firstChunkAt: number | undefined;
  /**
   * When the fake had sent the whole reply: its connection's response emitted 'close', right after the last
   * content chunk (streamed: followed at once by the finish chunk, the usage chunk and [DONE]).
   */
  doneAt: number | undefined;
  done: Promise<void>;
};

export type BenchModel = { responder: Responder; calls: ModelCall[] };

/** Structured replies are not streamed: they arrive whole after the first-token time plus their tokens' time. */
function structured(value: unknown): Reply {
  const text = JSON.stringify(value);
  return reply.text(text, { firstTokenMs: modelTiming.firstTokenMs + estimateTokens(text) * modelTiming.wordIntervalMs });
}

function streamed(text: string): Reply {
  return reply.text(text, { firstTokenMs: modelTiming.firstTokenMs, chunkDelayMs: modelTiming.wordIntervalMs });
}

function replyFor(phase: DmPhase): Reply {
  switch (phase) {
    case 'narrative':
      return streamed(narrativeText);
    case 'response':
      return streamed(responseText);
    case 'options':
      return structured({ options: SAMPLE_OPTIONS });
    case 'metadata':
      return structured(SAMPLE_METADATA);
    default:
      return streamed('and the story goes on.');
  }
}

/** The premise each bench campaign is started with: how a model request is traced back to its channel. */
export function benchPremise(channelId: string): string {
  return `A bench table in channel ${channelId}.`;
}

const BENCH_PREMISE = /Premise: A bench table in channel (\d+)\./;

/**
 * Calls `seen` with Date.now() when the fake counts its first content chunk as sent. The fake server counts every
 * chunk on the request record (`chunksSent += 1`, right after the chunk's write was handed to the socket) and offers
 * no hook, so the count is watched through an accessor on that record; the reply's timing is left as it is.
 */
function onFirstChunk(request: Parameters<Responder>[0], seen: (at: number) => void): void {
  let sent = request.chunksSent;
  Object.defineProperty(request, 'chunksSent', {
    configurable: true,
    enumerable: true,
    get: () => sent,
    set: (value: number) => {
      if (sent === 0 && value > 0) seen(Date.now());
      sent = value;
    },
  });
}

export function createBenchModel(): BenchModel {
  const calls: ModelCall[] = [];
  const responder: Responder = (request) => {
    const phase = phaseOf(request);
    // Every bench campaign names its channel in its premise (run-scale.ts), which every prompt of its turns carries.
    const channelId = BENCH_PREMISE.exec(request.messages[1]?.content ?? '')?.[1] ?? '';
    const call: ModelCall = {
      channelId,
      phase,
      requestedAt: request.time,
      firstChunkAt: undefined,
      doneAt: undefined,
      done: request.closed.then(() => {
        call.doneAt = Date.now();
      }),
    };
    onFirstChunk(request, (at) => {
      call.firstChunkAt = at;
    });
    calls.push(call);
    return replyFor(phase);
  };
  return { responder, calls };
}
