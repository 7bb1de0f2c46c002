import { ApplicationCommandOptionType } from 'discord.js';
import { refuseRewind } from './rewind-refusal.ts';
import { announce, deferPrivately, tableOf, type GmSubcommand } from './subcommand.ts';

export const reroll: GmSubcommand = {
  data: { type: ApplicationCommandOptionType.Subcommand, name: 'reroll', description: 'Write the last turn again, from the same actions' },
  async execute(interaction, services) {
    await deferPrivately(interaction);
    const outcome = await tableOf(interaction, services).reroll();
    if (outcome.status !== 'rerolling') refuseRewind(outcome, 'reroll');
    await interaction.editReply({ content: 'The DM is writing the last turn again.' });
    await announce(interaction, '🔁 **The GM rerolls the last turn.** The DM writes it again from the same actions.');
  },
};
