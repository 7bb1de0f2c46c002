import { MessageFlags, type ButtonInteraction } from 'discord.js';
import type { Tables } from '../campaign/tables.ts';
import { decodeRetryId } from './custom-id.ts';
import { playerName } from './player-name.ts';

/**
 * "Try again" under a failed turn: the table runs its kept actions now. Anyone at the table may press it; the table
 * decides whether it still applies, so a double press, an old button or a forged id changes nothing.
 */
export async function handleRetryClick(interaction: ButtonInteraction, services: { tables: Tables }): Promise<void> {
  const decoded = decodeRetryId(interaction.customId);
  if (decoded === null) {
    await interaction.reply({ content: 'That button is not one of mine.', flags: MessageFlags.Ephemeral });
    return;
  }
  const outcome = await services.tables.of(interaction.channelId).retry(decoded.turnId);
  switch (outcome.status) {
    case 'retrying': {
      // The button goes in the click's own acknowledgement (free of the channel's write budget), with who pressed it.
      const name = playerName(interaction.user, interaction.inCachedGuild() ? interaction.member : null);
      await interaction.update({ components: [] });
      await interaction.followUp({ content: `🔁 **${name}** asks the DM to try again.`, allowedMentions: { parse: [] } });
      return;
    }
    case 'already_running':
      await interaction.reply({ content: 'The DM is already on it.', flags: MessageFlags.Ephemeral });
      return;
    case 'passed':
      await interaction.update({ components: [] });
      await interaction.followUp({ content: 'Those actions have been answered since.', flags: MessageFlags.Ephemeral });
      return;
    case 'paused':
      await interaction.reply({ content: 'The table is paused: the DM is listening again once a GM uses `/gm resume`.', flags: MessageFlags.Ephemeral });
      return;
    case 'not_running':
      await interaction.reply({ content: 'No campaign is running in this channel.', flags: MessageFlags.Ephemeral });
      return;
    case 'shutting_down':
      await interaction.reply({ content: 'The DM is restarting. Try again in a few seconds.', flags: MessageFlags.Ephemeral });
      return;
  }
}
