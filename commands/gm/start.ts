import { ApplicationCommandOptionType } from 'discord.js';
import { requireBotPermissions } from '../../src/discord/bot-permissions.ts';
import { optionsJson, readOptions } from '../../src/discord/command-options.ts';
import { followUpPublicly, offerLane } from '../../src/discord/render/interaction-lanes.ts';
import { UserFacingError } from '../../src/errors.ts';
import { deferPrivately, refuseWithoutCampaign, tableOf, type GmSubcommand } from './subcommand.ts';

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
    // The opening streams through this command's webhook (interaction-lanes.ts), outside the global limit and below
    // the announcement: the lane opens once the GM's private answer and the announcement are posted.
    const lane = services.lanes === undefined ? undefined : offerLane(services.lanes, interaction);
    try {
      const outcome = await tableOf(interaction, services).start({
        guildId: interaction.guildId ?? '',
        premise,
        tone,
        startedBy: interaction.user.id,
        requestId: interaction.id,
      });
      if (outcome.status === 'already_running') {
        throw new UserFacingError('A campaign is already running in this channel. End it first with `/gm end`.');
      }
      if (outcome.status !== 'started') refuseWithoutCampaign(outcome.status);
      await interaction.editReply({ content: 'The campaign has started; the DM is writing the opening scene.' });
      const announcement = [
        '🎲 **A new campaign begins.**',
        `**Premise:** ${premise}`,
        `**Tone:** ${tone}`,
        '-# Write in this channel to act, or use `/act`. Lines starting with `((` or `//` are out of character.',
      ].join('\n');
      await followUpPublicly(services.lanes, interaction, announcement);
      lane?.acknowledge();
    } catch (error) {
      // Never acknowledged, a lane already taken lets the opening go by the channel (a follow-up before the GM's
      // answer would replace that private answer).
      lane?.withdraw();
      throw error;
    }
  },
};
