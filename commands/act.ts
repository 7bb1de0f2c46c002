import { ApplicationCommandOptionType, InteractionContextType, MessageFlags } from 'discord.js';
import { MESSAGE_CONTENT_LIMIT } from '../src/constants.ts';
import { HELD_ACTION_NOTE, refusalFor } from '../src/discord/describe-submit.ts';
import { playerName } from '../src/discord/player-name.ts';
import { shortenLabel } from '../src/discord/render/button-label.ts';
import { offerLane } from '../src/discord/render/interaction-lanes.ts';
import type { SlashCommand } from '../src/discord/command-types.ts';

export const act: SlashCommand = {
  data: {
    name: 'act',
    description: 'Tell the DM what your character does',
    contexts: [InteractionContextType.Guild],
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'action',
        description: 'What your character does or says',
        required: true,
        min_length: 1,
        max_length: 2000,
      },
    ],
  },
  async execute(interaction, { tables, lanes, intake }) {
    const text = interaction.options.getString('action', true).trim();
    const name = playerName(interaction.user, interaction.inCachedGuild() ? interaction.member : null);
    if (text === '') {
      await interaction.reply({ content: 'Write what your character does, for example `/act action: I open the door`.', flags: MessageFlags.Ephemeral });
      return;
    }
    // Offered before the table hears of it: the turn this action starts may stream through this interaction's webhook.
    const lane = lanes === undefined ? undefined : offerLane(lanes, interaction);
    const outcome = await tables.of(interaction.channelId).submit({
      id: interaction.id,
      playerId: interaction.user.id,
      playerName: name,
      text,
      source: 'command',
    });
    // As a click's answer: after the input behind it (gateway-intake.ts), so its model call leaves first.
    await intake?.afterInputTaken();
    const refusal = refusalFor(outcome);
    if (refusal !== null) {
      lane?.withdraw();
      await interaction.reply({ content: refusal, flags: MessageFlags.Ephemeral });
      return;
    }
    const queued = outcome.status === 'queued' ? `\n-# ${outcome.held === true ? HELD_ACTION_NOTE : 'The DM will answer this with the next turn.'}` : '';
    const prefix = `**${name}**: `;
    // The action may be a full 2000 characters: the echo is shortened to fit one message (the DM gets it whole).
    const room = MESSAGE_CONTENT_LIMIT - prefix.length - queued.length;
    const shown = text.length > room ? shortenLabel(text, room) : text;
    await interaction.reply({ content: `${prefix}${shown}${queued}` });
    lane?.acknowledge();
  },
};
