import { ApplicationCommandOptionType, InteractionContextType, MessageFlags } from 'discord.js';
import { storySoFar } from '../src/campaign/story-so-far.ts';
import { optionsJson, readOptions } from '../src/discord/command-options.ts';
import type { SlashCommand } from '../src/discord/command-types.ts';
import { recapEmbed } from '../src/discord/recap-embed.ts';

const options = [
  {
    type: ApplicationCommandOptionType.Boolean,
    name: 'public',
    description: 'Show the recap to the whole table (default: only you)',
  },
] as const;

export const recap: SlashCommand = {
  data: {
    name: 'recap',
    description: 'The story so far: the summary, the latest turns and the current scene',
    contexts: [InteractionContextType.Guild],
    options: optionsJson(options),
  },
  // Told from the store alone, without the model: instant and free. Like /scene it answers straight after its reads
  // (milliseconds) instead of deferring, so that "no campaign" stays private even when `public` was asked for.
  async execute(interaction, { store }) {
    const shown = readOptions(interaction, options).public === true;
    const channelId = interaction.channelId;
    const [campaign, scene, turns] = await Promise.all([store.getCampaign(channelId), store.getScene(channelId), store.getRecentTurns(channelId)]);
    if (campaign === undefined) {
      await interaction.reply({ content: 'No campaign has been played in this channel yet.', flags: MessageFlags.Ephemeral });
      return;
    }
    // A private recap reminds its reader of their own whispers; a public one never shows any.
    const ownWhispers = shown ? [] : (await store.getWhispers(campaign.campaignId)).filter((whisper) => whisper.playerId === interaction.user.id);
    const embed = recapEmbed(storySoFar(campaign, turns, scene?.metadata ?? null, ownWhispers));
    // Model and player text: it must never ping anyone, even in a public reply.
    await interaction.reply({
      embeds: [embed.toJSON()],
      allowedMentions: { parse: [] },
      ...(shown ? {} : { flags: MessageFlags.Ephemeral }),
    });
  },
};
