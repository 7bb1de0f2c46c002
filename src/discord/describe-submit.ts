import type { SubmitOutcome } from '../campaign/table-outcomes.ts';
import { budgetSpentRefusal, tooFastRefusal } from './describe-spending.ts';

/** Under an action taken while Discord keeps the DM from writing in the channel. */
export const HELD_ACTION_NOTE = 'The DM cannot write in this channel right now; your action is kept and answered as soon as it can.';

/** What a player hears when the store does not answer: nothing they sent was kept. */
export const STORE_UNREACHABLE = "The DM's memory is unreachable right now, so your action was not taken. Try again shortly.";

export const CHOICE_PASSED = 'That choice has passed. Pick from the options of the latest turn, or just write what you do.';

/** What a player is told when their action cannot be taken now. null: it was taken. */
export function refusalFor(outcome: SubmitOutcome): string | null {
  switch (outcome.status) {
    case 'started':
    case 'queued':
      return null;
    case 'full':
      return 'The DM already has a full table for the next turn. Hold that thought until this turn ends, then try again.';
    case 'too_long':
      return `That action is too long for the DM (${outcome.limit} characters at most). Try saying it in fewer words.`;
    case 'not_active':
      return 'No campaign is running in this channel. A GM can start one with `/gm start`.';
    case 'paused':
      return 'The table is paused: the DM is listening again once a GM uses `/gm resume`.';
    case 'table_talk':
      return 'This table plays by `/act`, the option buttons, or a message starting with `>`.';
    case 'passed':
      return CHOICE_PASSED;
    case 'budget_spent':
      return budgetSpentRefusal(outcome.scope, outcome.resetAt);
    case 'too_fast':
      return tooFastRefusal(outcome.perMinute, outcome.retryAt);
    case 'shutting_down':
      return 'The DM is restarting. Try again in a few seconds.';
    case 'store_unreachable':
      return STORE_UNREACHABLE;
  }
}
