import type { Logger } from 'pino';
import type { Orchestrator } from '../dm/orchestrator.ts';
import type { PlayerAction, SceneMetadata } from '../dm/types.ts';
import { addUsage } from '../llm/token-usage.ts';
import { LlmError } from '../llm/errors.ts';
import { ActionBatch, MAX_ACTION_CHARACTERS } from './action-batch.ts';
import { buildTurnContext } from './build-turn-context.ts';
import { joinParty } from './join-party.ts';
import type { PresenterFactory } from './presenter.ts';
import { newTurn } from './new-turn.ts';
import type { Campaign, CampaignStore, OptionSet, StoredTurn } from './types.ts';
import { explainTurnFailure } from './explain-turn-failure.ts';
import { foldOldTurns, type Summariser } from './fold-old-turns.ts';

/** How long a new turn waits for the previous turn's scene metadata before it starts without it. */
const PREVIOUS_METADATA_WAIT_MS = 2000;
/** After the grace period, how long aborted turns get to write their "interrupted" mark. */
const ABORT_SETTLE_MS = 1500;

export type SubmitOutcome =
  | { status: 'started' }
  | { status: 'queued'; position: number }
  | { status: 'full' }
  | { status: 'too_long'; limit: number }
  | { status: 'not_active'; campaign: Campaign | undefined }
  | { status: 'shutting_down' };

export type CampaignRunner = {
  /** An action from a player: starts a turn, or joins the batch of the next one. */
  submit(input: { channelId: string; action: PlayerAction }): Promise<SubmitOutcome>;
  /** The opening scene of a campaign that was just started: a turn without actions. */
  open(channelId: string): Promise<SubmitOutcome>;
  isBusy(channelId: string): boolean;
  /** Resolves when the channel has no turn running or waiting (and its metadata is stored). */
  idle(channelId: string): Promise<void>;
  /** At start-up: turns that a crash or a restart left unfinished are marked and answered again. */
  recover(): Promise<void>;
  /** Takes no new actions, lets running turns finish for `graceMs`, then interrupts them. */
  shutdown(graceMs: number): Promise<void>;
};

type ChannelState = {
  batch: ActionBatch;
  openingRequested: boolean;
  running: Promise<void> | null;
  controller: AbortController | null;
  previousMetadata: Promise<unknown>;
  /** Actions of a turn that failed: answered together with the next action rather than lost. */
  carriedOver: PlayerAction[];
  /** The tail of this channel's incoming actions, each waiting for the one before. */
  intake: Promise<void>;
};

type RunnerDependencies = {
  store: CampaignStore;
  orchestrator: Orchestrator;
  presenters: PresenterFactory;
  logger: Logger;
  /** The STREAMING setting; a channel may override it. */
  streaming: boolean;
  /** Folds turns into the running summary (an LLM call); see fold-old-turns.ts. */
  summarise: Summariser;
};

