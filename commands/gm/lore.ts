import { ApplicationCommandOptionType, AttachmentBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { LORE_ENTRIES_MAX, LORE_EXAMPLE, LORE_KEYS_TEXT_MAX, LORE_TEXT_MAX } from '../../src/campaign/lorebook.ts';
import type { LoreEntry } from '../../src/campaign/types.ts';
import { optionsJson, readOptions } from '../../src/discord/command-options.ts';
import type { CommandServices } from '../../src/discord/command-types.ts';
import { plainText } from '../../src/discord/plain-text.ts';
import { UserFacingError } from '../../src/errors.ts';
import { deferPrivately, refuseWithoutCampaign, tableOf, type GmSubcommand } from './subcommand.ts';

// `/gm lore add|remove|list`: a subcommand group, so the lorebook's three verbs sit together under /gm. Changes go
// through the table's queue; the list only reads. Every answer is private: the lorebook holds the GM's secrets.

/** What one message may carry; past it, the list comes as a file so no entry is lost to the cut. */
const MESSAGE_LIMIT = 2000;
/** A fact is cut to this in the list message; the attached file has it whole. */
const LISTED_TEXT_MAX = 160;

const addOptions = [
  {
    type: ApplicationCommandOptionType.String,
    name: 'key',
    description: 'Key words that call the fact up, separated by commas: "Vell, drowned bell"',
    required: true,
    max_length: LORE_KEYS_TEXT_MAX,
  },
  { type: ApplicationCommandOptionType.String, name: 'text', description: 'The fact, as the DM should know it', required: true, max_length: LORE_TEXT_MAX },
] as const;

const removeOptions = [
  {
    type: ApplicationCommandOptionType.String,
    name: 'key',
    description: 'A key word of the entry to remove (every entry with it goes)',
    required: true,
    max_length: LORE_KEYS_TEXT_MAX,
  },
] as const;

export const lore: GmSubcommand = {
  data: {
    type: ApplicationCommandOptionType.SubcommandGroup,
    name: 'lore',
    description: "The campaign's lorebook: facts the DM is told when their key words come up",
    options: [
      { type: ApplicationCommandOptionType.Subcommand, name: 'add', description: 'Add a fact (the same key words again replace it)', options: optionsJson(addOptions) },
      { type: ApplicationCommandOptionType.Subcommand, name: 'remove', description: 'Remove the entries with a key word', options: optionsJson(removeOptions) },
      { type: ApplicationCommandOptionType.Subcommand, name: 'list', description: 'Every entry of the lorebook (only you see it)' },
    ],
  },
  async execute(interaction, services) {
    const subcommand = interaction.options.getSubcommand(true);
    if (subcommand === 'add') await addEntry(interaction, services);
    else if (subcommand === 'remove') await removeEntries(interaction, services);
    else if (subcommand === 'list') await listEntries(interaction, services);
    else throw new UserFacingError(`Unknown subcommand: lore ${subcommand}. Run \`npm run deploy-commands\` again?`);
  },
};

async function addEntry(interaction: ChatInputCommandInteraction, services: CommandServices): Promise<void> {
  const { key, text } = readOptions(interaction, addOptions);
  await deferPrivately(interaction);
  const outcome = await tableOf(interaction, services).addLoreEntry({ keys: key, text });
  if (outcome.status === 'invalid') throw new UserFacingError(outcome.problem);
  if (outcome.status !== 'added') refuseWithoutCampaign(outcome.status);
  const lead = outcome.replaced ? 'Replaced the entry with these key words.' : `Added to the lorebook (${outcome.count} of ${LORE_ENTRIES_MAX}).`;
  await interaction.editReply({ content: `${lead} The DM is told it when a key word comes up.\n${describeEntry(outcome.entry, LORE_TEXT_MAX)}` });
}

async function removeEntries(interaction: ChatInputCommandInteraction, services: CommandServices): Promise<void> {
  const { key } = readOptions(interaction, removeOptions);
  await deferPrivately(interaction);
  const outcome = await tableOf(interaction, services).removeLoreEntries(key);
  if (outcome.status === 'invalid') throw new UserFacingError(outcome.problem);
  if (outcome.status !== 'removed') refuseWithoutCampaign(outcome.status);
  if (outcome.removed.length === 0) {
    throw new UserFacingError(`No lore entry has the key word "${plainText(key)}". \`/gm lore list\` shows the keys; nothing was removed.`);
  }
  const removed = outcome.removed.map((entry) => describeEntry(entry, LISTED_TEXT_MAX)).join('\n');
  const count = outcome.removed.length === 1 ? 'one entry' : `${outcome.removed.length} entries`;
  await interaction.editReply({ content: fitMessage(`Removed ${count} (${outcome.count} left):\n${removed}`) });
}

async function listEntries(interaction: ChatInputCommandInteraction, services: CommandServices): Promise<void> {
  await deferPrivately(interaction);
  // Reads only: the lorebook is written by the table, one whole small record at a time.
  const campaign = await services.store.getCampaign(interaction.channelId);
  if (campaign === undefined || campaign.status === 'ended') refuseWithoutCampaign('not_running');
  const entries = await services.store.getLore(campaign.campaignId);
  if (entries.length === 0) {
    await interaction.editReply({ content: `The lorebook is empty. Add a fact with \`${LORE_EXAMPLE}\`` });
    return;
  }
  const head = `The lorebook (${entries.length} of ${LORE_ENTRIES_MAX}):`;
  const whole = [head, ...entries.map((entry) => describeEntry(entry, LORE_TEXT_MAX))].join('\n');
  if (whole.length <= MESSAGE_LIMIT) {
    await interaction.editReply({ content: whole });
    return;
  }
  const markdown = `# Lorebook\n\n${entries.map((entry) => `- **${entry.keys.join(', ')}**: ${entry.text.replace(/\s*\n+\s*/g, ' ')}`).join('\n')}\n`;
  const file = new AttachmentBuilder(Buffer.from(markdown, 'utf8'), { name: 'lorebook.md', description: 'The whole lorebook' });
  const short = [`${head} (every entry whole in the file)`, ...entries.map((entry) => describeEntry(entry, LISTED_TEXT_MAX))].join('\n');
  await interaction.editReply({ content: fitMessage(short), files: [file] });
}

/** One line: the keys in bold, then the fact (cut to `max` characters), both escaped so the GM's text shows as typed. */
function describeEntry(entry: LoreEntry, max: number): string {
  const text = [...entry.text].length > max ? `${[...entry.text].slice(0, max - 1).join('')}…` : entry.text;
  return `- **${plainText(entry.keys.join(', '))}**: ${plainText(text)}`;
}

/** Cut at a line under Discord's limit, saying so. */
function fitMessage(content: string): string {
  if (content.length <= MESSAGE_LIMIT) return content;
  const note = '\n…';
  const cut = content.slice(0, MESSAGE_LIMIT - note.length);
  const lastLine = cut.lastIndexOf('\n');
  return `${lastLine > 0 ? cut.slice(0, lastLine) : cut}${note}`;
}
