import { MessageFlags, type RepliableInteraction } from 'discord.js';
import type { Logger } from 'pino';
import { isStoreUnreachable } from '../campaign/store-failure.ts';
import { UserFacingError } from '../errors.ts';

const GENERIC_FAILURE = 'Something went wrong on our side. The GM can try again in a moment.';
const STORE_UNREACHABLE = "The DM's memory is unreachable right now, so this could not be done. Try again shortly.";

/**
 * A UserFacingError is shown as it is; a store that does not answer is named (it passes by itself); anything else is
 * logged and the user gets a short generic line.
 */
export async function replyWithError(interaction: RepliableInteraction, error: unknown, logger: Logger): Promise<void> {
  const unreachable = isStoreUnreachable(error);
  const content = error instanceof UserFacingError ? error.message : unreachable ? STORE_UNREACHABLE : GENERIC_FAILURE;
  if (unreachable) logger.warn({ err: error, interactionId: interaction.id }, 'interaction refused: the store is unreachable');
  else if (!(error instanceof UserFacingError)) logger.error({ err: error, interactionId: interaction.id }, 'interaction failed');
  try {
    // A deferred reply still shows "thinking…": the error takes its place (it is as private as the deferral was).
    if (interaction.deferred && !interaction.replied) await interaction.editReply({ content });
    else if (interaction.replied) await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
    else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  } catch (replyError) {
    logger.warn({ err: replyError, interactionId: interaction.id }, 'could not tell the user about an error');
  }
}
