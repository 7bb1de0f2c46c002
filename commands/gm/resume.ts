import { ApplicationCommandOptionType } from 'discord.js';
import { UserFacingError } from '../../src/errors.ts';
import { announce, deferPrivately, plural, refuseWithoutCampaign, tableOf, type GmSubcommand } from './subcommand.ts';

export const resume: GmSubcommand = {
  data: { type: ApplicationCommandOptionType.Subcommand, name: 'resume', description: 'Resume a paused table: the DM listens again' },
  async execute(interaction, services) {
    await deferPrivately(interaction);
    const outcome = await tableOf(interaction, services).resume();
    if (outcome.status === 'not_paused') throw new UserFacingError('The table is not paused.');
    if (outcome.status !== 'resumed') refuseWithoutCampaign(outcome.status);
    await interaction.editReply({ content: 'The table is back in play.' });
    const waiting = outcome.waiting > 0 ? `\n-# The DM now answers the ${plural(outcome.waiting, 'action')} taken before the pause.` : '';
    await announce(interaction, `▶️ **The table is back in play.** Write what you do.${waiting}`);
  },
};
