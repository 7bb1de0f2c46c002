import { ApplicationCommandOptionType } from 'discord.js';
import { optionsJson, readOptions } from '../../src/discord/command-options.ts';
import { refuseRewind } from './rewind-refusal.ts';
import { announce, deferPrivately, tableOf, type GmSubcommand } from './subcommand.ts';

const MAX_UNDO = 5;

const options = [
  { type: ApplicationCommandOptionType.Integer, name: 'turns', description: `How many turns to take back (1-${MAX_UNDO}, default 1)`, min_value: 1, max_value: MAX_UNDO },
] as const;

export const undo: GmSubcommand = {
  data: { type: ApplicationCommandOptionType.Subcommand, name: 'undo', description: 'Take back the last turns: the story returns to before them', options: optionsJson(options) },
  async execute(interaction, services) {
    const count = Math.min(Math.max(readOptions(interaction, options).turns ?? 1, 1), MAX_UNDO);
    await deferPrivately(interaction);
    const outcome = await tableOf(interaction, services).undo(count);
    if (outcome.status !== 'undone') refuseRewind(outcome, 'undo');
    const taken = outcome.turns.length === 1 ? 'the last turn' : `the last ${outcome.turns.length} turns`;
    await interaction.editReply({ content: `Undone: ${taken}.` });
    await announce(interaction, `↩️ **The GM has undone ${taken}.** The story is back where it was before; the options from then are open again.`);
  },
};
