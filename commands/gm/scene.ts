import { ApplicationCommandOptionType } from 'discord.js';
import type { SceneEdits } from '../../src/campaign/types.ts';
import { optionsJson, readOptions } from '../../src/discord/command-options.ts';
import { sceneEmbed } from '../../src/discord/scene-embed.ts';
import { deferPrivately, refuseWithoutCampaign, tableOf, type GmSubcommand } from './subcommand.ts';

const options = [
  { type: ApplicationCommandOptionType.String, name: 'location', description: 'Where the party is now', max_length: 200 },
  { type: ApplicationCommandOptionType.String, name: 'situation', description: 'What is going on in this scene', max_length: 1000 },
  { type: ApplicationCommandOptionType.String, name: 'threats', description: 'Immediate threats', max_length: 500 },
  { type: ApplicationCommandOptionType.String, name: 'npcs', description: 'Who is present, separated by commas', max_length: 500 },
] as const;

export const scene: GmSubcommand = {
  data: {
    type: ApplicationCommandOptionType.Subcommand,
    name: 'scene',
    description: 'Set the scene the DM uses from the next turn; without options, show it',
    options: optionsJson(options),
  },
  async execute(interaction, services) {
    const values = readOptions(interaction, options);
    const edits: SceneEdits = {};
    for (const field of ['location', 'situation', 'threats', 'npcs'] as const) {
      const value = values[field]?.trim();
      if (value !== undefined && value !== '') edits[field] = value;
    }
    await deferPrivately(interaction);
    if (Object.keys(edits).length === 0) {
      const [campaign, stored] = await Promise.all([services.store.getCampaign(interaction.channelId), services.store.getScene(interaction.channelId)]);
      if (campaign === undefined || campaign.status === 'ended') refuseWithoutCampaign('not_running');
      if (stored === undefined) {
        await interaction.editReply({ content: 'No scene is recorded yet. Set one with `/gm scene location: … situation: …`.' });
        return;
      }
      await interaction.editReply({ content: 'The scene as the DM knows it:', embeds: [sceneEmbed(stored.metadata).toJSON()] });
      return;
    }
    const outcome = await tableOf(interaction, services).editScene(edits);
    if (outcome.status !== 'edited') refuseWithoutCampaign(outcome.status);
    await interaction.editReply({ content: 'Scene updated. The DM uses it from the next turn.', embeds: [sceneEmbed(outcome.scene).toJSON()] });
  },
};
