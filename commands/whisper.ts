import { ApplicationCommandOptionType, InteractionContextType, MessageFlags } from 'discord.js';
import type { WhisperOutcome } from '../src/campaign/table-outcomes.ts';
import { MAX_WHISPER_CHARACTERS } from '../src/campaign/whispers.ts';
import { optionsJson, readOptions } from '../src/discord/command-options.ts';
import type { SlashCommand } from '../src/discord/command-types.ts';
import { budgetSpentRefusal, tooFastRefusal } from '../src/discord/describe-spending.ts';
import { playerName } from '../src/discord/player-name.ts';
import { shortenLabel } from '../src/discord/render/button-label.ts';
import { createReplyStream } from '../src/discord/render/reply-stream.ts';

// A private action: the DM answers the whisperer alone, streamed into an ephemeral reply. Nothing of it is public:
// not the command (deferred privately from the first byte), not the answer, not a refusal.

/** The whisper as its player sees it above the answer: enough to recognise it. */
const ECHO_CHARACTERS = 200;

const options = [
  {
    type: ApplicationCommandOptionType.String,
    name: 'text',
    description: 'What your character does or says, for the DM alone',
    required: true,
    min_length: 1,
    max_length: MAX_WHISPER_CHARACTERS,
  },
] as const;

const NOT_KEPT = '-# *(The campaign ended while the DM answered: this whisper is not part of the story.)*';

function refusal(outcome: Exclude<WhisperOutcome, { status: 'answered' }>): string {
  switch (outcome.status) {
    case 'failed':
      return outcome.reason === 'restarting'
        ? 'The DM is restarting and could not finish answering. Nothing was kept: whisper again in a few seconds.'
        : 'The DM could not answer your whisper just now. Nothing was kept: try again in a moment.';
    case 'too_long':
      return `A whisper is at most ${outcome.limit} characters. Try saying it in fewer words.`;
    case 'not_active':
      return 'No campaign is running in this channel. A GM can start one with `/gm start`.';
    case 'paused':
      return 'The table is paused: whisper again once a GM uses `/gm resume`.';
    case 'not_opened':
      return 'The DM is still setting the first scene. Whisper once you can see it.';
    case 'busy':
      return 'The DM is still answering your previous whisper. Read it, then whisper again.';
    case 'budget_spent':
      return budgetSpentRefusal(outcome.scope, outcome.resetAt);
    case 'too_fast':
      return tooFastRefusal(outcome.perMinute, outcome.retryAt);
    case 'shutting_down':
      return 'The DM is restarting. Whisper again in a few seconds.';
  }
}

export const whisper: SlashCommand = {
  data: {
    name: 'whisper',
    description: 'Tell the DM something privately: only you read the answer, the table never does',
    contexts: [InteractionContextType.Guild],
    options: optionsJson(options),
  },
  async execute(interaction, { tables, logger }) {
    // Private from the first byte: a public "thinking…" would tell the table that someone whispered.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const text = readOptions(interaction, options).text.trim();
    if (text === '') {
      await interaction.editReply({ content: 'Write what you whisper, for example `/whisper text: I pocket the letter while nobody looks`.' });
      return;
    }
    const name = playerName(interaction.user, interaction.inCachedGuild() ? interaction.member : null);
    // Model and player text: it must never ping anyone, even privately.
    const quiet = { allowedMentions: { parse: [] } } as const;
    const stream = createReplyStream(
      {
        edit: (content) => interaction.editReply({ content, ...quiet }),
        followUp: (content) => interaction.followUp({ content, flags: MessageFlags.Ephemeral, ...quiet }),
      },
      {
        head: `-# 🤫 You whisper: ${shortenLabel(text, ECHO_CHARACTERS)}\n`,
        onError: (error) => logger.warn({ err: error, interactionId: interaction.id }, 'could not write a whisper reply'),
      },
    );
    const outcome = await tables.of(interaction.channelId).whisper({ id: interaction.id, playerId: interaction.user.id, playerName: name, text }, (piece) => stream.push(piece));
    if (outcome.status === 'answered') {
      await stream.finish(outcome.answer, outcome.kept ? undefined : NOT_KEPT);
      return;
    }
    await stream.stop();
    await interaction.editReply({ content: refusal(outcome), ...quiet });
  },
};
