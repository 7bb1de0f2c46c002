import { MessageFlags, type Interaction } from 'discord.js';
import type { Logger } from 'pino';
import type { CommandServices, SlashCommand } from './command-types.ts';
import { decodeRetryId } from './custom-id.ts';
import { handleOptionClick } from './option-click.ts';
import { handleRetryClick } from './retry-click.ts';
import { replyWithError } from './reply-with-error.ts';

/** The one place interactions are dispatched: slash commands by name, buttons by their custom_id. */
export function createInteractionRouter(input: { commands: SlashCommand[]; services: CommandServices; logger: Logger }) {
  const byName = new Map(input.commands.map((command) => [command.data.name, command]));
  return async (interaction: Interaction): Promise<void> => {
    if (!interaction.isRepliable()) return;
    const logger = input.logger.child({ interactionId: interaction.id, guildId: interaction.guildId, channelId: interaction.channelId });
    try {
      if (!interaction.inGuild()) {
        await interaction.reply({ content: 'Campaigns are played in server channels.', flags: MessageFlags.Ephemeral });
        return;
      }
      if (interaction.isChatInputCommand()) {
        const command = byName.get(interaction.commandName);
        if (command === undefined) {
          await interaction.reply({ content: 'That command is not known here any more.', flags: MessageFlags.Ephemeral });
          return;
        }
        await command.execute(interaction, { ...input.services, logger });
        return;
      }
      if (interaction.isButton()) {
        if (decodeRetryId(interaction.customId) !== null) await handleRetryClick(interaction, input.services);
        else await handleOptionClick(interaction, input.services);
        return;
      }
    } catch (error) {
      await replyWithError(interaction, error, logger);
    }
  };
}
