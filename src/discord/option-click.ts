import { MessageFlags, type ButtonInteraction } from 'discord.js';
import type { CampaignRunner } from '../campaign/runner.ts';
import type { CampaignStore } from '../campaign/types.ts';
import { decodeCustomId } from './custom-id.ts';
import { refusalFor } from './describe-submit.ts';
import { playerName } from './player-name.ts';
import { buildRetiredOptionRows } from './render/disable-buttons.ts';

const PASSED = 'That choice has passed. Pick from the options of the latest turn, or just write what you do.';

/**
 * A click on an option button becomes the clicker's action, with the option's full text. The buttons
 * carry only a turn id and an index; the text comes from the store, so old and forged ids are harmless.
 */
export async function handleOptionClick(
  interaction: ButtonInteraction,
  services: { store: CampaignStore; runner: CampaignRunner },
): Promise<void> {
  const decoded = decodeCustomId(interaction.customId);
  if (decoded === null) {
    await interaction.reply({ content: 'That button is not one of mine.', flags: MessageFlags.Ephemeral });
    return;
  }
  const optionSet = await services.store.getOptionSet(decoded.turnId);
  const option = optionSet?.options[decoded.index];
  if (optionSet === undefined || option === undefined || optionSet.channelId !== interaction.channelId || !optionSet.live) {
    await interaction.reply({ content: PASSED, flags: MessageFlags.Ephemeral });
    return;
  }
  const name = playerName(interaction.user, interaction.inCachedGuild() ? interaction.member : null);
  const outcome = await services.runner.submit({
    channelId: interaction.channelId,
    action: {
      playerId: interaction.user.id,
      playerName: name,
      text: option,
      source: 'option',
      choice: { turnId: decoded.turnId, index: decoded.index },
    },
  });
  const refusal = refusalFor(outcome);
  if (refusal !== null) {
    await interaction.reply({ content: refusal, flags: MessageFlags.Ephemeral });
    return;
  }
  const line = `**${name}** chooses: ${option}`;
  if (outcome.status === 'queued') {
    await interaction.reply({ content: `${line}\n-# The DM will answer this with the next turn.` });
    return;
  }
  // The click that starts the next turn retires this turn's buttons in its own acknowledgement: interaction
  // callbacks cost nothing from the channel's write budget nor from the global limit, so the new turn's text keeps it.
  await interaction.update({ components: buildRetiredOptionRows(decoded.turnId, optionSet.options, decoded.index) });
  await interaction.followUp({ content: line });
}
