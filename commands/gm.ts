import {
  ApplicationCommandOptionType,
  InteractionContextType,
  MessageFlags,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { Campaign } from '../src/campaign/types.ts';
import type { CommandServices, SlashCommand } from '../src/discord/command-types.ts';
import { requireBotPermissions } from '../src/discord/bot-permissions.ts';
import { requireGameMaster } from '../src/discord/gm-permission.ts';
import { UserFacingError } from '../src/errors.ts';

const DEFAULT_PREMISE = 'A band of adventurers meets in a crowded tavern at the edge of a wild, half-mapped frontier.';
const DEFAULT_TONE = 'heroic fantasy, with wonder, danger and a little humour';
const PREMISE_LIMIT = 1000;
const TONE_LIMIT = 200;

type Subcommand = (interaction: ChatInputCommandInteraction, services: CommandServices) => Promise<void>;

const subcommands: Record<string, Subcommand> = {
  async start(interaction, { store, runner }) {
    requireBotPermissions(interaction);
    const existing = await store.getCampaign(interaction.channelId);
    if (existing !== undefined && existing.status !== 'ended') {
      throw new UserFacingError('A campaign is already running in this channel. End it first with `/gm end`.');
    }
    const premise = interaction.options.getString('premise')?.trim() || DEFAULT_PREMISE;
    const tone = interaction.options.getString('tone')?.trim() || DEFAULT_TONE;
    const now = new Date().toISOString();
    const campaign: Campaign = {
      channelId: interaction.channelId,
      guildId: interaction.guildId ?? '',
      status: 'active',
      premise,
      tone,
      summary: '',
      summarisedThroughTurn: 0,
      party: [],
      settings: { streaming: null },
      startedBy: interaction.user.id,
      createdAt: now,
      updatedAt: now,
      turnCount: 0,
    };
    await store.startOver(interaction.channelId);
    await store.saveCampaign(campaign);
    await interaction.reply({
      content: [
        '🎲 **A new campaign begins.**',
        `**Premise:** ${premise}`,
        `**Tone:** ${tone}`,
        '-# Write in this channel to act, or use `/act`. Lines starting with `((` or `//` are out of character.',
      ].join('\n'),
    });
    await runner.open(interaction.channelId);
  },

  async end(interaction, { store }) {
    const campaign = await store.getCampaign(interaction.channelId);
    if (campaign === undefined || campaign.status === 'ended') {
      throw new UserFacingError('No campaign is running in this channel.');
    }
    await store.saveCampaign({ ...campaign, status: 'ended', updatedAt: new Date().toISOString() });
    await interaction.reply({
      content: `📜 **The campaign has ended** after ${campaign.turnCount} turns. Thanks for playing! A GM can start a new one with \`/gm start\`.`,
    });
  },
};

export const gm: SlashCommand = {
  data: {
    name: 'gm',
    description: "Game Master controls for this channel's campaign",
    contexts: [InteractionContextType.Guild],
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'start',
        description: 'Start a campaign in this channel; the DM opens the first scene',
        options: [
          {
            type: ApplicationCommandOptionType.String,
            name: 'premise',
            description: 'What the campaign is about',
            max_length: PREMISE_LIMIT,
          },
          {
            type: ApplicationCommandOptionType.String,
            name: 'tone',
            description: 'How it should feel (grim, heroic, comic…)',
            max_length: TONE_LIMIT,
          },
        ],
      },
      { type: ApplicationCommandOptionType.Subcommand, name: 'end', description: 'End the campaign in this channel' },
    ],
  },
  async execute(interaction, services) {
    requireGameMaster(interaction, services.gmRoleNames);
    const name = interaction.options.getSubcommand(true);
    const subcommand = subcommands[name];
    if (subcommand === undefined) throw new UserFacingError(`Unknown subcommand: ${name}.`);
    await subcommand(interaction, services);
  },
};
