import type { Logger } from 'pino';
import type { PastTurn } from '../dm/types.ts';
import { FOLD_WHEN_UNSUMMARISED, RECENT_TURNS_IN_PROMPT } from './build-turn-context.ts';
import type { CampaignStore } from './types.ts';

export type Summariser = (input: { premise: string; summary: string; turns: PastTurn[] }) => Promise<string>;

/**
 * Real memory over long campaigns: once enough turns have piled up outside the summary, the oldest of them are
 * folded into it, leaving the last RECENT_TURNS_IN_PROMPT verbatim. Runs after a turn is delivered, so players
 * never wait for it; a failure keeps the old summary and is retried after the next turn.
 */
export async function foldOldTurns(input: { store: CampaignStore; channelId: string; summarise: Summariser; logger: Logger }): Promise<void> {
  const { store, channelId, logger } = input;
  try {
    const [campaign, turns] = await Promise.all([store.getCampaign(channelId), store.getRecentTurns(channelId)]);
    if (campaign === undefined) return;
    const unsummarised = turns.filter((turn) => turn.status === 'complete' && turn.number > campaign.summarisedThroughTurn);
    if (unsummarised.length < FOLD_WHEN_UNSUMMARISED) return;
    const toFold = unsummarised.slice(0, unsummarised.length - RECENT_TURNS_IN_PROMPT);
    const lastFolded = toFold.at(-1);
    if (lastFolded === undefined) return;
    const summary = await input.summarise({
      premise: campaign.premise,
      summary: campaign.summary,
      turns: toFold.map((turn) => ({ actions: turn.actions, narrative: turn.narrative, response: turn.response })),
    });
    // Read again: a GM command may have changed the campaign while the model was writing.
    const fresh = await store.getCampaign(channelId);
    if (fresh === undefined || fresh.summarisedThroughTurn >= lastFolded.number) return;
    await store.saveCampaign({ ...fresh, summary, summarisedThroughTurn: lastFolded.number });
    logger.info({ foldedTurns: toFold.length, throughTurn: lastFolded.number, summaryCharacters: summary.length }, 'folded turns into the summary');
  } catch (error) {
    logger.warn({ err: error, channelId }, 'could not fold old turns into the summary; will try after the next turn');
  }
}
