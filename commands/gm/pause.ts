import { ApplicationCommandOptionType } from 'discord.js';
import { UserFacingError } from '../../src/errors.ts';
import { announce, deferPrivately, plural, refuseWithoutCampaign, tableOf, type GmSubcommand } from './subcommand.ts';

export const pause: GmSubcommand = {
  data: { type: ApplicationCommandOptionType.Subcommand, name: 'pause', description: 'Pause the DM: messages become table talk until you resume' },
  async execute(interaction, services) {
    await deferPrivately(interaction);
    const outcome = await tableOf(interaction, services).pause();
    if (outcome.status === 'already_paused') throw new UserFacingError('The table is already paused. Resume it with `/gm resume`.');
    if (outcome.status !== 'paused') refuseWithoutCampaign(outcome.status);
    await interaction.editReply({ content: 'The table is paused. `/gm resume` when you are ready.' });
    const lines = ['⏸️ **The GM has paused the table.** The DM is not listening: talk freely.'];
    if (outcome.turnRunning) lines.push('-# The turn being written will finish first.');
    if (outcome.waiting > 0) lines.push(`-# ${plural(outcome.waiting, 'action')} already taken will be answered after the pause.`);
    await announce(interaction, lines.join('\n'));
  },
};
