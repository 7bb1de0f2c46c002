import { ApplicationCommandOptionType, InteractionContextType, MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import {
  CHARACTER_CONCEPT_MAX,
  CHARACTER_DESCRIPTION_MAX,
  CHARACTER_NAME_MAX,
  describeModifiers,
  MODIFIERS_EXAMPLE,
} from '../src/campaign/character-sheet.ts';
import { optionsJson, readOptions } from '../src/discord/command-options.ts';
import type { CommandServices, SlashCommand } from '../src/discord/command-types.ts';
import { plainText } from '../src/discord/plain-text.ts';
import { playerName } from '../src/discord/player-name.ts';
import type { CharacterSheet } from '../src/dm/types.ts';
import { UserFacingError } from '../src/errors.ts';

// One sheet per player per campaign, written through the table (it feeds prompts and rolls) and read straight from
// the store to show it. Every answer goes only to whoever asked, but a sheet is no secret: anyone at the table can
// read it with `/character show player:`, and the DM may draw on it in public. Secrets go through `/whisper`.

const NO_CAMPAIGN = 'Characters belong to a campaign, and none is running in this channel. A GM starts one with `/gm start`.';

const setOptions = [
  { type: ApplicationCommandOptionType.String, name: 'name', description: "Your character's name", max_length: CHARACTER_NAME_MAX },
  { type: ApplicationCommandOptionType.String, name: 'concept', description: 'Who they are in a few words, like "a half-elf scout"', max_length: CHARACTER_CONCEPT_MAX },
  { type: ApplicationCommandOptionType.String, name: 'description', description: 'Looks, manner, background: anyone at the table can read it (keep secrets for /whisper)', max_length: CHARACTER_DESCRIPTION_MAX },
  { type: ApplicationCommandOptionType.String, name: 'modifiers', description: `Ability modifiers (-5 to +10), like ${MODIFIERS_EXAMPLE}`, max_length: 100 },
] as const;

export const character: SlashCommand = {
  data: {
    name: 'character',
    description: 'Your character in this campaign',
    contexts: [InteractionContextType.Guild],
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'set',
        description: 'Create or change your character; options left out keep their value',
        options: optionsJson(setOptions),
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'show',
        description: "Show your character, or another player's (only you see it)",
        options: [{ type: ApplicationCommandOptionType.User, name: 'player', description: 'Whose character (you, if left out)' }],
      },
    ],
  },
  async execute(interaction, services) {
    const subcommand = interaction.options.getSubcommand(true);
    if (subcommand === 'set') await setCharacter(interaction, services);
    else if (subcommand === 'show') await showCharacter(interaction, services);
    else throw new UserFacingError(`Unknown subcommand: ${subcommand}. Run \`npm run deploy-commands\` again?`);
  },
};

async function setCharacter(interaction: ChatInputCommandInteraction, { tables }: CommandServices): Promise<void> {
  const values = readOptions(interaction, setOptions);
  if (Object.values(values).every((value) => value === null)) {
    throw new UserFacingError(`Give at least one of name, concept, description or modifiers, for example \`/character set name: Vex modifiers: ${MODIFIERS_EXAMPLE}\`.`);
  }
  const outcome = await tables.of(interaction.channelId).setCharacter({
    playerId: interaction.user.id,
    playerName: playerName(interaction.user, interaction.inCachedGuild() ? interaction.member : null),
    changes: values,
  });
  if (outcome.status === 'not_running' || outcome.status === 'shutting_down') throw new UserFacingError(NO_CAMPAIGN);
  if (outcome.status === 'invalid') throw new UserFacingError(outcome.problem);
  const lead = outcome.created ? 'Your character is ready. The DM knows them from the next turn.' : 'Saved. The DM knows the change from the next turn.';
  await interaction.reply({ content: `${lead}\n\n${describeSheet(outcome.sheet)}`, flags: MessageFlags.Ephemeral });
}

async function showCharacter(interaction: ChatInputCommandInteraction, { store }: CommandServices): Promise<void> {
  const user = interaction.options.getUser('player') ?? interaction.user;
  const self = user.id === interaction.user.id;
  const campaign = await store.getCampaign(interaction.channelId);
  if (campaign === undefined || campaign.status === 'ended') throw new UserFacingError(NO_CAMPAIGN);
  const sheet = (await store.getCharacters(campaign.campaignId))[user.id];
  if (sheet === undefined) {
    const member = interaction.inCachedGuild() ? interaction.options.getMember('player') : null;
    throw new UserFacingError(
      self
        ? 'You have no character in this campaign yet. Make one with `/character set name: …`.'
        : `${plainText(playerName(user, member))} has no character in this campaign yet.`,
    );
  }
  await interaction.reply({ content: describeSheet(sheet), flags: MessageFlags.Ephemeral });
}

function describeSheet(sheet: CharacterSheet): string {
  const modifiers = describeModifiers(sheet.modifiers);
  return [
    `**${plainText(sheet.name)}**${sheet.concept === '' ? '' : `, ${plainText(sheet.concept)}`}`,
    ...(sheet.description === '' ? [] : [plainText(sheet.description)]),
    `Modifiers: ${modifiers === '' ? 'none' : modifiers}`,
  ].join('\n');
}
