import { ApplicationCommandOptionType } from 'discord.js';
import { UserFacingError } from '../../src/errors.ts';
import { announce, deferPrivately, namesOf, refuseWithoutCampaign, tableOf, type GmSubcommand } from './subcommand.ts';

export const stop: GmSubcommand = {
  data: { type: ApplicationCommandOptionType.Subcommand, name: 'stop', description: 'Stop the turn the DM is writing; the campaign goes on' },
  async execute(interaction, services) {
    await deferPrivately(interaction);
    const outcome = await tableOf(interaction, services).stop();
    if (outcome.status === 'nothing_running') throw new UserFacingError('The DM is not writing a turn right now.');
    if (outcome.status !== 'stopped') refuseWithoutCampaign(outcome.status);
    await interaction.editReply({ content: 'The turn is stopped.' });
    const dropped =
      outcome.droppedActions.length > 0
        ? ` The DM will not answer what ${namesOf(outcome.droppedActions)} did in it: write it again if you still want to.`
        : '';
    await announce(interaction, `⏹️ **The GM stopped this turn.**${dropped}`);
  },
};
