import { ApplicationCommandOptionType } from 'discord.js';
import { UserFacingError } from '../../src/errors.ts';
import { announce, deferPrivately, plural, refuseWithoutCampaign, tableOf, type GmSubcommand } from './subcommand.ts';

export const resume: GmSubcommand = {
  data: { type: ApplicationCommandOptionType.Subcommand, name: 'resume', description: 'Resume a paused table: the DM listens again' },
  async execute(interaction, services) {
    await deferPrivately(interaction);
    const outcome = await tableOf(interaction, services).resume();
    if (outcome.status === 'not_paused') throw new UserFacingError('The table is not paused.');
    if (outcome.status === 'still_held') {
      throw new UserFacingError(
        outcome.reason === 'channel_unwritable'
          ? "Discord still does not let me write in this channel. Give me the View Channel and Send Messages permissions here, then resume again; the players' actions are kept."
          : "Discord is still failing my messages here. Try again in a minute; the players' actions are kept.",
      );
    }
    if (outcome.status !== 'resumed') refuseWithoutCampaign(outcome.status);
    await interaction.editReply({ content: 'The table is back in play.' });
    const waiting = outcome.waiting > 0 ? `\n-# The DM now answers the ${plural(outcome.waiting, 'action')} taken before the pause.` : '';
    await announce(interaction, `▶️ **The table is back in play.** Write what you do.${waiting}`);
  },
};
