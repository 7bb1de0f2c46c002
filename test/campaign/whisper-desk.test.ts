import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { whisper } from '../../commands/whisper.ts';
import { createActionRate } from '../../src/campaign/action-rate.ts';
import type { CommandServices } from '../../src/discord/command-types.ts';
import { phaseOf } from '../support/dm-script.ts';
import { useTableWorld } from '../support/table-world.ts';

// A whisper longer than the table takes. Discord's client never sends more than the option's 1000 characters (the
// e2e test shows the emulated client refusing 4000), so the bot's own limit is checked here, on the real table and
// its whisper desk, the real orchestrator and the fake model: a whisper over the limit is refused before anything is
// spent or kept, and its player reads why.

const logger = pino({ level: 'silent' });
const world = useTableWorld('whisper-desk');
const CHANNEL = '1200000000000000002';
const GUILD = '1300000000000000002';
const TOO_LONG = 'A whisper is at most 1000 characters. Try saying it in fewer words.';

/** The channel's table on the real orchestrator, with a campaign whose opening was delivered: whispers are open. */
async function openedTable(actionsPerMinute: number) {
  const tables = world.openTables({ actionRate: createActionRate({ perMinute: actionsPerMinute }) });
  const table = tables.of(CHANNEL);
  expect((await table.start({ guildId: GUILD, premise: 'Smugglers in a drowned city', tone: 'grim', startedBy: 'gm' })).status).toBe('started');
  await table.idle();
  return { tables, table };
}

function whisperRequests() {
  return world.fake.requests.filter((request) => phaseOf(request) === 'whisper');
}

async function keptWhispers() {
  const campaign = await world.store.getCampaign(CHANNEL);
  return campaign === undefined ? [] : world.store.getWhispers(campaign.campaignId);
}

/** `/whisper text:` as the bot receives it, recording every answer the player would be shown. */
function whisperCommand(text: string) {
  const answers: Array<{ call: 'deferReply' | 'editReply' | 'followUp'; body: unknown }> = [];
  const interaction = {
    id: '1400000000000000001',
    channelId: CHANNEL,
    user: { id: 'p1', username: 'alice', displayName: 'Alice' },
    inCachedGuild: () => false,
    options: { get: (name: string) => (name === 'text' ? { value: text } : null) },
    deferReply: async (body: unknown) => void answers.push({ call: 'deferReply', body }),
    editReply: async (body: unknown) => void answers.push({ call: 'editReply', body }),
    followUp: async (body: unknown) => void answers.push({ call: 'followUp', body }),
  };
  return { interaction: interaction as unknown as ChatInputCommandInteraction, answers };
}

describe('a whisper over the limit', () => {
  it('is refused before the model is asked, spends none of the action rate, and is not kept', async () => {
    // One action a minute: a refused whisper that took the player's place would leave the next one "too fast".
    const { table } = await openedTable(1);
    const pieces: string[] = [];
    const request = { id: 'w1', playerId: 'p1', playerName: 'Alice', text: 'x'.repeat(4000) };

    expect(await table.whisper(request, (piece) => void pieces.push(piece))).toEqual({ status: 'too_long', limit: 1000 });
    // Counted as Discord counts, in code points: 1001 emoji (2002 UTF-16 units) are over, 1000 are within.
    expect(await table.whisper({ ...request, id: 'w2', text: '🔑'.repeat(1001) }, (piece) => void pieces.push(piece))).toEqual({ status: 'too_long', limit: 1000 });
    expect(pieces).toEqual([]);
    expect(whisperRequests()).toEqual([]);
    expect(await keptWhispers()).toEqual([]);

    const within = await table.whisper({ ...request, id: 'w3', text: '🔑'.repeat(1000) }, (piece) => void pieces.push(piece));
    expect(within).toMatchObject({ status: 'answered', kept: true });
    expect(whisperRequests()).toHaveLength(1);
    expect((await keptWhispers()).map((kept) => kept.id)).toEqual(['w3']);
  });

  it('tells its player the limit, privately, and nothing else', async () => {
    const { tables } = await openedTable(0);
    const { interaction, answers } = whisperCommand('x'.repeat(4000));

    await whisper.execute(interaction, { tables, logger } as unknown as CommandServices);

    expect(answers).toEqual([
      { call: 'deferReply', body: { flags: MessageFlags.Ephemeral } },
      { call: 'editReply', body: { content: TOO_LONG, allowedMentions: { parse: [] } } },
    ]);
    expect(whisperRequests()).toEqual([]);
    expect(await keptWhispers()).toEqual([]);
  });
});
