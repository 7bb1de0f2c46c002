import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ANSWER_WAIT_LIMIT_MS, createGatewayIntake } from '../../src/discord/gateway-intake.ts';

describe('gateway intake', () => {
  it('takes events in arrival order, a batch per turn of the event loop', async () => {
    const intake = createGatewayIntake({ eventsPerTurn: 2 });
    const seen: string[] = [];
    const listener = intake.take((name: string) => {
      seen.push(name);
      // What the first event starts (its model call) gets the loop before the third event is taken.
      if (name === 'e1') setImmediate(() => seen.push('e1 started'));
    });
    for (const name of ['e1', 'e2', 'e3', 'e4', 'e5']) listener(name);
    expect(seen).toEqual([]);
    await intake.afterInputTaken();
    expect(seen).toEqual(['e1', 'e2', 'e1 started', 'e3', 'e4', 'e5']);
  });

  it('answers once every waiting event is taken and what the last one started has had the loop', async () => {
    const intake = createGatewayIntake({ eventsPerTurn: 1 });
    const seen: string[] = [];
    const answers: Promise<void>[] = [];
    // As a click's handler: its turn's model call starts, then it asks to answer the player.
    const listener = intake.take((name: string) => {
      seen.push(name);
      setImmediate(() => seen.push(`${name} started`));
      answers.push(intake.afterInputTaken().then(() => void seen.push(`${name} answered`)));
    });
    for (const name of ['a', 'b', 'c']) listener(name);
    await nextTurn();
    expect(answers).toHaveLength(1);
    await Promise.all([...answers, intake.afterInputTaken()]);
    expect(seen).toEqual(['a', 'a started', 'b', 'b started', 'c', 'c started', 'a answered', 'b answered', 'c answered']);
  });

  it('answers after the wait limit even while input keeps coming', async () => {
    let clock = 0;
    const intake = createGatewayIntake({ eventsPerTurn: 1, now: () => clock });
    let taken = 0;
    let flooding = true;
    const listener = intake.take(() => {
      taken += 1;
      clock += 100;
      if (flooding) listener();
    });
    listener();
    const answered = intake.afterInputTaken().then(() => taken);
    const takenWhenAnswered = await answered;
    flooding = false;
    // Released on the turn the clock reached the limit (five events in), before that turn's event ran its course.
    expect(takenWhenAnswered).toBeGreaterThanOrEqual(ANSWER_WAIT_LIMIT_MS / 100);
    expect(takenWhenAnswered).toBeLessThanOrEqual(ANSWER_WAIT_LIMIT_MS / 100 + 1);
    await intake.afterInputTaken();
  });

  it('answers at once when nothing was taken, and takes a lone event on the next turn', async () => {
    const intake = createGatewayIntake();
    const seen: string[] = [];
    let answered = false;
    void intake.afterInputTaken().then(() => (answered = true));
    await Promise.resolve();
    expect(answered).toBe(true);
    intake.take((name: string) => seen.push(name))('alone');
    await nextTurn();
    expect(seen).toEqual(['alone']);
  });
});