export function createCampaignRunner(dependencies: RunnerDependencies): CampaignRunner {
  const { store, orchestrator, presenters, logger } = dependencies;
  const channels = new Map<string, ChannelState>();
  let shuttingDown = false;

  function stateOf(channelId: string): ChannelState {
    let state = channels.get(channelId);
    if (state === undefined) {
      state = {
        batch: new ActionBatch(),
        openingRequested: false,
        running: null,
        controller: null,
        previousMetadata: Promise.resolve(),
        carriedOver: [],
        intake: Promise.resolve(),
      };
      channels.set(channelId, state);
    }
    return state;
  }

  /** Actions of a channel are taken one after another, so the batch keeps the order in which players wrote. */
  function submit(input: { channelId: string; action: PlayerAction }): Promise<SubmitOutcome> {
    const state = stateOf(input.channelId);
    const outcome = state.intake.then(() => takeAction(input, state));
    state.intake = outcome.then(
      () => undefined,
      () => undefined,
    );
    return outcome;
  }

  async function takeAction(input: { channelId: string; action: PlayerAction }, state: ChannelState): Promise<SubmitOutcome> {
    if (shuttingDown) return { status: 'shutting_down' };
    if (input.action.text.length > MAX_ACTION_CHARACTERS) return { status: 'too_long', limit: MAX_ACTION_CHARACTERS };
    const campaign = await store.getCampaign(input.channelId);
    if (campaign === undefined || campaign.status !== 'active') return { status: 'not_active', campaign };
    if (shuttingDown) return { status: 'shutting_down' };
    if (state.batch.add(input.action) === 'full') return { status: 'full' };
    if (state.running !== null) return { status: 'queued', position: state.batch.size };
    drain(input.channelId, state);
    return { status: 'started' };
  }

  async function open(channelId: string): Promise<SubmitOutcome> {
    if (shuttingDown) return { status: 'shutting_down' };
    const state = stateOf(channelId);
    state.openingRequested = true;
    if (state.running !== null) return { status: 'queued', position: state.batch.size };
    drain(channelId, state);
    return { status: 'started' };
  }

  function drain(channelId: string, state: ChannelState): void {
    state.running = (async () => {
      while (!shuttingDown && (state.batch.size > 0 || state.openingRequested)) {
        state.openingRequested = false;
        const actions = [...state.carriedOver.splice(0), ...state.batch.take()];
        await runOneTurn(channelId, state, actions).catch((error: unknown) =>
          logger.error({ err: error, channelId }, 'turn crashed outside its own error handling'),
        );
      }
    })().finally(() => {
      state.running = null;
    });
  }

  async function runOneTurn(channelId: string, state: ChannelState, actions: PlayerAction[]): Promise<void> {
    await Promise.race([state.previousMetadata, sleep(PREVIOUS_METADATA_WAIT_MS)]);
    const [loaded, scene, recentTurns] = await Promise.all([
      store.getCampaign(channelId),
      store.getScene(channelId),
      store.getRecentTurns(channelId),
    ]);
    if (loaded === undefined || loaded.status !== 'active') return;
    const campaign = joinParty(loaded, actions);
    const turn = newTurn(campaign, actions);
    const turnId = turn.turnId;
    const turnLogger = logger.child({ guildId: campaign.guildId, channelId, turnId });
    // Bookkeeping runs beside the model's first call, not before it: none of it is needed for the first words.
    const bookkeeping = Promise.all([store.saveTurn(turn), retirePreviousOptions(recentTurns, actions)]).then(
      ([, previousOptions]) => previousOptions,
      (error: unknown) => {
        turnLogger.warn({ err: error }, 'could not record the start of a turn');
        return undefined;
      },
    );

    const presenter = presenters.create({
      channelId,
      turnId,
      onMessageCreated: (messageId) => {
        turn.messageIds.push(messageId);
        // Kept as the turn grows, so a crash still knows which messages to mark as interrupted.
        store.saveTurn({ ...turn }).catch((error: unknown) => turnLogger.warn({ err: error }, 'could not record a turn message'));
      },
    });
    const controller = new AbortController();
    state.controller = controller;
    presenter.start();
    const streaming = campaign.settings.streaming ?? dependencies.streaming;
    const context = buildTurnContext({ turnId, campaign, scene, recentTurns, actions, streaming });
    try {
      const result = await orchestrator.runTurn(context, presenter.sink, controller.signal);
      const { messageIds } = await presenter.finish();
      const previousOptions = await bookkeeping;
      const completed: StoredTurn = {
        ...turn,
        status: 'complete',
        narrative: result.narrative,
        response: result.response,
        options: result.options,
        usage: result.usage,
        messageIds,
        finishedAt: new Date().toISOString(),
      };
      await store.saveTurn(completed);
      const lastMessageId = messageIds.at(-1);
      if (lastMessageId !== undefined) {
        await store.saveOptionSet({ turnId, channelId, messageId: lastMessageId, options: result.options, chosen: null, live: true });
      }
      if (previousOptions !== undefined) await store.saveOptionSet({ ...previousOptions, live: false });
      await store.saveCampaign({ ...campaign, turnCount: completed.number, updatedAt: new Date().toISOString() });
      turnLogger.info({ timings: result.timings, messages: messageIds.length }, 'turn delivered');
      state.previousMetadata = result.metadata.then(async (metadata) => {
        await storeMetadata(completed, metadata, turnLogger);
        await foldOldTurns({ store, channelId, summarise: dependencies.summarise, logger: turnLogger });
        // Usage is counted once per turn, when the last phase (metadata) has reported its tokens too.
        const total = Object.values(result.usage).reduce(addUsage, undefined);
        if (total !== undefined) {
          await store
            .addUsage({ guildId: campaign.guildId, channelId }, total)
            .catch((error: unknown) => turnLogger.warn({ err: error }, 'could not record token usage'));
        }
      });
    } catch (error) {
      const aborted = controller.signal.aborted || (error instanceof LlmError && error.kind === 'aborted');
      if (aborted) {
        // Stopped by a shutdown: the turn stays "in progress" in the store, so the next start replays it.
        await presenter.interrupt('the DM is restarting; this turn will be answered again').catch(() => undefined);
        await bookkeeping;
        turnLogger.info('turn interrupted by shutdown');
        return;
      }
      await bookkeeping;
      turnLogger.error({ err: error }, 'turn failed');
      const { messageIds } = await presenter
        .interrupt(explainTurnFailure(error))
        .catch(() => ({ messageIds: turn.messageIds }));
      await store.saveTurn({ ...turn, status: 'interrupted', messageIds, finishedAt: new Date().toISOString() });
      state.carriedOver.push(...actions);
    } finally {
      state.controller = null;
    }
  }

  /**
   * The previous turn's buttons are disabled in Discord as this turn starts (the chosen one marked), but its options
   * stay accepted until this turn has delivered new ones: a click that raced the disabling joins the next batch, like
   * a message written during the turn. Returns the option set to close once this turn is delivered.
   */
  async function retirePreviousOptions(recentTurns: StoredTurn[], actions: PlayerAction[]): Promise<OptionSet | undefined> {
    const previous = recentTurns.filter((turn) => turn.status === 'complete').at(-1);
    if (previous === undefined) return undefined;
    const optionSet = await store.getOptionSet(previous.turnId);
    if (optionSet === undefined || !optionSet.live) return undefined;
    const chosen = actions.find((action) => action.choice?.turnId === previous.turnId)?.choice?.index ?? null;
    const retired = { ...optionSet, chosen };
    await store.saveOptionSet(retired);
    // A turn started by a click: the click's acknowledgement has already disabled the buttons and marked the choice.
    const startedByClick = actions[0]?.choice?.turnId === previous.turnId;
    if (!startedByClick) presenters.retireOptions(retired);
    return retired;
  }

  async function storeMetadata(turn: StoredTurn, metadata: SceneMetadata | null, turnLogger: Logger): Promise<void> {
    try {
      if (metadata !== null) await store.saveScene(turn.channelId, metadata);
    } catch (error) {
      turnLogger.warn({ err: error }, 'could not store the scene metadata');
    }
  }

  async function idle(channelId: string): Promise<void> {
    const state = channels.get(channelId);
    while (state?.running) await state.running;
    await state?.previousMetadata;
  }

  async function recover(): Promise<void> {
    const unfinished = await store.listTurnsInProgress();
    for (const turn of unfinished) {
      try {
        if (turn.messageIds.length > 0) {
          await presenters.markInterrupted({ channelId: turn.channelId, messageIds: turn.messageIds, reason: 'interrupted by a restart' });
        }
        await store.saveTurn({ ...turn, status: 'interrupted', finishedAt: new Date().toISOString() });
        const campaign = await store.getCampaign(turn.channelId);
        if (campaign?.status !== 'active') continue;
        const state = stateOf(turn.channelId);
        if (turn.actions.length === 0) state.openingRequested = true;
        state.batch.restore(turn.actions);
        logger.info({ channelId: turn.channelId, turnId: turn.turnId, actions: turn.actions.length }, 'replaying a turn left unfinished');
        if (state.running === null) drain(turn.channelId, state);
      } catch (error) {
        logger.error({ err: error, channelId: turn.channelId, turnId: turn.turnId }, 'could not recover an unfinished turn');
      }
    }
  }

  async function shutdown(graceMs: number): Promise<void> {
    shuttingDown = true;
    const running = (): Promise<void>[] => [...channels.values()].flatMap((state) => (state.running ? [state.running] : []));
    await Promise.race([Promise.allSettled(running()), sleep(graceMs)]);
    for (const state of channels.values()) state.controller?.abort();
    await Promise.race([Promise.allSettled(running()), sleep(ABORT_SETTLE_MS)]);
    // Actions still waiting are kept as an unfinished turn: the next start answers them.
    for (const [channelId, state] of channels) {
      const waiting = [...state.carriedOver.splice(0), ...state.batch.take()];
      if (waiting.length === 0) continue;
      const campaign = await store.getCampaign(channelId).catch(() => undefined);
      if (campaign === undefined) continue;
      await store
        .saveTurn(newTurn(campaign, waiting))
        .catch((error: unknown) => logger.error({ err: error, channelId }, 'could not keep waiting actions'));
    }
  }

  return { submit, open, isBusy: (channelId) => channels.get(channelId)?.running != null, idle, recover, shutdown };
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds).unref());
}
