import { ApplicationCommandOptionType } from 'discord.js';
import { optionsJson, readOptions } from '../../src/discord/command-options.ts';
import { UserFacingError } from '../../src/errors.ts';
import { deferPrivately, refuseWithoutCampaign, tableOf, type GmSubcommand } from './subcommand.ts';

const options = [
  { type: ApplicationCommandOptionType.String, name: 'text', description: 'What happens, in your words: posted as the DM', required: true, min_length: 1, max_length: 4000 },
] as const;

export const narrate: GmSubcommand = {
  data: {
    type: ApplicationCommandOptionType.Subcommand,
    name: 'narrate',
    description: 'Post your own narration as the DM; the DM continues from it',
    options: optionsJson(options),
  },
  async execute(interaction, services) {
    const text = readOptions(interaction, options).text.trim();
    if (text === '') throw new UserFacingError('Write what happens, for example `/gm narrate text: The floor gives way.`');
    await deferPrivately(interaction);
    // Posted when the DM is not writing: right away, or as soon as the running turn has ended.
    const outcome = await tableOf(interaction, services).narrate(text);
    if (outcome.status !== 'posted') refuseWithoutCampaign(outcome.status);
    await interaction.editReply({ content: 'Your narration is posted; the DM continues from it.' });
  },
};
