import type { RerollOutcome, UndoOutcome } from '../../src/campaign/table-outcomes.ts';
import { UserFacingError } from '../../src/errors.ts';
import { refuseWithoutCampaign } from './subcommand.ts';

type Refusal = Exclude<RerollOutcome | UndoOutcome, { status: 'rerolling' } | { status: 'undone' }>;

/** Why the table cannot be rewound now, in the GM's words. */
export function refuseRewind(outcome: Refusal, command: 'reroll' | 'undo'): never {
  switch (outcome.status) {
    case 'busy':
      throw new UserFacingError(`The DM is still writing. Let the turn end, or stop it with \`/gm stop\`, then ${command}.`);
    case 'paused':
      throw new UserFacingError('The table is paused. Resume it with `/gm resume`, then reroll.');
    case 'nothing_to_rewind':
      throw new UserFacingError(command === 'reroll' ? 'There is no turn to reroll yet.' : 'There is no turn to undo yet (the opening scene cannot be undone; `/gm reroll` replaces it).');
    case 'last_is_narration':
      throw new UserFacingError('The last entry is your own narration: take it back with `/gm undo`.');
    case 'too_many':
      throw new UserFacingError(
        `Only ${outcome.available} turn${outcome.available === 1 ? '' : 's'} can be undone here (the opening scene cannot; \`/gm reroll\` replaces it).`,
      );
    case 'not_running':
    case 'shutting_down':
      return refuseWithoutCampaign(outcome.status);
  }
}
