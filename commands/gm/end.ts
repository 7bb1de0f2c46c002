import { ApplicationCommandOptionType } from 'discord.js';
import { announce, deferPrivately, namesOf, refuseWithoutCampaign, tableOf, type GmSubcommand } from './subcommand.ts';

export const end: GmSubcommand = {
  data: { type: ApplicationCommandOptionType.Subcommand, name: 'end', description: 'End the campaign in this channel now' },
  async execute(interaction, services) {
    await deferPrivately(interaction);
    const outcome = await tableOf(interaction, services).end();
    if (outcome.status !== 'ended') refuseWithoutCampaign(outcome.status);
    await interaction.editReply({ content: 'The campaign has ended. `/gm export` still gives you its log.' });
    const dropped =
      outcome.droppedActions.length > 0
        ? `\n-# The DM will not answer the actions still waiting (${namesOf(outcome.droppedActions)}).`
        : '';
    await announce(
      interaction,
      `📜 **The campaign has ended** after ${outcome.turns} turns. Thanks for playing! A GM can start a new one with \`/gm start\`.${dropped}`,
    );
  },
};
