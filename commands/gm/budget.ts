import { ApplicationCommandOptionType } from 'discord.js';
import { optionsJson, readOptions } from '../../src/discord/command-options.ts';
import { spendingReportEmbed, tokens } from '../../src/discord/describe-spending.ts';
import { UserFacingError } from '../../src/errors.ts';
import { announce, deferPrivately, refuseWithoutCampaign, tableOf, type GmSubcommand } from './subcommand.ts';

const options = [
  {
    type: ApplicationCommandOptionType.Integer,
    name: 'daily_tokens',
    description: "This table's own daily token budget, at most the operator's ceiling (0: back to the ceiling)",
    min_value: 0,
  },
] as const;

export const budget: GmSubcommand = {
  data: {
    type: ApplicationCommandOptionType.Subcommand,
    name: 'budget',
    description: "Tokens this table and this server spent today and this month; set this table's daily budget",
    options: optionsJson(options),
  },
  async execute(interaction, services) {
    const dailyTokens = readOptions(interaction, options).daily_tokens;
    const { spending, store } = services;
    const channelId = interaction.channelId;
    // /gm exists only in servers (its contexts), so there is always a guild.
    const guildId = interaction.guildId ?? '';
    const ceiling = spending.budgets.dailyTokensPerChannel;
    // A GM may spend less than the operator allows, never more.
    if (dailyTokens !== null && ceiling > 0 && dailyTokens > ceiling) {
      throw new UserFacingError(
        `This table's budget can be at most ${tokens(ceiling)} tokens a day: the ceiling the bot's operator set for every channel. Choose ${tokens(ceiling)} or less (0 goes back to the ceiling).`,
      );
    }
    await deferPrivately(interaction);
    const campaign = await store.getCampaign(channelId);
    if (dailyTokens === null) {
      const report = await spending.report({ guildId, channelId, tableDailyTokens: campaign?.settings.dailyTokens });
      await interaction.editReply({ embeds: [spendingReportEmbed(report).toJSON()] });
      return;
    }
    const spentBefore = await spending.spent({ guildId, channelId, tableDailyTokens: campaign?.settings.dailyTokens });
    // 0 is "no budget of its own": the operator's ceiling applies again.
    const outcome = await tableOf(interaction, services).configure({ dailyTokens: dailyTokens === 0 ? undefined : dailyTokens });
    if (outcome.status !== 'configured') refuseWithoutCampaign(outcome.status);
    const tableDailyTokens = outcome.settings.dailyTokens;
    spending.budgetChanged(channelId);
    const report = await spending.report({ guildId, channelId, tableDailyTokens });
    const saved =
      tableDailyTokens === undefined
        ? `Saved: this table has no budget of its own; ${ceiling === 0 ? 'the operator set no ceiling per channel' : `the ceiling of ${tokens(ceiling)} tokens a day applies`}.`
        : `Saved: this table may spend ${tokens(tableDailyTokens)} tokens a day.`;
    await interaction.editReply({ content: saved, embeds: [spendingReportEmbed(report).toJSON()] });
    const spentAfter = await spending.spent({ guildId, channelId, tableDailyTokens });
    if (spentBefore?.scope === 'channel' && spentAfter === null) {
      await announce(interaction, "🪙 **The GM raised this table's token budget for today.** The DM is listening again.");
    }
  },
};
