import { ApplicationCommandOptionType } from 'discord.js';
import { DEFAULT_ROUND_SECONDS, ROUND_SECONDS_RANGE } from '../../src/campaign/round.ts';
import type { TableSettings } from '../../src/campaign/types.ts';
import { optionsJson, readOptions } from '../../src/discord/command-options.ts';
import { announce, deferPrivately, refuseWithoutCampaign, tableOf, type GmSubcommand } from './subcommand.ts';

/** Discord has no empty string option: these words clear the table's limits. */
const CLEARING_WORDS = new Set(['', '-', 'none', 'clear', 'off']);

const options = [
  {
    type: ApplicationCommandOptionType.String,
    name: 'streaming',
    description: 'Show the DM writing as it goes (on), or each turn at once (off)',
    choices: [
      { name: 'on', value: 'on' },
      { name: 'off', value: 'off' },
    ],
  },
  {
    type: ApplicationCommandOptionType.String,
    name: 'messages',
    description: 'Every message is an action, or only /act, buttons and lines starting with >',
    choices: [
      { name: 'actions: every message is an action', value: 'actions' },
      { name: 'talk: messages are table talk', value: 'talk' },
    ],
  },
  {
    type: ApplicationCommandOptionType.String,
    name: 'length',
    description: 'How long the narration is',
    choices: [
      { name: 'short', value: 'short' },
      { name: 'normal', value: 'normal' },
      { name: 'long', value: 'long' },
    ],
  },
  {
    type: ApplicationCommandOptionType.String,
    name: 'limits',
    description: 'Lines (never shown), veils (off-screen only): "lines: spiders; veils: torture"; "none" clears',
    max_length: 1000,
  },
  {
    type: ApplicationCommandOptionType.String,
    name: 'rounds',
    description: 'Round mode: the DM waits for everyone who has been playing, then answers the round in one turn',
    choices: [
      { name: 'on', value: 'on' },
      { name: 'off', value: 'off' },
    ],
  },
  {
    type: ApplicationCommandOptionType.Integer,
    name: 'round_seconds',
    description: 'How long a round waits after its first action (10-600 s; default 60)',
    min_value: ROUND_SECONDS_RANGE.min,
    max_value: ROUND_SECONDS_RANGE.max,
  },
] as const;

export const config: GmSubcommand = {
  data: {
    type: ApplicationCommandOptionType.Subcommand,
    name: 'config',
    description: "This table's settings; without options, show them",
    options: optionsJson(options),
  },
  async execute(interaction, services) {
    const values = readOptions(interaction, options);
    const changes: Partial<TableSettings> = {};
    if (values.streaming !== null) changes.streaming = values.streaming === 'on';
    if (values.messages !== null) changes.messages = values.messages;
    if (values.length !== null) changes.length = values.length;
    if (values.limits !== null) changes.limits = CLEARING_WORDS.has(values.limits.trim().toLowerCase()) ? '' : values.limits.trim();
    if (values.rounds !== null) changes.rounds = values.rounds === 'on';
    if (values.round_seconds !== null) changes.roundSeconds = values.round_seconds;
    await deferPrivately(interaction);
    if (Object.keys(changes).length === 0) {
      const campaign = await services.store.getCampaign(interaction.channelId);
      if (campaign === undefined || campaign.status === 'ended') refuseWithoutCampaign('not_running');
      await interaction.editReply({ content: describeSettings(campaign.settings) });
      return;
    }
    const outcome = await tableOf(interaction, services).configure(changes);
    if (outcome.status !== 'configured') refuseWithoutCampaign(outcome.status);
    await interaction.editReply({ content: `Saved. ${describeSettings(outcome.settings)}` });
    const notices: string[] = [];
    if (changes.messages === 'talk') notices.push('⚙️ **Messages are now table talk.** Act with `/act`, the option buttons, or a line starting with `>`.');
    if (changes.messages === 'actions') notices.push('⚙️ **Every message is an action again.** Lines starting with `((` or `//` stay out of character.');
    if (changes.limits !== undefined) notices.push(changes.limits === '' ? "🛡️ The table's limits were cleared by the GM." : "🛡️ The GM updated the table's limits; the DM keeps to them from the next turn.");
    if (changes.rounds === true || (changes.roundSeconds !== undefined && outcome.settings.rounds === true)) {
      const seconds = outcome.settings.roundSeconds ?? DEFAULT_ROUND_SECONDS;
      notices.push(`⏳ **Rounds are on.** The DM waits until everyone who has been playing has acted (at most ${seconds} s after the first action), then answers the round in one turn.`);
    }
    if (changes.rounds === false) notices.push('⚙️ **Rounds are off.** The DM answers as actions come.');
    if (notices.length > 0) await announce(interaction, notices.join('\n'));
  },
};

function describeSettings(settings: TableSettings): string {
  const streaming = settings.streaming === null ? 'as the bot is set up' : settings.streaming ? 'on' : 'off';
  return [
    "**This table's settings**",
    `Streaming: ${streaming}`,
    `Messages: ${settings.messages === 'actions' ? 'every message is an action' : 'table talk (act with `/act`, buttons or `>`)'}`,
    `Length: ${settings.length}`,
    `Limits: ${settings.limits === '' ? 'none' : settings.limits}`,
    `Rounds: ${settings.rounds === true ? `on (at most ${settings.roundSeconds ?? DEFAULT_ROUND_SECONDS} s after the first action)` : 'off'}`,
  ].join('\n');
}
