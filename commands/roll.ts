import { ApplicationCommandOptionType, InteractionContextType } from 'discord.js';
import { checkExpression, DICE_EXAMPLES, MAX_EXPRESSION_CHARACTERS } from '../src/campaign/dice.ts';
import { optionsJson, readOptions } from '../src/discord/command-options.ts';
import type { SlashCommand } from '../src/discord/command-types.ts';
import { plainText } from '../src/discord/plain-text.ts';
import { playerName } from '../src/discord/player-name.ts';
import { UserFacingError } from '../src/errors.ts';

/** A reason is a few words; it goes into the next turn's prompt. */
const REASON_MAX = 100;

const options = [
  {
    type: ApplicationCommandOptionType.String,
    name: 'dice',
    description: 'Dice to roll: 2d6+3, 4d6kh3, 2d20kl1, 3d6! (exploding) or d20+DEX from your character',
    required: true,
    max_length: MAX_EXPRESSION_CHARACTERS,
  },
  {
    type: ApplicationCommandOptionType.String,
    name: 'reason',
    description: 'What the roll is for (the DM hears of it)',
    max_length: REASON_MAX,
  },
] as const;

export const roll: SlashCommand = {
  data: {
    name: 'roll',
    description: 'Roll dice for everyone to see; in a campaign, the DM takes the result into the next turn',
    contexts: [InteractionContextType.Guild],
    options: optionsJson(options),
  },
  async execute(interaction, { tables }) {
    const values = readOptions(interaction, options);
    // Checked before anything is rolled or stored: a refused expression changes nothing.
    const checked = checkExpression(values.dice);
    if (!checked.ok) throw new UserFacingError(`${checked.problem}\nTry ${DICE_EXAMPLES}.`);
    const reason = (values.reason ?? '').replace(/\s+/g, ' ').trim().slice(0, REASON_MAX);
    const name = playerName(interaction.user, interaction.inCachedGuild() ? interaction.member : null);
    // Not deferred, like /act: the table's queue holds only short store writes, and a refusal must stay private.
    const outcome = await tables.of(interaction.channelId).roll({
      id: interaction.id,
      playerId: interaction.user.id,
      playerName: name,
      checked: checked.checked,
      reason,
    });
    if (outcome.status === 'refused') throw new UserFacingError(outcome.problem);
    const who = outcome.characterName === null ? plainText(name) : `${plainText(name)} (${plainText(outcome.characterName)})`;
    const purpose = reason === '' ? '' : ` for ${plainText(reason)}`;
    await interaction.reply({
      content: `🎲 ${who} rolls ${plainText(checked.checked.expression)}${purpose}: ${plainText(outcome.rolls)} = **${outcome.total}**`,
      allowedMentions: { parse: [] },
    });
  },
};
