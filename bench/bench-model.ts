import { phaseOf, SAMPLE_METADATA, SAMPLE_OPTIONS, type DmPhase } from '../test/support/dm-script.ts';
import { estimateTokens } from '../test/support/fake-openai-replies.ts';
import { reply, type Reply, type Responder } from '../test/support/fake-openai.ts';
import { modelTiming } from './bench-settings.ts';
import { narrativeText, responseText } from './bench-texts.ts';

// The fake model the bot talks to: every phase answers with the fixed timing of bench-settings.ts, and every call is
// recorded with the moment the fake finished sending it, which is the "model done" of the lag figures.

export type ModelCall = {
  channelId: string;
  phase: DmPhase;
  /** When the request's body had arrived at the fake (Date.now()). */
  requestedAt: number;
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
      doneAt: undefined,
      done: request.closed.then(() => {
        call.doneAt = Date.now();
      }),
    };
    calls.push(call);
    return replyFor(phase);
  };
  return { responder, calls };
}
