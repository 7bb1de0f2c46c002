import {
  MessageFlags,
  type APIApplicationCommandSubcommandGroupOption,
  type APIApplicationCommandSubcommandOption,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { Table } from '../../src/campaign/table.ts';
import type { CommandServices } from '../../src/discord/command-types.ts';
import { UserFacingError } from '../../src/errors.ts';

/**
 * One `/gm` subcommand, or a group of them (`lore`): its JSON (part of /gm's data) and what it does. The GM check has
 * passed before it runs; a group picks its own subcommand.
 */
export type GmSubcommand = {
  data: APIApplicationCommandSubcommandOption | APIApplicationCommandSubcommandGroupOption;
  execute(interaction: ChatInputCommandInteraction, services: CommandServices): Promise<void>;
};

/**
 * Every subcommand touches the store, so it acknowledges first (privately: the GM's answer is ephemeral), then asks
 * the channel's table. What the table must see is posted as a public follow-up, which costs nothing from the
 * channel's write budget.
 */
export async function deferPrivately(interaction: ChatInputCommandInteraction): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
}

export function tableOf(interaction: ChatInputCommandInteraction, services: CommandServices): Table {
  return services.tables.of(interaction.channelId);
}

/** The answers every GM request can get when there is nothing to act on. */
export function refuseWithoutCampaign(status: 'not_running' | 'shutting_down'): never {
  if (status === 'shutting_down') throw new UserFacingError('The DM is restarting. Try again in a few seconds.');
  throw new UserFacingError('No campaign is running in this channel. Start one with `/gm start`.');
}

/** Says publicly what the table must know; the GM's own answer was already given privately. */
export async function announce(interaction: ChatInputCommandInteraction, content: string): Promise<void> {
  await interaction.followUp({ content });
}

/** "Alice, Bob and Carol": the names of the players whose actions a command dropped. */
export function namesOf(actions: readonly { playerName: string }[]): string {
  const names = [...new Set(actions.map((action) => `**${action.playerName}**`))];
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** "1 action", "2 actions". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
