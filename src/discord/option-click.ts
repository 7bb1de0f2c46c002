import { MessageFlags, type ButtonInteraction } from 'discord.js';
import type { CampaignRunner } from '../campaign/runner.ts';
import type { CampaignStore } from '../campaign/types.ts';
import { decodeCustomId } from './custom-id.ts';
import { refusalFor } from './describe-submit.ts';
import { playerName } from './player-name.ts';

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
  const queued = outcome.status === 'queued' ? '\n-# The DM will answer this with the next turn.' : '';
  await interaction.reply({ content: `**${name}** chooses: ${option}${queued}` });
}
