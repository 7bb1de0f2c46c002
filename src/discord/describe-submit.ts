import type { SubmitOutcome } from '../campaign/runner.ts';

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
      if (outcome.campaign?.status === 'paused') return 'The campaign in this channel is paused. A GM can resume it.';
      return 'No campaign is running in this channel. A GM can start one with `/gm start`.';
    case 'shutting_down':
      return 'The DM is restarting. Try again in a few seconds.';
  }
}
