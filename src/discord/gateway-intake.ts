// Players' input from the gateway (messages and interactions) is taken in arrival order, at most EVENTS_PER_TURN events
// per turn of the event loop, and the answer that acknowledges a player's action waits until the input behind it has
// been taken (`afterInputTaken`).
//
// Why. A burst (a hundred players clicking at once) reaches the bot over a hundred milliseconds or so, and taking one
// event costs the one thread about a millisecond (the action stored, the turn begun, its model call prepared). Taken
// in one go, none of the requests they start can leave before the last is taken: a new connection only opens when the
// loop turns, so every model call waits for the whole burst. Taken one per turn, with each answered at once, the
// answers to the first ones (the click's acknowledgement and its line in the channel, Discord's replies, their gateway
// echoes) come back in between and triple the cost of taking the rest. So the burst is taken in batches, each batch's
// model calls leave while the next is taken, and the acknowledgements go once the burst is in: every turn's model call,
// the slow part (hundreds of milliseconds to its first token), leaves before the fast parts of the others.
// `npm run bench -- load`, 100 clicks at once, overhead to first text p95: 303-416 ms taken in one go; 196-254 ms in
// batches of 25 with the acknowledgements after (one run of eight at 375 ms); one per turn: ~365 ms; answers that
// waited only for the events ahead of them, released while later clicks still arrived: 249-494 ms.
//
// Rules. Events are taken in the order discord.js emitted them, messages and interactions in one queue, so a
// channel's input keeps its order. An answer waits until nothing is left to take and the loop has turned once since
// the last event was taken (what that event started has left), and never longer than ANSWER_WAIT_LIMIT_MS, so a
// steady flood of input cannot hold it near Discord's three seconds. Listeners must not throw (safeListener); one that
// does is a bug and reaches the process's uncaught-exception handler.

/** Enough to amortise a turn of the loop, few enough that the first model calls leave within ~30 ms of a burst. */
export const EVENTS_PER_TURN = 25;

export type GatewayIntake = {
  /** `listener`, called through the queue: the returned function is what discord.js calls. */
  take<Arguments extends unknown[]>(listener: (...listenerArguments: Arguments) => void): (...listenerArguments: Arguments) => void;
  /**
   * Resolves once no input waits to be taken and the loop has turned since the last was taken (the requests it
   * started have left), or after ANSWER_WAIT_LIMIT_MS, whichever comes first.
   */
  afterInputTaken(): Promise<void>;
};

/** Far inside Discord's three seconds to acknowledge, far above the ~200 ms a burst of a hundred clicks takes. */
export const ANSWER_WAIT_LIMIT_MS = 500;

export function createGatewayIntake(options: { eventsPerTurn?: number; now?: () => number } = {}): GatewayIntake {
  const eventsPerTurn = options.eventsPerTurn ?? EVENTS_PER_TURN;
  const now = options.now ?? (() => performance.now());
  const waiting: (() => void)[] = [];
  /** Answers waiting, in the order they asked, so in increasing deadline. */
  const answers: { deadline: number; resolve: () => void }[] = [];
  /** The last turn that ran took events: what they started may not have left yet (an answer waits one more turn). */
  let tookOnLastTurn = false;
  let scheduled = false;

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(takeSome);
  }

  function takeSome(): void {
    scheduled = false;
    tookOnLastTurn = false;
    const released = waiting.length === 0 ? answers.length : answers.findIndex((answer) => answer.deadline > now());
    for (const answer of answers.splice(0, released === -1 ? answers.length : released)) answer.resolve();
    try {
      for (let count = 0; count < eventsPerTurn; count += 1) {
        const event = waiting.shift();
        if (event === undefined) break;
        tookOnLastTurn = true;
        event();
      }
    } finally {
      if (waiting.length > 0 || answers.length > 0) schedule();
    }
  }

  return {
    take(listener) {
      return (...listenerArguments) => {
        waiting.push(() => listener(...listenerArguments));
        schedule();
      };
    },
    afterInputTaken() {
      if (waiting.length === 0 && !tookOnLastTurn) return Promise.resolve();
      return new Promise((resolve) => {
        answers.push({ deadline: now() + ANSWER_WAIT_LIMIT_MS, resolve });
        schedule();
      });
    },
  };
}
