import { ApplicationCommandOptionType, AttachmentBuilder } from 'discord.js';
import { renderCampaignLog } from '../../src/campaign/campaign-log.ts';
import { UserFacingError } from '../../src/errors.ts';
import { deferPrivately, type GmSubcommand } from './subcommand.ts';

/** Below the 10 MiB Discord lets a bot attach in a guild without boosts. */
const ATTACHMENT_LIMIT_BYTES = 8 * 1024 * 1024;

export const exportLog: GmSubcommand = {
  data: { type: ApplicationCommandOptionType.Subcommand, name: 'export', description: "The campaign's log as a Markdown file (only you see it)" },
  async execute(interaction, services) {
    await deferPrivately(interaction);
    // Reads only: the log's entries are written once each by the table and never rewritten whole.
    const campaign = await services.store.getCampaign(interaction.channelId);
    if (campaign === undefined) throw new UserFacingError('No campaign has been played in this channel yet.');
    const [entries, lore, whispers] = await Promise.all([
      services.store.getLog(campaign.campaignId, campaign.logLength),
      services.store.getLore(campaign.campaignId),
      services.store.getWhispers(campaign.campaignId),
    ]);
    let markdown = renderCampaignLog(campaign, entries, lore, whispers);
    if (Buffer.byteLength(markdown) > ATTACHMENT_LIMIT_BYTES) {
      markdown = `${Buffer.from(markdown).subarray(0, ATTACHMENT_LIMIT_BYTES - 200).toString('utf8')}\n\n_(cut here: the log is longer than Discord lets a bot attach)_\n`;
    }
    const date = campaign.createdAt.slice(0, 10);
    const file = new AttachmentBuilder(Buffer.from(markdown, 'utf8'), { name: `campaign-${date}.md`, description: 'Campaign log' });
    await interaction.editReply({
      content: `The log of this channel's ${campaign.status === 'ended' ? 'last' : 'current'} campaign: ${entries.length} entries.`,
      files: [file],
    });
  },
};
