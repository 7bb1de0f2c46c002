import type { Logger } from 'pino';
import type { Orchestrator } from '../dm/orchestrator.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { PlayerAction, TurnContext } from '../dm/types.ts';
import type { ActionRate } from './action-rate.ts';
import { buildTurnContext, deliveredTurns } from './build-turn-context.ts';
import { joinParty } from './join-party.ts';
import type { SpendingLedger } from './spending-ledger.ts';
import { WHISPERS_KEPT } from './store-keys.ts';
import type { WhisperOutcome } from './table-outcomes.ts';
import type { TableRecords } from './table-records.ts';
import type { Campaign, CampaignStore, StoredWhisper } from './types.ts';
import { MAX_WHISPER_CHARACTERS } from './whispers.ts';

// A table's whispers (`/whisper`): private actions the DM answers for one player alone, beside the public turns.
//
// Rules. A whisper never enters the turn loop and never waits for a turn: it is answered at once, streamed to its
// player, from the state as it stands (read in one task of the table's queue). The model runs outside the queue, like
// a turn's. The whisper is then recorded by a second queue task, only if the same campaign is still on the table, so
// a whisper answered while the GM ended the campaign cannot reach the next one. One whisper per player at a time.
// A whisper whose model call fails, or that a shutdown interrupts, is not recorded and the player is told to send it
// again: it was never acknowledged as taken, only answered or not. Budgets and the action rate apply as to actions;
// the answer's tokens are counted as the `whisper` phase, and a whisper is not a turn.

export type WhisperDeskDependencies = {
  channelId: string;
  store: CampaignStore;
  records: TableRecords;
  /** The table's queue: every read and write of the channel's records goes through it. */
  serialise<T>(task: () => Promise<T>): Promise<T>;
  orchestrator: Orchestrator;
  logger: Logger;
  streaming: boolean;
  isShuttingDown(): boolean;
  spending?: SpendingLedger | undefined;
  actionRate?: ActionRate | undefined;
  metrics?: Pick<Metrics, 'whisperTokens'> | undefined;
};

export type WhisperRequest = { id: string; playerId: string; playerName: string; text: string };

type Begun = { context: TurnContext; campaign: Campaign; whisper: Omit<StoredWhisper, 'answer' | 'whisperedAt'> };

export function createWhisperDesk(dependencies: WhisperDeskDependencies) {
  const { channelId, store, records, serialise, orchestrator } = dependencies;
  const logger = dependencies.logger.child({ module: 'whisper' });
  /** Players whose whisper is being answered, and the model calls to abort at shutdown. */
  const answering = new Set<string>();
  const running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();

  function begin(request: WhisperRequest): Promise<Begun | WhisperOutcome> {
    return serialise(async (): Promise<Begun | WhisperOutcome> => {
      if (dependencies.isShuttingDown()) return { status: 'shutting_down' };
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_active' };
      if (campaign.status === 'paused') return { status: 'paused' };
      if (campaign.turnCount === 0) return { status: 'not_opened' };
      if (answering.has(request.playerId)) return { status: 'busy' };
      const spent = (await dependencies.spending?.spent({ guildId: campaign.guildId, channelId, tableDailyTokens: campaign.settings.dailyTokens })) ?? null;
      if (spent !== null) return { status: 'budget_spent', scope: spent.scope, resetAt: spent.resetAt };
      const rate = dependencies.actionRate;
      const retryAt = rate?.take({ guildId: campaign.guildId, playerId: request.playerId }) ?? null;
      if (rate !== undefined && retryAt !== null) return { status: 'too_fast', perMinute: rate.perMinute, retryAt };
      const [stored, recentTurns, sheets, rolls, lore, whispers] = await Promise.all([
        records.scene(),
        store.getRecentTurns(channelId),
        store.getCharacters(campaign.campaignId),
        store.getRolls(channelId),
        store.getLore(campaign.campaignId),
        store.getWhispers(campaign.campaignId),
      ]);
      const action: PlayerAction = { id: request.id, playerId: request.playerId, playerName: request.playerName, text: request.text, source: 'command' };
      const context = buildTurnContext({
        turnId: `whisper-${request.id}`,
        campaign: { ...campaign, party: joinParty(campaign.party, [action]) },
        scene: stored?.metadata,
        recentTurns,
        actions: [action],
        opening: false,
        characters: sheets,
        rolls: rolls.filter((roll) => roll.campaignId === campaign.campaignId),
        lore,
        whispers,
        streaming: campaign.settings.streaming ?? dependencies.streaming,
      });
      answering.add(request.playerId);
      const characterName = sheets[request.playerId]?.name;
      return {
        context: { ...context, whispering: true },
        campaign,
        whisper: {
          id: request.id,
          playerId: request.playerId,
          playerName: request.playerName,
          ...(characterName === undefined ? {} : { characterName }),
          text: request.text,
          afterTurnId: deliveredTurns(campaign, recentTurns).at(-1)?.turnId ?? null,
        },
      };
    });
  }

  /** Kept for later prompts, the recap and the export, if the campaign it was whispered in is still on the table. */
  function keep(begun: Begun, answer: string): Promise<boolean> {
    return serialise(async () => {
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.campaignId !== begun.campaign.campaignId || campaign.status === 'ended') return false;
      const whispers = await store.getWhispers(campaign.campaignId);
      await store.saveWhispers(campaign.campaignId, [...whispers, { ...begun.whisper, answer, whisperedAt: new Date().toISOString() }].slice(-WHISPERS_KEPT));
      return true;
    }).catch((error: unknown) => {
      logger.warn({ err: error, channelId }, 'could not record a whisper; it was answered, later turns will not know it');
      return false;
    });
  }

  async function answer(begun: Begun, onText: (piece: string) => void): Promise<WhisperOutcome> {
    const controller = new AbortController();
    let finished = () => {};
    running.set(begun.whisper.id, { controller, done: new Promise((resolve) => (finished = () => resolve(undefined))) });
    try {
      const answered = await orchestrator.answerWhisper(begun.context, onText, controller.signal).catch((error: unknown) => {
        logger.warn({ err: error, channelId }, 'a whisper could not be answered');
        return null;
      });
      if (answered === null) return { status: 'failed', reason: controller.signal.aborted ? 'restarting' : 'model' };
      void dependencies.spending?.recordWhisper({ guildId: begun.campaign.guildId, channelId, model: answered.model, usage: answered.usage });
      dependencies.metrics?.whisperTokens(answered.usage);
      const kept = await keep(begun, answered.text);
      return { status: 'answered', answer: answered.text, kept };
    } finally {
      answering.delete(begun.whisper.playerId);
      running.delete(begun.whisper.id);
      finished();
    }
  }

  return {
    /** Answers a whisper for its player alone, streaming the answer through `onText`. */
    async whisper(request: WhisperRequest, onText: (piece: string) => void): Promise<WhisperOutcome> {
      if ([...request.text].length > MAX_WHISPER_CHARACTERS) return { status: 'too_long', limit: MAX_WHISPER_CHARACTERS };
      const begun = await begin(request);
      if (!('context' in begun)) return begun;
      return answer(begun, onText);
    },
    /** At shutdown, after the grace period: whispers still being written stop, unrecorded (the player is told). */
    abortAll(): void {
      for (const { controller } of running.values()) controller.abort();
    },
    /** Resolves when every whisper being answered now is over, whatever its end. */
    whenAnswered: (): Promise<unknown> => Promise.all([...running.values()].map(({ done }) => done)),
    isAnswering: (): boolean => running.size > 0 || answering.size > 0,
  };
}

export type WhisperDesk = ReturnType<typeof createWhisperDesk>;
