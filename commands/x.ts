import { InteractionContextType, MessageFlags } from 'discord.js';
import type { SlashCommand } from '../src/discord/command-types.ts';

// The X-card, a safety tool human tables use: anyone taps it, nobody has to explain, and nobody is named. The only
// answer is private; what the table sees is the withdrawn turn turning into "The scene shifts." and a new one.

const ANSWERS = {
  withdrawn: 'X-card tapped. The last turn is withdrawn and the DM takes the story another way. Nobody is told who tapped it.',
  nothing_to_withdraw: 'There is no turn to withdraw yet. The X-card works on the turn the DM is writing or has just written.',
  busy: 'The GM is posting a narration right now. Tap the X-card again in a moment.',
  not_running: 'No campaign is running in this channel.',
  shutting_down: 'The DM is restarting. Tap the X-card again in a few seconds.',
} as const;

export const x: SlashCommand = {
  data: {
    name: 'x',
    description: 'The X-card: withdraw the last turn, anonymously, and let the story go another way',
    contexts: [InteractionContextType.Guild],
  },
  async execute(interaction, { tables }) {
    // Private from the first byte: a public "thinking…" would name the tapper.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const outcome = await tables.of(interaction.channelId).withdraw();
    await interaction.editReply({ content: ANSWERS[outcome.status] });
  },
};
