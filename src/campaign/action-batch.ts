import type { PlayerAction } from '../dm/types.ts';

/** Actions waiting for the next turn of one channel. Bounded so a busy channel cannot build an unbounded prompt. */
export const MAX_ACTIONS_PER_TURN = 10;
export const MAX_CHARACTERS_PER_TURN = 4000;
/** One action: a full Discord message (2000), and no more, since Nitro users can send 4000. */
export const MAX_ACTION_CHARACTERS = 2000;

export type BatchAddResult = 'added' | 'full';

export class ActionBatch {
  readonly actions: PlayerAction[] = [];
  #characters = 0;

  get size(): number {
    return this.actions.length;
  }

  add(action: PlayerAction): BatchAddResult {
    if (this.actions.length >= MAX_ACTIONS_PER_TURN || this.#characters + action.text.length > MAX_CHARACTERS_PER_TURN) {
      return 'full';
    }
    this.actions.push(action);
    this.#characters += action.text.length;
    return 'added';
  }

  /** Puts actions back at the front (a failed turn's actions are answered by the next one). Never drops them. */
  restore(actions: PlayerAction[]): void {
    this.actions.unshift(...actions);
    this.#characters += actions.reduce((total, action) => total + action.text.length, 0);
  }

  take(): PlayerAction[] {
    const taken = this.actions.splice(0);
    this.#characters = 0;
    return taken;
  }
}
