import { EmbedBuilder, InteractionContextType, MessageFlags } from 'discord.js';
import type { SlashCommand } from '../src/discord/command-types.ts';
import { sceneEmbed } from '../src/discord/scene-embed.ts';

export const scene: SlashCommand = {
  data: {
    name: 'scene',
    description: 'Show what the DM knows of the current scene (only you see it)',
    contexts: [InteractionContextType.Guild],
  },
  async execute(interaction, { store }) {
    const [campaign, stored] = await Promise.all([
      store.getCampaign(interaction.channelId),
      store.getScene(interaction.channelId),
    ]);
    if (campaign === undefined) {
      await interaction.reply({ content: 'No campaign has been played in this channel yet.', flags: MessageFlags.Ephemeral });
      return;
    }
    if (stored === undefined) {
      const embed = new EmbedBuilder().setTitle('The scene is still forming').setDescription('The DM has not recorded this scene yet. Try again after the next turn.');
      await interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.reply({ embeds: [sceneEmbed(stored.metadata)], flags: MessageFlags.Ephemeral });
  },
};
