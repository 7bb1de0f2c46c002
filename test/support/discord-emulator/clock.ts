// Interaction deadlines (3 s, 15 min) and message times are read from this clock rather than Date.now(), so a test
// can jump over a 15-minute token lifetime instead of waiting for it. It only ever moves forward, like real time.
export type EmulatorClock = {
  now(): number;
  advance(milliseconds: number): void;
};

export function createClock(): EmulatorClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(milliseconds) {
      if (!Number.isFinite(milliseconds) || milliseconds < 0) {
        throw new RangeError(`the emulator clock only moves forward (got ${milliseconds} ms)`);
      }
      offset += milliseconds;
    },
  };
}
