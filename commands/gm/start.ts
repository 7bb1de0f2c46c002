import { ApplicationCommandOptionType } from 'discord.js';
import { requireBotPermissions } from '../../src/discord/bot-permissions.ts';
import { optionsJson, readOptions } from '../../src/discord/command-options.ts';
import { UserFacingError } from '../../src/errors.ts';
import { announce, deferPrivately, refuseWithoutCampaign, tableOf, type GmSubcommand } from './subcommand.ts';

const DEFAULT_PREMISE = 'A band of adventurers meets in a crowded tavern at the edge of a wild, half-mapped frontier.';
const DEFAULT_TONE = 'heroic fantasy, with wonder, danger and a little humour';

const options = [
  { type: ApplicationCommandOptionType.String, name: 'premise', description: 'What the campaign is about', max_length: 1000 },
  { type: ApplicationCommandOptionType.String, name: 'tone', description: 'How it should feel (grim, heroic, comic…)', max_length: 200 },
] as const;

export const start: GmSubcommand = {
  data: {
    type: ApplicationCommandOptionType.Subcommand,
    name: 'start',
    description: 'Start a campaign in this channel; the DM opens the first scene',
    options: optionsJson(options),
  },
  async execute(interaction, services) {
    requireBotPermissions(interaction);
    const values = readOptions(interaction, options);
    const premise = values.premise?.trim() || DEFAULT_PREMISE;
    const tone = values.tone?.trim() || DEFAULT_TONE;
    await deferPrivately(interaction);
    const outcome = await tableOf(interaction, services).start({
      guildId: interaction.guildId ?? '',
      premise,
      tone,
      startedBy: interaction.user.id,
    });
    if (outcome.status === 'already_running') {
      throw new UserFacingError('A campaign is already running in this channel. End it first with `/gm end`.');
    }
    if (outcome.status !== 'started') refuseWithoutCampaign(outcome.status);
    await interaction.editReply({ content: 'The campaign has started; the DM is writing the opening scene.' });
    await announce(
      interaction,
      [
        '🎲 **A new campaign begins.**',
        `**Premise:** ${premise}`,
        `**Tone:** ${tone}`,
        '-# Write in this channel to act, or use `/act`. Lines starting with `((` or `//` are out of character.',
      ].join('\n'),
    );
  },
};
