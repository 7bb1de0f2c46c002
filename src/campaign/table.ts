import type { Logger } from 'pino';
import { usageSpentBy, type Orchestrator } from '../dm/orchestrator.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { OptionCheck, PlayerAction, SceneMetadata, TurnResult, TurnSink } from '../dm/types.ts';
import { addUsage } from '../llm/token-usage.ts';
import { hasRoomFor, MAX_ACTION_CHARACTERS, takeBatch, uniqueActions } from './action-batch.ts';
import type { ActionRate } from './action-rate.ts';
import { belongsTo, buildTurnContext, deliveredTurns } from './build-turn-context.ts';
import { explainTurnFailure } from './explain-turn-failure.ts';
import { isStoreUnreachable, StoreFailure, StoreUnreachableError } from './store-failure.ts';
import { foldFellBehind, foldStillApplies, planFold, type Summariser } from './fold-plan.ts';
import { joinParty } from './join-party.ts';
import { TurnNotShownError, type PresenterFactory, type TurnPresenter } from './presenter.ts';
import type { SpendingLedger } from './spending-ledger.ts';
import { createTableRecords } from './table-records.ts';
import { createTableStore } from './table-store.ts';
import { roundDeadline, roundWaitsFor } from './round.ts';
import { applySceneEdits, emptyScene } from './scene-edits.ts';
import { applySheetChanges, describeModifiers, type SheetChanges } from './character-sheet.ts';
import { rollExpression, type CheckedExpression } from './dice.ts';
import { withCheckRolled } from './option-check.ts';
import { addLore, removeLore } from './lorebook.ts';
import { createWhisperDesk, type WhisperRequest } from './whisper-desk.ts';
import { ROLLS_KEPT } from './store-keys.ts';
import type {
  AddLoreOutcome,
  CharacterOutcome,
  ConfigureOutcome,
  EndOutcome,
  NarrateOutcome,
  PauseOutcome,
  RemoveLoreOutcome,
  RerollOutcome,
  ResumeOutcome,
  RetryOutcome,
  RollOutcome,
  WhisperOutcome,
  WithdrawOutcome,
  SceneOutcome,
  StartOutcome,
  StopOutcome,
  SubmitOutcome,
  UndoOutcome,
} from './table-outcomes.ts';
import { newTurn } from './new-turn.ts';
import { opensWithPreviously } from './recap-gap.ts';
import { createCampaignId } from './turn-id.ts';
import { campaignBefore, takeSnapshot } from './turn-snapshot.ts';
import type {
  Campaign,
  CampaignStore,
  CharacterSheets,
  LoreEntry,
  OptionSet,
  SceneEdits,
  StoredRoll,
  StoredTurn,
  StoredWhisper,
  TableHold,
  TableSettings,
  TurnSnapshot,
  TurnStatus,
} from './types.ts';

// The owner of one channel's campaign: the table. A table's whole life is here; docs/architecture.md draws it.
//
// Who writes. Every change of the channel's records (campaign, scene, turns, waiting actions, option sets, log, dice
// rolls, character sheets, lorebook) is a task on this table's one queue (`serialise`), run one after another in
// arrival order: player actions, rolls and sheets, the start and the delivery of a turn, its scene metadata, summary
// folds, every GM command (the lorebook's included), recovery. A task reads what it needs (through the table's
// write-through caches: table-records.ts for the campaign, waiting actions and scene, table-store.ts for the rest) and
// writes it back before the next task starts; no record is held across a model call. The one write outside the queue
// is a turn's message ids as its messages appear: chained after the turn's own record, and awaited by every later
// write of that record. Nothing else in the bot writes a channel's records.
//
// Turns. At most one turn (or GM narration) is in the works at a time: `work`. A turn is begun by a queue task that
// reads the state, snapshots it, starts the model and records the turn (all before the next task); the model then
// runs outside the queue; its result is delivered by another queue task, which writes only if the turn is still the
// table's `work`. GM commands that take a turn away (end, stop, start) clear `work` and abort the model, so a turn
// they stopped can never write afterwards: not its delivery, not its messages, not its metadata (which is applied
// only while its turn is the campaign's last delivered one), not a summary fold (applied only if the summary is still
// the one it was planned from). A turn does not wait for the previous turn's scene metadata (a call of seconds, while
// a player may answer as soon as the buttons appear): it begins from the scene as stored, and when that metadata lands
// it is written into the snapshot of the turn that followed, so an undo of that turn restores the scene exactly.
//
// What each command does while a turn runs:
// - end: the campaign ends first; the turn is aborted with a visible mark; waiting actions are dropped (the command
//   says how many, in public); no further turn runs. A later start begins clean.
// - start (after end): a new campaign id; the old campaign's turns, scene, waiting actions and live buttons are gone
//   before the new campaign is written, so nothing of the old one can reach the new one. Settings carry over.
// - stop: the turn is aborted ("stopped by the GM") and its actions dropped; actions waiting behind it are answered
//   next; if none wait, the previous turn's buttons come back.
// - pause: the running turn finishes; no turn starts until resume. Messages are table talk; /act and clicks are
//   refused. Actions already waiting stay stored and are answered after resume.
// - reroll, undo: refused while a turn or narration is in the works (stop it first). They rewind the state to a
//   turn's snapshot. A rerolled turn's actions are answered again, as exactly that batch, before anything else.
// - narrate: posted when no turn is in the works, before the next turn.
// - withdraw (the X-card, anyone): the turn in the works is taken away with its actions kept, or else the last
//   delivered turn is rewound; it is discarded, its messages keep one line, and its batch plays again first, told to
//   go another way.
// - whisper (a player, privately): answered at once beside any turn, from the state as it stands, and recorded by a
//   queue task only while the same campaign is on (whisper-desk.ts). A turn's prompt knows the whispers recorded
//   before it began; a whisper after a turn that is later undone or withdrawn goes with that turn.
// - scene, config: written at once; a running turn keeps the prompt it started with. Scene fields the GM set after a
//   turn started are kept over that turn's own metadata.
//
// Nothing acknowledged is lost. An action is written to the waiting list before the player hears it was taken. A
// turn takes its batch from the waiting list (the turn record first, then the shortened list); a failed turn puts its
// actions back at the front. Every action has an id, and a restart answers exactly the actions that are waiting or
// in an unfinished turn and in no delivered turn, so a crash between any two writes answers each action once.
//
// Whatever Discord or the store does. A turn the model has answered counts as given: it is delivered even when Discord
// would not show it whole (finish() rejects with TurnNotShownError); the table then holds (`campaign.held`, status
// paused): actions keep being stored, and a GM's resume, a player's action or a permission change tries Discord again;
// the first write that lands releases the hold and shows that turn again in full. A GM's pause, before the hold or
// during it, outlasts it (`held.gmPaused`): the released table stays paused until the GM resumes. A turn shown whole
// when a shutdown aborts its options is delivered as shown; when the process dies instead, its record already holds
// the whole text (`textWhole`, written as the response ends), and recovery delivers it as shown, shown again in full.
// A store failure as a turn would begin is told to the table once and tried again (couldNotBegin); one while a turn is
// recorded withdraws the turn and keeps its actions (StoreFailure). A store that is unreachable when a turn the
// players have read is delivered does not fail it: the delivery is tried again until the store answers
// (deliverThroughOutage); meanwhile actions are refused unstored (`store_unreachable`), so none is acknowledged that
// could be lost. A failed turn's "Try again" (retry) plays its kept actions now, once.
//
// Budgets (spending-ledger.ts). An action is refused, unstored, while today's budget of the table or its guild is
// spent or its player is past the per-minute rate. A turn is not begun on a spent budget: its actions stay waiting
// and the ledger wakes the table at the reset or when a GM changes the table's budget. A turn's usage is counted once.

/** Paused by a GM: with no hold, or with one the GM paused before or during (a hold alone is Discord's pause). */
const pausedByGm = (campaign: Campaign): boolean => campaign.status === 'paused' && (campaign.held == null || campaign.held.gmPaused === true);

/** How long a turn players have read keeps trying to reach an unreachable store before it counts as failed. */
const DELIVERY_RETRY_MS = 5 * 60 * 1000;
/** A fold that keeps meeting a changed table gives up until the next turn. */
const FOLD_ATTEMPTS = 3;
/** A held table tries Discord again on a player's action at most this often (the GM's resume always tries). */
const HOLD_RETRY_MS = 15_000;
/** Posted when a held table can write again, before the turn players did not see whole is shown again. */
const HOLD_LIFTED_NOTICE = '*(The DM can write in this channel again. The story goes on from here.)*';
/** Posted once when the store fails as a turn would begin; the table looks again after a growing wait. */
const STORE_READ_NOTICE =
  "⚠️ *The DM could not read this table's memory (the store did not answer). Your actions are kept and will be answered as soon as it does.*";
const BEGIN_RETRY_FIRST_MS = 2_000;
const BEGIN_RETRY_LAST_MS = 60_000;

type StopReason = 'ended' | 'stopped' | 'restarting' | 'withdrawn';

const STOP_NOTES: Record<StopReason, string> = {
  ended: 'the GM ended the campaign',
  stopped: 'stopped by the GM',
  restarting: 'the DM is restarting; this turn will be answered again',
  withdrawn: 'withdrawn',
};

/** The turn or narration in the works. Only the queue task that clears `work` may decide its fate. */
type Work = {
  kind: 'turn' | 'narration';
  turn: StoredTurn;
  controller: AbortController;
  stopReason: StopReason | null;
  /** Set by stop: whether actions wait behind the stopped turn, so the loop goes on. */
  continueAfterStop: boolean;
  /** True once the players see the whole turn with its buttons: only its delivery remains. */
  shownWhole: boolean;
  /** The writes of the turn's message ids as they are created; never rejects. */
  recording: Promise<void>;
  /** Resolves when the turn is over, whatever its end. */
  over: Promise<void>;
  /** Set when the store failed to record the turn's start: the turn is aborted, as a failure, and its actions kept. */
  storeFailure: StoreFailure | null;
  /** The delivered record, once a delivery began: what a retried delivery writes again. */
  completed: StoredTurn | null;
  /** The campaign's character sheets and the rolls not yet reported, as the turn began: its prompt tells them. */
  sheets: CharacterSheets;
  rolls: StoredRoll[];
  /** The campaign's lorebook as the turn began; the context picks the entries its text calls for. */
  lore: LoreEntry[];
  /** The campaign's whispers as the turn began: its prompt keeps them secret. */
  whispers: StoredWhisper[];
  /** What brought the turn (its actions' ids, or the request that opened the campaign): its presenter may show it there. */
  origins: string[];
  end(): void;
};

function newWork(kind: Work['kind'], turn: StoredTurn): Work {
  let end = () => {};
  const over = new Promise<void>((resolve) => {
    end = resolve;
  });
  return {
    kind,
    turn,
    controller: new AbortController(),
    stopReason: null,
    continueAfterStop: false,
    shownWhole: false,
    recording: Promise.resolve(),
    over,
    storeFailure: null,
    completed: null,
    sheets: {},
    rolls: [],
    lore: [],
    whispers: [],
    origins: [],
    end,
  };
}

type Narration = { text: string; resolve(outcome: NarrateOutcome): void; reject(error: unknown): void };

type LoopStep = 'ran' | 'idle' | 'failed';

export type TableDependencies = {
  channelId: string;
  store: CampaignStore;
  orchestrator: Orchestrator;
  presenters: PresenterFactory;
  logger: Logger;
  /** The STREAMING setting; a table may override it. */
  streaming: boolean;
  summarise: Summariser;
  isShuttingDown(): boolean;
  /** Daily token budgets, checked before the model is called, and the usage they count. Absent: no budgets. */
  spending?: SpendingLedger | undefined;
  /** How often one player may act. Absent: as often as the batch bounds allow. */
  actionRate?: ActionRate | undefined;
  /** After this long without a delivered turn, the next turn opens with a short "previously…". Absent or 0: never. */
  recapAfterMs?: number | undefined;
  /** Turn counts and timings, queue waits (src/metrics/). Absent: nothing is measured. */
  metrics?: Pick<Metrics, 'turnStarted' | 'turnCompleted' | 'turnFailed' | 'turnStopped' | 'turnReported' | 'queueWait' | 'whisperTokens'> | undefined;
};

export type Table = ReturnType<typeof createTable>;

export function createTable(dependencies: TableDependencies) {
  const { channelId, orchestrator, presenters } = dependencies;
  const store = createTableStore(dependencies.store, channelId);
  const logger = dependencies.logger.child({ channelId });
  const records = createTableRecords(store, channelId);
  const whisperDesk = createWhisperDesk({
    channelId,
    store,
    records,
    serialise,
    orchestrator,
    logger,
    streaming: dependencies.streaming,
    isShuttingDown: dependencies.isShuttingDown,
    spending: dependencies.spending,
    actionRate: dependencies.actionRate,
    metrics: dependencies.metrics,
  });

  let queue: Promise<unknown> = Promise.resolve();
  let work: Work | null = null;
  let loop: Promise<void> | null = null;
  let kicked = false;
  let metadataSettled: Promise<unknown> = Promise.resolve();
  let metadataPending = 0;
  let folding: Promise<void> | null = null;
  const narrations: Narration[] = [];
  /**
   * The ids of the batch the next turn takes, exactly, when it is already decided: the rerolled turn's actions, or the
   * action that was told it starts the turn (what arrives after it is told it waits for the turn after).
   */
  let sealedBatch: Set<string> | null = null;
  /** Round mode: when the round's first action came (memory only: after a restart the round opens again). */
  let roundOpenedAt: number | null = null;
  let roundTimer: ReturnType<typeof setTimeout> | null = null;
  /** Whether the channel shows a status line for the round, to be marked complete when its turn begins. */
  let roundShown = false;
  /** Who the round was still waiting for when last looked at: its line names them if the time limit goes on without. */
  let roundMissing: string[] = [];
  /** A "Try again" was pressed and its turn has not begun yet: a second press is told the DM is on it. */
  let retryAsked = false;
  /** The request that started the campaign, until its opening begins: the opening may be shown through it (memory only). */
  let openingOrigin: string | null = null;
  /** Said once per table: a model server that reports no token usage leaves the budgets blind. */
  let warnedOfNoUsage = false;
  /** The store failed as a turn would begin: the wait before the table looks again, and whether players were told. */
  let beginRetryMs = 0;
  let beginRetry: ReturnType<typeof setTimeout> | null = null;

  /** Tasks asked for and not yet finished: a table with none, and nothing else going on, may be let go. */
  let pendingTasks = 0;
  let lastUsedAt = Date.now();

  function serialise<T>(task: () => Promise<T>): Promise<T> {
    pendingTasks += 1;
    lastUsedAt = Date.now();
    const askedAt = performance.now();
    const result = queue
      .then(() => {
        dependencies.metrics?.queueWait((performance.now() - askedAt) / 1000);
        return task();
      })
      .finally(() => {
        pendingTasks -= 1;
      });
    queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  const now = (): string => new Date().toISOString();

  // ── The turn loop ────────────────────────────────────────────────────────────────────────────────────────────

  /** Makes sure the loop looks at the table again: something may be there to answer. */
  function kick(): void {
    kicked = true;
    if (loop !== null) return;
    loop = runLoop()
      .catch((error: unknown) => logger.error({ err: error }, 'turn loop crashed'))
      .finally(() => {
        loop = null;
        if (kicked && !dependencies.isShuttingDown()) kick();
      });
  }

  async function runLoop(): Promise<void> {
    for (;;) {
      kicked = false;
      const step = await runNext();
      // After a failure the loop waits for something new (an action, a GM command): the model is likely still down.
      if (step === 'ran' || (step === 'failed' && kicked)) continue;
      return;
    }
  }

  async function runNext(): Promise<LoopStep> {
    if (dependencies.isShuttingDown()) return 'idle';
    const narration = narrations.shift();
    if (narration !== undefined) {
      await postNarration(narration);
      return 'ran';
    }
    // Not after the previous turn's scene metadata: a player who answers as the buttons appear gets the DM's first
    // words at once (the metadata call takes seconds); that scene joins this turn's snapshot when it lands.
    let begun: Awaited<ReturnType<typeof beginTurn>>;
    try {
      begun = await serialise(beginTurn);
    } catch (error) {
      couldNotBegin(error);
      return 'idle';
    }
    beginRetryMs = 0;
    return begun === null ? 'idle' : await begun.played;
  }

  /**
   * The store failed before a turn was recorded: nothing was taken from the waiting list, so every action is still
   * there. Players are told once, in plain words, and the table looks again after a wait that grows to a minute.
   */
  function couldNotBegin(error: unknown): void {
    const told = beginRetryMs > 0;
    beginRetryMs = told ? Math.min(beginRetryMs * 2, BEGIN_RETRY_LAST_MS) : BEGIN_RETRY_FIRST_MS;
    logger.error({ err: error, retryInMs: beginRetryMs }, 'could not begin a turn: the store failed; trying again');
    if (!told) {
      void presenters.notice(channelId, STORE_READ_NOTICE).catch((noticeError: unknown) => logger.warn({ err: noticeError }, 'could not tell the table the store failed'));
    }
    if (beginRetry !== null) return;
    beginRetry = setTimeout(() => {
      beginRetry = null;
      if (!dependencies.isShuttingDown()) kick();
    }, beginRetryMs);
    beginRetry.unref();
  }

  /** Queue task: takes the next batch, snapshots the state, starts the model, and records the turn before the next task. */
  async function beginTurn(): Promise<{ played: Promise<LoopStep> } | null> {
    if (dependencies.isShuttingDown() || work !== null) return null;
    retryAsked = false;
    const [campaign, storedScene, recentTurns, waiting] = await Promise.all([
      records.campaign(),
      records.scene(),
      store.getRecentTurns(channelId),
      records.waiting(),
    ]);
    if (campaign === undefined || campaign.status !== 'active') return null;
    const opening = campaign.turnCount === 0;
    if (!opening && waiting.length === 0) return null;
    // The model is not called on a spent budget: the actions stay waiting until the ledger wakes the table (the reset,
    // or a GM changing the budget); its players are told once.
    const { spending } = dependencies;
    const spent = (await spending?.spent({ guildId: campaign.guildId, channelId, tableDailyTokens: campaign.settings.dailyTokens })) ?? null;
    if (spending !== undefined && spent !== null) {
      spending.waitForBudget({ channelId, guildId: campaign.guildId, spent, waiting: waiting.length, opening, wake: kick });
      return null;
    }
    if (!opening && sealedBatch === null && campaign.settings.rounds === true && waitForRound(campaign, recentTurns, waiting)) return null;
    endRound('answered');
    // Read in the turn's own task: a roll made from here on is queued behind it, so the next turn reports it.
    const [sheets, rolls, lore, whispers] = await Promise.all([
      store.getCharacters(campaign.campaignId),
      store.getRolls(channelId),
      store.getLore(campaign.campaignId),
      store.getWhispers(campaign.campaignId),
    ]);
    let batch: PlayerAction[] = [];
    let rest = waiting;
    if (!opening) {
      const sealed = sealedBatch;
      sealedBatch = null;
      if (sealed !== null && waiting.some((action) => sealed.has(action.id))) {
        batch = waiting.filter((action) => sealed.has(action.id));
        rest = waiting.filter((action) => !sealed.has(action.id));
      } else {
        ({ batch, rest } = takeBatch(waiting));
      }
    }
    const scene = storedScene?.metadata ?? null;
    const previous = deliveredTurns(campaign, recentTurns).at(-1);
    const turn = newTurn({ campaign, kind: 'turn', actions: batch, before: takeSnapshot(campaign, scene, previous?.turnId ?? null) });
    const current = newWork('turn', turn);
    current.origins = opening && openingOrigin !== null ? [openingOrigin] : batch.map((action) => action.id);
    openingOrigin = null;
    current.sheets = sheets;
    current.rolls = rolls.filter((roll) => roll.campaignId === campaign.campaignId);
    current.lore = lore;
    current.whispers = whispers;
    work = current;
    dependencies.metrics?.turnStarted();
    // The model starts now; the records below are written before any other task, beside its first call.
    // The turn's record is written first; the writes of its message ids (playTurn) come after it.
    const recorded = store.saveTurns(channelId, [snapshotOf(turn)]);
    current.recording = recorded.then(
      () => undefined,
      () => undefined,
    );
    const previously = opensWithPreviously({ opening, lastDelivered: previous, nowMs: Date.now(), recapAfterMs: dependencies.recapAfterMs ?? 0 });
    const played = playTurn(current, { ...campaign, party: joinParty(campaign.party, batch) }, scene, recentTurns, opening, { previously, redirect: campaign.redirectNext === true });
    try {
      await recorded;
      if (batch.length > 0) await records.saveWaiting(rest);
      if (previous !== undefined) await retireOptionsOf(previous, batch);
    } catch (error) {
      // Unrecorded, the turn's actions could be answered twice (still in the waiting list) or lost (a crash): it stops
      // here, and fails like any turn, so its actions are kept and the players told why.
      logger.error({ err: error, turnId: turn.turnId }, 'could not record the start of a turn; stopping it');
      current.storeFailure = new StoreFailure(error);
      current.controller.abort();
    }
    // Wrapped: a promise returned bare would be adopted by the queue, which would then wait for the whole turn.
    return { played };
  }

  /**
   * Round mode: true while the round still waits for someone who has been playing and its time has not run out. The
   * channel's status line names them; a timer looks again when the time is up.
   */
  function waitForRound(campaign: Campaign, recentTurns: StoredTurn[], waiting: PlayerAction[]): boolean {
    const openedAt = (roundOpenedAt ??= Date.now());
    const deadline = roundDeadline(openedAt, campaign.settings.roundSeconds);
    const waitsFor = roundWaitsFor(campaign, recentTurns, waiting);
    roundMissing = waitsFor.map((member) => member.name);
    if (waitsFor.length === 0 || Date.now() >= deadline) return false;
    if (roundTimer === null) {
      roundTimer = setTimeout(() => {
        roundTimer = null;
        kick();
      }, deadline - Date.now());
      roundTimer.unref();
    }
    roundShown = true;
    presenters.showRoundStatus({ channelId, status: { state: 'waiting', waitingFor: roundMissing } });
    return true;
  }

  /**
   * A turn begins (`answered`: the round's line says who its time limit went on without), or the campaign ends: the
   * round is over. Actions left for the next turn open the next round when that is looked at.
   */
  function endRound(how: 'answered' | 'closed'): void {
    if (roundTimer !== null) clearTimeout(roundTimer);
    roundTimer = null;
    roundOpenedAt = null;
    if (roundShown) presenters.showRoundStatus({ channelId, status: how === 'answered' ? { state: 'answered', missing: roundMissing } : { state: 'closed' } });
    roundShown = false;
    roundMissing = [];
  }

  /**
   * The previous turn's buttons are disabled in Discord as this turn starts (the chosen one marked), but its options
   * stay accepted until this turn has delivered new ones: a click that raced the disabling joins the next batch.
   */
  async function retireOptionsOf(previous: StoredTurn, batch: PlayerAction[]): Promise<void> {
    const optionSet = await store.getOptionSet(previous.turnId);
    if (optionSet === undefined || !optionSet.live) return;
    const chosen = batch.find((action) => action.choice?.turnId === previous.turnId)?.choice?.index ?? null;
    const retired = { ...optionSet, chosen };
    await store.saveOptionSet(retired);
    // A turn started by a click: the click's acknowledgement has already disabled the buttons and marked the choice.
    if (batch[0]?.choice?.turnId !== previous.turnId) presenters.retireOptions(retired);
  }

  /** Outside the queue: the model and Discord. Every write goes back through the queue, guarded by `work`. */
  async function playTurn(
    current: Work,
    campaign: Campaign,
    scene: SceneMetadata | null,
    recentTurns: StoredTurn[],
    opening: boolean,
    told: { previously: boolean; redirect: boolean },
  ): Promise<LoopStep> {
    const { turn } = current;
    const turnLogger = logger.child({ guildId: turn.guildId, turnId: turn.turnId });
    const startedAt = performance.now();
    // Written at once, not behind the queue (players already see it): every task that writes this turn's record later
    // waits for it first (current.recording), and it writes nothing once the turn is no longer the table's or its
    // delivery has begun.
    const recordProgress = (): void => {
      current.recording = current.recording
        .then(async () => {
          if (work === current && current.completed === null) await store.saveTurns(channelId, [snapshotOf(turn)]);
        })
        .catch((error: unknown) => turnLogger.warn({ err: error }, 'could not record a turn in progress'));
    };
    try {
      const streaming = campaign.settings.streaming ?? dependencies.streaming;
      const presenter = presenters.create({
        channelId,
        turnId: turn.turnId,
        streaming,
        origins: current.origins,
        onMessageCreated: (messageId) => {
          turn.messageIds.push(messageId);
          // Kept as the turn grows, so a crash still knows which messages to mark as interrupted.
          recordProgress();
        },
      });
      presenter.start();
      const text = watchTurnText(presenter.sink, (narrative, response) => {
        // Players are reading the whole answer: a crash from here on must not make the restart tell them another.
        Object.assign(turn, { narrative, response, textWhole: true });
        recordProgress();
      });
      const context = buildTurnContext({
        turnId: turn.turnId,
        campaign,
        scene: scene ?? undefined,
        recentTurns,
        actions: turn.actions,
        opening,
        previously: told.previously,
        redirect: told.redirect,
        characters: current.sheets,
        rolls: current.rolls,
        lore: current.lore,
        whispers: current.whispers,
        streaming,
      });
      try {
        const result = await orchestrator.runTurn(context, text.sink, current.controller.signal);
        // The model has answered: from here the turn is delivered even if Discord would not show it whole (it is
        // then shown again when Discord lets the DM write), so no action is ever answered twice.
        const shown = await presenter.finish().then(
          ({ messageIds }) => ({ messageIds, notShown: null }),
          (error: unknown) => {
            if (!(error instanceof TurnNotShownError)) throw error;
            return { messageIds: error.messageIds, notShown: error };
          },
        );
        const { messageIds } = shown;
        current.shownWhole = shown.notShown === null;
        const delivered = await deliverThroughOutage(current, result, messageIds, turnLogger);
        if (delivered === null) {
          dependencies.metrics?.turnStopped(current.stopReason ?? 'stopped');
          // Stopped after the text was shown whole: its buttons go, and it says why (withdrawn: its text goes too).
          if (current.stopReason === 'withdrawn') await withdrawShown(messageIds, turnLogger);
          else await presenters.markMessages({ channelId, messageIds, note: STOP_NOTES[current.stopReason ?? 'stopped'] }).catch(() => undefined);
          return afterStop(current);
        }
        dependencies.metrics?.turnCompleted({ timings: result.timings, startedAt, firstTextAt: presenter.firstTextAt?.() });
        if (shown.notShown !== null) {
          turnLogger.warn({ err: shown.notShown }, 'turn delivered, but Discord would not show it whole; the table holds');
          await serialise(() => holdTable(shown.notShown.reason, delivered.turnId));
        } else {
          turnLogger.info({ timings: result.timings, messages: messageIds.length }, 'turn delivered');
        }
        metadataPending += 1;
        const applied = result.metadata
          .then((metadata) => serialise(() => applyMetadata(delivered, metadata)))
          .catch((error: unknown) => turnLogger.warn({ err: error }, 'could not store the scene metadata'))
          .then(() => {
            // Not awaited by the next turn: a slow summary must never hold the table.
            void foldWhileNeeded();
            return recordUsage(delivered, result, turnLogger);
          })
          .finally(() => {
            metadataPending -= 1;
          });
        // Every turn's, not only the last one's: the next turn does not wait for this one's, so they may overlap.
        metadataSettled = Promise.all([metadataSettled, applied]).then(() => undefined);
        return 'ran';
      } catch (error) {
        // The phases that ran were paid for, whatever ended the turn: the budgets count them (not as a turn).
        const spent = usageSpentBy(error);
        if (spent !== undefined) void dependencies.spending?.recordTurn({ guildId: turn.guildId, channelId, usage: spent, unfinished: true });
        if (current.stopReason === 'restarting' && text.whole()) {
          // Players have read the whole answer: a restart must not tell them another one. It stays as shown, without
          // options (they write what they do), and counts as delivered.
          return await deliverShownBeforeShutdown(current, presenter, text, turnLogger);
        }
        if (current.stopReason !== null) {
          const shown = await presenter.interrupt(STOP_NOTES[current.stopReason]).catch(() => ({ messageIds: turn.messageIds, completed: false }));
          if (current.stopReason === 'withdrawn') {
            await withdrawShown(shown.messageIds, turnLogger);
          } else if (shown.completed) {
            await presenters.markMessages({ channelId, messageIds: shown.messageIds, note: STOP_NOTES[current.stopReason] }).catch(() => undefined);
          }
          dependencies.metrics?.turnStopped(current.stopReason);
          turnLogger.info({ reason: current.stopReason }, 'turn stopped');
          return afterStop(current);
        }
        turnLogger.error({ err: current.storeFailure ?? error }, 'turn failed');
        dependencies.metrics?.turnFailed(current.storeFailure ?? error);
        const reason = explainTurnFailure(current.storeFailure ?? error);
        let unwritable = false;
        // A failed turn's note carries "Try again" (retry below), unless the store failed: then a new action is better.
        const retryable = current.storeFailure === null && !(error instanceof StoreFailure);
        const shown = await presenter.interrupt(reason, { retryable }).catch((interruptError: unknown) => {
          unwritable = interruptError instanceof TurnNotShownError && interruptError.reason === 'channel_unwritable';
          return { messageIds: [...turn.messageIds], completed: false };
        });
        if (shown.completed) await presenters.markMessages({ channelId, messageIds: shown.messageIds, note: reason }).catch(() => undefined);
        await serialise(() => keepFailedTurn(current, shown.messageIds));
        if (unwritable) await serialise(() => holdTable('channel_unwritable', null));
        return 'failed';
      }
    } catch (error) {
      // A presenter that cannot reach the channel, or the store failing: the actions go back to wait for the next turn.
      turnLogger.error({ err: error }, 'turn crashed outside its own error handling');
      dependencies.metrics?.turnFailed(error);
      await serialise(() => keepFailedTurn(current, [...turn.messageIds])).catch((keepError: unknown) =>
        turnLogger.error({ err: keepError }, 'could not keep the actions of a crashed turn; the next start answers them'),
      );
      await serialise(async () => {
        if (work === current) work = null;
      });
      return 'failed';
    } finally {
      current.end();
    }
  }

  /**
   * Players are reading this turn whole, with its buttons: a store that is unreachable now must not turn it into a
   * failure told twice. Its delivery is tried again, with growing waits, until the store takes it, the turn is taken
   * away (a GM's stop or end), the bot shuts down, or DELIVERY_RETRY_MS pass; then it fails as a store failure.
   */
  async function deliverThroughOutage(current: Work, result: TurnResult, messageIds: string[], turnLogger: Logger): Promise<StoredTurn | null> {
    const giveUpAt = Date.now() + DELIVERY_RETRY_MS;
    let waitMs = 250;
    for (;;) {
      try {
        return await serialise(() => deliverTurn(current, result, messageIds));
      } catch (error) {
        const retry = isStoreUnreachable(error) && work === current && !dependencies.isShuttingDown() && Date.now() + waitMs < giveUpAt;
        if (!retry) throw new StoreFailure(error);
        turnLogger.warn({ err: error, retryInMs: waitMs }, 'the store did not take a turn the players have read; trying again');
        await sleep(waitMs);
        waitMs = Math.min(waitMs * 2, 4000);
      }
    }
  }

  async function deliverShownBeforeShutdown(current: Work, presenter: TurnPresenter, text: TurnText, turnLogger: Logger): Promise<LoopStep> {
    const result: TurnResult = {
      narrative: text.narrative(),
      response: text.response(),
      options: [],
      usage: {},
      timings: {},
      metadata: Promise.resolve(null),
    };
    // Recorded first: the process is about to exit, and the final edit (the writing mark gone) may wait for the budget.
    await current.recording;
    const delivered = await serialise(() => deliverTurn(current, result, [...current.turn.messageIds]));
    turnLogger.info({ delivered: delivered !== null }, 'turn shown whole before a restart: kept as shown, without options');
    if (delivered === null) dependencies.metrics?.turnStopped('restarting');
    else dependencies.metrics?.turnCompleted();
    presenter.sink({ type: 'player_options', options: [], timestamp: now() });
    await presenter.finish().catch((error: unknown) => turnLogger.warn({ err: error }, 'could not write the last edit of a turn before a restart'));
    return 'idle';
  }

  async function withdrawShown(messageIds: string[], turnLogger: Logger): Promise<void> {
    await presenters.withdrawMessages({ channelId, messageIds }).catch((error: unknown) => turnLogger.warn({ err: error }, 'could not withdraw the messages of a turn'));
  }

  function afterStop(current: Work): LoopStep {
    if (current.stopReason === 'withdrawn') return 'ran';
    if (current.stopReason === 'stopped' && current.continueAfterStop) return 'ran';
    return 'idle';
  }

  /** Queue task: the turn is answered. Returns null when it was taken away meanwhile (end, stop, start, shutdown). */
  async function deliverTurn(current: Work, result: TurnResult, messageIds: string[]): Promise<StoredTurn | null> {
    if (work !== current) return null;
    const campaign = await records.campaign();
    if (campaign === undefined || campaign.campaignId !== current.turn.campaignId) {
      work = null;
      return null;
    }
    // Made once: a delivery retried after a store outage writes the same record at the same place in the log.
    const completed: StoredTurn = current.completed ?? {
      ...snapshotOf(current.turn),
      textWhole: undefined,
      status: 'complete',
      narrative: result.narrative,
      response: result.response,
      options: result.options,
      ...(result.checks === undefined ? {} : { checks: result.checks }),
      ...(current.rolls.length === 0 ? {} : { rolls: current.rolls }),
      usage: result.usage,
      messageIds,
      finishedAt: now(),
      logIndex: campaign.logLength,
    };
    current.completed = completed;
    await current.recording;
    await recordDelivered(campaign, completed);
    // Only now: if a write above failed, the turn is still this table's and its actions are kept (keepFailedTurn).
    work = null;
    return completed;
  }

  /** Queue task's writes: the turn is answered. The turn first: from there its actions count as answered, come what may. */
  async function recordDelivered(campaign: Campaign, completed: StoredTurn): Promise<void> {
    const logIndex = completed.logIndex ?? campaign.logLength;
    await store.saveTurns(channelId, [completed]);
    const lastMessageId = completed.messageIds.at(-1);
    if (lastMessageId !== undefined && completed.options.length > 0) {
      await store.saveOptionSet(liveOptions(completed, lastMessageId));
    }
    await closeOptionsOf(completed.before?.previousOptionsTurnId ?? null);
    if (campaign.turnCount < completed.number) {
      await records.saveCampaign({
        ...campaign,
        party: joinParty(campaign.party, completed.actions),
        turnCount: completed.number,
        logLength: logIndex + 1,
        // The turn that went another way has been told: the X-card's request is answered.
        redirectNext: undefined,
        updatedAt: now(),
      });
    }
    await store.saveLogEntry(campaign.campaignId, logIndex, completed);
    await forgetReportedRolls(completed.rolls ?? []);
  }

  /**
   * The delivered turn told the DM of these rolls: they leave the list, and rolls made while it ran stay for the next
   * turn. A failed write only means the next turn mentions them again, which must not undo a delivered turn.
   */
  async function forgetReportedRolls(reported: StoredRoll[]): Promise<void> {
    if (reported.length === 0) return;
    const ids = new Set(reported.map((roll) => roll.id));
    try {
      const rolls = await store.getRolls(channelId);
      await store.saveRolls(channelId, rolls.filter((roll) => !ids.has(roll.id)));
    } catch (error) {
      logger.warn({ err: error }, 'could not forget the rolls a delivered turn reported');
    }
  }

  /** Rolls a rewound turn had reported are waiting again, before any made since: the replayed story agrees with them. */
  async function reportRollsAgain(reported: StoredRoll[]): Promise<void> {
    if (reported.length === 0) return;
    const ids = new Set(reported.map((roll) => roll.id));
    const later = (await store.getRolls(channelId)).filter((roll) => !ids.has(roll.id));
    await store.saveRolls(channelId, [...reported, ...later].slice(-ROLLS_KEPT));
  }

  async function closeOptionsOf(turnId: string | null): Promise<void> {
    if (turnId === null) return;
    const optionSet = await store.getOptionSet(turnId);
    if (optionSet?.live === true) await store.saveOptionSet({ ...optionSet, live: false });
  }

  /** Queue task: the turn failed; its actions go back to the front of the waiting list, answered with the next turn. */
  async function keepFailedTurn(current: Work, messageIds: string[]): Promise<void> {
    if (work !== current) return;
    work = null;
    const waiting = await records.waiting();
    await records.saveWaiting(uniqueActions([...current.turn.actions, ...waiting]));
    await current.recording;
    await store.saveTurns(channelId, [{ ...snapshotOf(current.turn), status: 'interrupted', messageIds, finishedAt: now() }]);
  }

  // ── Held by Discord ──────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Queue task: Discord will not let the DM write here (a permission removed) or keeps failing. The table pauses; what
   * players act meanwhile is kept; the turn they did not see whole is remembered, to be shown again on release.
   */
  async function holdTable(reason: TableHold['reason'], turnId: string | null): Promise<void> {
    const campaign = await records.campaign();
    if (campaign === undefined || campaign.status === 'ended') return;
    const gmPaused = pausedByGm(campaign);
    const held: TableHold = { reason, since: campaign.held?.since ?? now(), turnId: turnId ?? campaign.held?.turnId ?? null, ...(gmPaused ? { gmPaused } : {}) };
    await records.saveCampaign({ ...campaign, status: 'paused', held, updatedAt: now() });
    logger.warn({ reason, unshownTurnId: held.turnId }, 'the table holds until Discord lets the DM write again');
  }

  let releasing: Promise<boolean> | null = null;
  let lastReleaseAttemptAt = 0;

  /**
   * Tries Discord again (one attempt at a time; unless `now`, not more often than HOLD_RETRY_MS). True: play goes on
   * (false when Discord still refuses, and when the hold is released but the GM has paused the table).
   */
  function releaseHold(options: { now: boolean }): Promise<boolean> {
    if (releasing !== null) return releasing;
    if (!options.now && Date.now() - lastReleaseAttemptAt < HOLD_RETRY_MS) return Promise.resolve(false);
    lastReleaseAttemptAt = Date.now();
    releasing = tryToRelease().finally(() => {
      releasing = null;
    });
    return releasing;
  }

  async function tryToRelease(): Promise<boolean> {
    const held = await serialise(async () => {
      const campaign = await records.campaign();
      if (campaign?.held == null) return null;
      const last = deliveredTurns(campaign, await store.getRecentTurns(channelId)).at(-1);
      return { campaign, unshown: last !== undefined && last.turnId === campaign.held.turnId ? last : undefined };
    });
    if (held === null) return true;
    let messageIds: string[] = [];
    try {
      // The notice is the test: a channel still closed to the DM refuses it, and nothing else is tried.
      await presenters.notice(channelId, HOLD_LIFTED_NOTICE);
      if (held.unshown !== undefined) messageIds = await showTurnAgain(held.unshown);
    } catch (error) {
      logger.info({ err: error }, 'Discord still does not let the DM write here; the table keeps holding');
      return false;
    }
    return serialise(async () => {
      const campaign = await records.campaign();
      if (campaign?.held == null || campaign.campaignId !== held.campaign.campaignId) return campaign?.status === 'active';
      if (held.unshown !== undefined && messageIds.length > 0) await moveToNewMessages(held.unshown.turnId, messageIds, 'shown again in full below');
      if (campaign.held.gmPaused === true) {
        await records.saveCampaign({ ...campaign, status: 'paused', held: null, updatedAt: now() });
        logger.info('Discord lets the DM write again; the table stays paused by its GM');
        return false;
      }
      await records.saveCampaign({ ...campaign, status: 'active', held: null, updatedAt: now() });
      logger.info('Discord lets the DM write again; the table plays on');
      kick();
      return true;
    });
  }

  /**
   * Queue task: a delivered turn shown again in full (showTurnAgain) lives in its new messages from now on, its buttons
   * on the last one; the old messages keep one line saying so.
   */
  async function moveToNewMessages(turnId: string, messageIds: string[], staleNote: string): Promise<void> {
    const [current] = (await store.getRecentTurns(channelId)).filter((turn) => turn.turnId === turnId);
    if (current === undefined || current.status !== 'complete') return;
    const stale = current.messageIds;
    await store.saveTurns(channelId, [{ ...current, messageIds }]);
    const optionSet = await store.getOptionSet(current.turnId);
    const lastMessageId = messageIds.at(-1);
    if (lastMessageId !== undefined && current.options.length > 0 && (optionSet === undefined || optionSet.live)) {
      await store.saveOptionSet(liveOptions(current, lastMessageId));
    }
    void presenters
      .markMessages({ channelId, messageIds: stale, note: staleNote })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not mark the old messages of a turn shown again'));
  }

  /** The whole turn, as one complete write with its buttons (not streamed: it was written long ago). */
  async function showTurnAgain(turn: StoredTurn): Promise<string[]> {
    const presenter = presenters.create({ channelId, turnId: turn.turnId, streaming: false, onMessageCreated: () => {} });
    const timestamp = now();
    presenter.sink({ type: 'narrative_chunk', content: turn.narrative, is_final: true, timestamp });
    presenter.sink({ type: 'player_response_chunk', content: turn.response, is_final: true, timestamp });
    presenter.sink({ type: 'player_options', options: turn.options, ...(turn.checks === undefined ? {} : { checks: turn.checks }), timestamp });
    return (await presenter.finish()).messageIds;
  }

  /**
   * Queue task: the scene after a turn, unless a later turn, an undo or a reroll has made another turn the last. The
   * turn that followed `delivered` may have begun before this scene (turns do not wait for it): it started from the
   * scene before, and its snapshot takes this one, so that undoing it restores the scene the players had after
   * `delivered`. Its prompt keeps what it began with.
   */
  async function applyMetadata(delivered: StoredTurn, metadata: SceneMetadata | null): Promise<void> {
    if (metadata === null) return;
    const [campaign, turns, stored] = await Promise.all([records.campaign(), store.getRecentTurns(channelId), records.scene()]);
    if (campaign === undefined || campaign.campaignId !== delivered.campaignId) return;
    const edits = stored?.gmEdits ?? null;
    const editedSince = edits !== null && edits.at > delivered.startedAt;
    const scene = editedSince ? applySceneEdits(metadata, edits.fields) : metadata;
    const follows = (turn: StoredTurn | undefined): turn is StoredTurn & { before: TurnSnapshot } =>
      turn?.before !== undefined && turn.before.previousOptionsTurnId === delivered.turnId;
    const last = deliveredTurns(campaign, turns).at(-1);
    if (last?.turnId === delivered.turnId) {
      await records.saveScene({ metadata: scene, gmEdits: editedSince ? edits : null });
      if (work !== null && follows(work.turn)) takeSceneIntoSnapshot(work, scene);
    } else if (follows(last)) {
      // The next turn was delivered first; its own metadata decides the scene.
      await store.saveTurns(channelId, [{ ...last, before: { ...last.before, scene } }]);
    }
  }

  /** The turn in the works began before the scene it follows was known: its record (and a retried delivery's) gets it. */
  function takeSceneIntoSnapshot(current: Work, scene: SceneMetadata): void {
    for (const turn of [current.turn, current.completed]) {
      if (turn?.before !== undefined) turn.before = { ...turn.before, scene };
    }
    // Written in the chain of the turn's own record writes (a message id written next carries it too). Once a delivery
    // has begun, its record is the one to write, and the delivery (or its retry) writes it.
    current.recording = current.recording
      .then(async () => {
        if (work === current && current.completed === null) await store.saveTurns(channelId, [snapshotOf(current.turn)]);
      })
      .catch((error: unknown) => logger.warn({ err: error, turnId: current.turn.turnId }, "could not record the scene a turn began from"));
  }

  async function recordUsage(delivered: StoredTurn, result: TurnResult, turnLogger: Logger): Promise<void> {
    // Counted once per turn, when the last phase (metadata) has reported its tokens too.
    dependencies.metrics?.turnReported(result);
    const total = Object.values(result.usage).reduce(addUsage, undefined);
    if (total === undefined) {
      // A server that reports no usage (some refuse stream_options) spends uncounted: the budgets cannot see it.
      if (!warnedOfNoUsage && dependencies.spending !== undefined) {
        warnedOfNoUsage = true;
        turnLogger.warn("the model's server reported no token usage for a turn; budgets cannot count what such turns spend");
      }
      return;
    }
    await Promise.all([
      store.addUsage({ guildId: delivered.guildId, channelId }, total).catch((error: unknown) => turnLogger.warn({ err: error }, 'could not record token usage')),
      // Per UTC day and month, by phase and model: what the budgets count and /gm budget shows. Logs its own failures.
      dependencies.spending?.recordTurn({ guildId: delivered.guildId, channelId, usage: result.usage }),
    ]);
  }

  /** Folds old turns into the summary, one fold at a time; the model writes outside the queue. */
  function foldWhileNeeded(): Promise<void> {
    folding ??= (async () => {
      try {
        for (let attempt = 0; attempt < FOLD_ATTEMPTS; attempt += 1) {
          const plan = await serialise(async () => {
            const [campaign, turns] = await Promise.all([records.campaign(), store.getRecentTurns(channelId)]);
            if (campaign === undefined || campaign.status === 'ended') return null;
            if (!foldFellBehind(campaign, turns)) return planFold(campaign, turns);
            return planFold(campaign, await store.getLog(campaign.campaignId, campaign.logLength));
          });
          if (plan === null) return;
          const summary = await dependencies.summarise({ premise: plan.premise, summary: plan.summary, turns: plan.turns });
          const applied = await serialise(async () => {
            const [campaign, turns] = await Promise.all([records.campaign(), store.getRecentTurns(channelId)]);
            if (campaign === undefined || !foldStillApplies(plan, campaign, turns)) return false;
            await records.saveCampaign({ ...campaign, summary, summarisedThroughTurn: plan.throughTurn, updatedAt: now() });
            return true;
          });
          logger.info({ foldedTurns: plan.turnIds.length, throughTurn: plan.throughTurn, applied }, 'folded turns into the summary');
        }
      } catch (error) {
        logger.warn({ err: error }, 'could not fold old turns into the summary; will try after the next turn');
      } finally {
        folding = null;
      }
    })();
    return folding;
  }

  // ── GM narration ─────────────────────────────────────────────────────────────────────────────────────────────

  async function postNarration(narration: Narration): Promise<void> {
    const prepared = await serialise(async () => {
      const [campaign, storedScene, turns] = await Promise.all([
        records.campaign(),
        records.scene(),
        store.getRecentTurns(channelId),
      ]);
      if (campaign === undefined || campaign.status === 'ended' || work !== null) return null;
      const previous = deliveredTurns(campaign, turns).at(-1);
      const turn = newTurn({
        campaign,
        kind: 'narration',
        actions: [],
        narrative: narration.text,
        before: takeSnapshot(campaign, storedScene?.metadata ?? null, previous?.turnId ?? null),
      });
      const current = newWork('narration', turn);
      work = current;
      return current;
    });
    if (prepared === null) {
      narration.resolve({ status: 'not_running' });
      return;
    }
    try {
      const { messageIds } = await presenters.post(channelId, narration.text);
      const recorded = await serialise(async () => {
        if (work !== prepared) return false;
        work = null;
        const campaign = await records.campaign();
        if (campaign === undefined || campaign.campaignId !== prepared.turn.campaignId) return false;
        const completed: StoredTurn = { ...prepared.turn, status: 'complete', messageIds, finishedAt: now(), logIndex: campaign.logLength };
        await store.saveTurns(channelId, [completed]);
        // The GM has moved the story on: the last turn's options no longer fit it.
        const previousId = completed.before?.previousOptionsTurnId ?? null;
        const previousOptions = previousId === null ? undefined : await store.getOptionSet(previousId);
        if (previousOptions?.live === true) {
          const closed = { ...previousOptions, live: false };
          await store.saveOptionSet(closed);
          presenters.retireOptions(closed);
        }
        await records.saveCampaign({ ...campaign, turnCount: completed.number, logLength: campaign.logLength + 1, updatedAt: now() });
        await store.saveLogEntry(campaign.campaignId, campaign.logLength, completed);
        return true;
      });
      narration.resolve(recorded ? { status: 'posted', messageIds } : { status: 'not_running' });
    } catch (error) {
      await serialise(async () => {
        if (work === prepared) work = null;
      });
      narration.reject(error);
    } finally {
      prepared.end();
    }
  }

  // ── Requests ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** A player's action (a message, /act, or a click with `choice`): stored before the answer says it was taken. */
  async function submit(action: PlayerAction): Promise<SubmitOutcome> {
    // A click on the buttons of the turn in the works: its option set is stored a moment after they appear, and the
    // click must count rather than be told its choice has passed.
    const clicked = action.choice === undefined ? null : namedTurnOver(action.choice.turnId);
    if (clicked !== null) await clicked;
    return serialise(async (): Promise<SubmitOutcome> => {
      if (dependencies.isShuttingDown()) return { status: 'shutting_down' };
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_active', campaign };
      let taken = action;
      if (action.source === 'message' && campaign.settings.messages === 'talk') {
        const text = action.text.startsWith('>') ? action.text.replace(/^>+/, '').trim() : '';
        if (text === '') return { status: 'table_talk' };
        taken = { ...action, text };
      }
      if (pausedByGm(campaign)) return { status: 'paused' };
      let check: OptionCheck | null = null;
      if (action.choice !== undefined) {
        const optionSet = await store.getOptionSet(action.choice.turnId);
        const text = optionSet?.options[action.choice.index];
        if (optionSet === undefined || text === undefined || optionSet.channelId !== channelId || !optionSet.live) return { status: 'passed' };
        taken = { ...taken, text };
        check = optionSet.checks?.[action.choice.index] ?? null;
      }
      // Refusals name the turn the player waits for (the campaign and its count of delivered turns), so that whoever
      // tells the player can tell them once per turn.
      const turn = `${campaign.campaignId}:${campaign.turnCount}`;
      if (taken.text.length > MAX_ACTION_CHARACTERS) return { status: 'too_long', limit: MAX_ACTION_CHARACTERS, turn };
      // Before anything is stored: an action the DM could not answer today is not taken.
      const spent = (await dependencies.spending?.spent({ guildId: campaign.guildId, channelId, tableDailyTokens: campaign.settings.dailyTokens })) ?? null;
      if (spent !== null) return { status: 'budget_spent', scope: spent.scope, resetAt: spent.resetAt, turn };
      const waiting = await records.waiting();
      if (!hasRoomFor(waiting, taken)) return { status: 'full', turn };
      // Counted last: only an action that is taken uses the player's allowance.
      const rate = dependencies.actionRate;
      const retryAt = rate?.take({ guildId: campaign.guildId, playerId: taken.playerId }) ?? null;
      if (rate !== undefined && retryAt !== null) return { status: 'too_fast', perMinute: rate.perMinute, retryAt, turn };
      // Rolled only once the click is sure to count: a refused click has shown no roll, so clicking again is no reroll.
      if (check !== null) taken = withCheckRolled(taken, check, (await store.getCharacters(campaign.campaignId))[taken.playerId]);
      await records.saveWaiting([...waiting, taken]);
      if (campaign.held != null) {
        // Kept for when Discord lets the DM write again; the action is a good moment to try.
        void releaseHold({ now: false });
        return { status: 'queued', position: waiting.length + 1, action: taken, held: true };
      }
      // In round mode no action starts a turn by itself: the round decides (beginTurn), from its first action on.
      const rounds = campaign.settings.rounds === true;
      if (rounds && waiting.length === 0) roundOpenedAt ??= Date.now();
      const busy = work !== null || loop !== null || sealedBatch !== null || rounds;
      if (!busy) sealedBatch = new Set([...waiting, taken].map((waitingAction) => waitingAction.id));
      kick();
      return busy ? { status: 'queued', position: waiting.length + 1, action: taken } : { status: 'started', action: taken };
    }).catch((error: unknown): SubmitOutcome => {
      // Not stored, so not taken: the player is told to send it again, and nothing half-written stays behind.
      if (error instanceof StoreUnreachableError) return { status: 'store_unreachable' };
      throw error;
    });
  }

  /** `requestId`: the id of the request that starts the campaign, which the opening turn names as its origin. */
  function start(input: { guildId: string; premise: string; tone: string; startedBy: string; requestId?: string }): Promise<StartOutcome> {
    return serialise(async (): Promise<StartOutcome> => {
      if (dependencies.isShuttingDown()) return { status: 'shutting_down' };
      const previous = await records.campaign();
      if (previous !== undefined && previous.status !== 'ended') return { status: 'already_running', campaign: previous };
      // A turn of the ended campaign may still be finishing its abort: it is no longer this table's.
      takeWorkAway('ended');
      forgetTheMoment();
      // The old campaign goes first, so a crash in between leaves an ended campaign, never a mixed one. Its buttons
      // stay in Discord and must answer "that choice has passed".
      const turns = await store.getRecentTurns(channelId);
      for (const turn of turns) await closeOptionsOf(turn.turnId);
      await records.saveWaiting([]);
      await store.deleteTurns(channelId);
      await records.deleteScene();
      const createdAt = now();
      const campaign: Campaign = {
        campaignId: createCampaignId(),
        channelId,
        guildId: input.guildId,
        status: 'active',
        premise: input.premise,
        tone: input.tone,
        summary: '',
        summarisedThroughTurn: 0,
        party: [],
        // The table's own rules (lines and veils above all) stay with the table from one campaign to the next.
        settings: previous?.settings ?? { streaming: null, messages: 'actions', length: 'normal', limits: '' },
        startedBy: input.startedBy,
        createdAt,
        updatedAt: createdAt,
        turnCount: 0,
        logLength: 0,
      };
      await records.saveCampaign(campaign);
      await store.addTable({ channelId, guildId: input.guildId });
      openingOrigin = input.requestId ?? null;
      kick();
      return { status: 'started', campaign };
    });
  }

  function end(): Promise<EndOutcome> {
    return serialise(async (): Promise<EndOutcome> => {
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_running' };
      // Ended first: whatever happens next, nothing of this campaign runs again, not even after a crash.
      await records.saveCampaign({ ...campaign, status: 'ended', updatedAt: now() });
      const stopped = takeWorkAway('ended');
      if (stopped?.kind === 'turn') {
        await stopped.recording;
        await store.saveTurns(channelId, [{ ...snapshotOf(stopped.turn), status: 'stopped', finishedAt: now() }]);
      }
      forgetTheMoment();
      const dropped = await records.waiting();
      await records.saveWaiting([]);
      const last = deliveredTurns(campaign, await store.getRecentTurns(channelId)).at(-1);
      const optionSet = last === undefined ? undefined : await store.getOptionSet(last.turnId);
      if (optionSet?.live === true) {
        const closed = { ...optionSet, live: false };
        await store.saveOptionSet(closed);
        presenters.retireOptions(closed);
      }
      await store.removeTable({ channelId, guildId: campaign.guildId });
      return { status: 'ended', turns: campaign.turnCount, droppedActions: dropped, stoppedTurn: stopped?.kind === 'turn' };
    });
  }

  /**
   * What the table holds in memory for the campaign's next turn (a replayed batch, a round being gathered) ends with the
   * campaign; the X-card's turn away is the campaign record's own. A new campaign starts from its premise alone.
   */
  function forgetTheMoment(): void {
    sealedBatch = null;
    endRound('closed');
  }

  /** Clears `work` and aborts it: from here on, no write of that turn or narration is accepted. */
  function takeWorkAway(reason: StopReason): Work | null {
    const taken = work;
    work = null;
    if (taken !== null) {
      taken.stopReason = reason;
      taken.controller.abort();
    }
    if (reason !== 'stopped' && reason !== 'withdrawn') for (const narration of narrations.splice(0)) narration.resolve({ status: 'not_running' });
    return taken;
  }

  function pause(): Promise<PauseOutcome> {
    return serialise(async (): Promise<PauseOutcome> => {
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_running' };
      if (pausedByGm(campaign)) return { status: 'already_paused' };
      // Held by Discord: the pause is kept for when the hold is released.
      const held = campaign.held == null ? campaign.held : { ...campaign.held, gmPaused: true as const };
      await records.saveCampaign({ ...campaign, status: 'paused', held, updatedAt: now() });
      const waiting = await records.waiting();
      return { status: 'paused', turnRunning: work?.kind === 'turn', waiting: waiting.length };
    });
  }

  async function resume(): Promise<ResumeOutcome> {
    const held = await serialise(async () => {
      const campaign = await records.campaign();
      if (campaign?.held == null) return null;
      // The GM's word stands even if Discord still refuses: the table plays as soon as the hold is released.
      if (campaign.held.gmPaused === true) {
        const { gmPaused: _resumed, ...hold } = campaign.held;
        await records.saveCampaign({ ...campaign, held: hold, updatedAt: now() });
      }
      return campaign.held;
    });
    if (held != null) {
      if (!(await releaseHold({ now: true }))) return { status: 'still_held', reason: held.reason };
      return { status: 'resumed', waiting: (await serialise(() => records.waiting())).length };
    }
    return serialise(async (): Promise<ResumeOutcome> => {
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_running' };
      if (campaign.status !== 'paused') return { status: 'not_paused' };
      await records.saveCampaign({ ...campaign, status: 'active', updatedAt: now() });
      const waiting = await records.waiting();
      kick();
      return { status: 'resumed', waiting: waiting.length };
    });
  }

  function stop(): Promise<StopOutcome> {
    return serialise(async (): Promise<StopOutcome> => {
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_running' };
      if (work?.kind !== 'turn') return { status: 'nothing_running' };
      const stopped = takeWorkAway('stopped');
      if (stopped === null) return { status: 'nothing_running' };
      const ids = new Set(stopped.turn.actions.map((action) => action.id));
      // The batch may still be in the waiting list (the start's writes can fail); it is dropped from there too.
      const waiting = (await records.waiting()).filter((action) => !ids.has(action.id));
      await records.saveWaiting(waiting);
      await stopped.recording;
      await store.saveTurns(channelId, [{ ...snapshotOf(stopped.turn), status: 'stopped', finishedAt: now() }]);
      stopped.continueAfterStop = waiting.length > 0 && campaign.status === 'active';
      if (!stopped.continueAfterStop) {
        // Back where the table was before the turn: the previous turn's options can be picked again.
        const previousId = stopped.turn.before?.previousOptionsTurnId ?? null;
        const optionSet = previousId === null ? undefined : await store.getOptionSet(previousId);
        if (optionSet?.live === true) {
          const restored = { ...optionSet, chosen: null };
          await store.saveOptionSet(restored);
          presenters.restoreOptions(restored);
        }
      }
      return { status: 'stopped', droppedActions: stopped.turn.actions };
    });
  }

  /**
   * A turn the players already see whole, with its buttons, is only being recorded: a GM who rewinds it right then
   * means that turn, so the request waits the moment it takes to be delivered rather than being refused. (Returned,
   * not awaited here: with nothing to wait for, the request reaches the queue in the same tick.)
   */
  function shownTurnOver(): Promise<void> | null {
    return work?.kind === 'turn' && work.shownWhole ? work.over : null;
  }

  /**
   * A request that names the turn in the works by a button players can already see (its options, its failure note's
   * "Try again") comes a moment before that turn has recorded its end: it waits for that end, then is decided.
   */
  function namedTurnOver(turnId: string): Promise<void> | null {
    return work?.kind === 'turn' && work.turn.turnId === turnId ? work.over : null;
  }

  /**
   * The X-card, from anyone at the table: the turn being written, or else the last delivered one, is withdrawn (its
   * messages keep nothing readable) and played again from the state before it, told to go another way. A withdrawn
   * turn is discarded, so its text never enters a later prompt. A GM narration is withdrawn without a new one.
   */
  async function withdraw(): Promise<WithdrawOutcome> {
    const shown = shownTurnOver();
    if (shown !== null) await shown;
    return serialise(async (): Promise<WithdrawOutcome> => {
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_running' };
      if (work?.kind === 'turn') {
        const taken = takeWorkAway('withdrawn');
        if (taken === null) return { status: 'nothing_to_withdraw' };
        const waiting = await records.waiting();
        await records.saveWaiting(uniqueActions([...taken.turn.actions, ...waiting]));
        await taken.recording;
        await store.saveTurns(channelId, [{ ...snapshotOf(taken.turn), status: 'withdrawn', finishedAt: now() }]);
        if (taken.turn.actions.length > 0) sealedBatch = new Set(taken.turn.actions.map((action) => action.id));
        await records.saveCampaign({ ...campaign, redirectNext: true, updatedAt: now() });
        return { status: 'withdrawn' };
      }
      if (work !== null || narrations.length > 0) return { status: 'busy' };
      const last = deliveredTurns(campaign, await store.getRecentTurns(channelId)).at(-1);
      if (last === undefined || last.before === undefined) return { status: 'nothing_to_withdraw' };
      if (last.kind === 'turn' && last.actions.length > 0) {
        const waiting = await records.waiting();
        await records.saveWaiting(uniqueActions([...last.actions, ...waiting]));
        sealedBatch = new Set(last.actions.map((action) => action.id));
      }
      await rewind(campaign, last.before, [last], 'withdrawn');
      void presenters
        .withdrawMessages({ channelId, messageIds: last.messageIds })
        .catch((error: unknown) => logger.warn({ err: error }, 'could not withdraw the messages of a turn'));
      if (last.kind === 'turn') {
        const rewound = await records.campaign();
        if (rewound !== undefined) await records.saveCampaign({ ...rewound, redirectNext: true, updatedAt: now() });
        kick();
      }
      return { status: 'withdrawn' };
    });
  }

  async function reroll(): Promise<RerollOutcome> {
    const shown = shownTurnOver();
    if (shown !== null) await shown;
    return serialise(async (): Promise<RerollOutcome> => {
      const checked = await checkRewind();
      if ('status' in checked) return checked;
      const { campaign, delivered } = checked;
      if (campaign.status === 'paused') return { status: 'paused' };
      const last = delivered.at(-1);
      if (last === undefined || last.before === undefined) return { status: 'nothing_to_rewind' };
      if (last.kind === 'narration') return { status: 'last_is_narration' };
      // The actions first: until the turn is marked discarded they count as answered, after it they wait again.
      if (last.actions.length > 0) {
        const waiting = await records.waiting();
        await records.saveWaiting(uniqueActions([...last.actions, ...waiting]));
        sealedBatch = new Set(last.actions.map((action) => action.id));
      }
      await rewind(campaign, last.before, [last], 'discarded');
      void presenters
        .markMessages({ channelId, messageIds: last.messageIds, note: 'replaced by a reroll' })
        .catch((error: unknown) => logger.warn({ err: error }, 'could not mark a rerolled turn'));
      kick();
      return { status: 'rerolling', turn: last };
    });
  }

  async function undo(count: number): Promise<UndoOutcome> {
    const shown = shownTurnOver();
    if (shown !== null) await shown;
    return serialise(async (): Promise<UndoOutcome> => {
      const checked = await checkRewind();
      if ('status' in checked) return checked;
      const { campaign, delivered } = checked;
      // The opening is the campaign's start: undoing it would only make the DM open again. Reroll replaces it.
      const undoable = delivered.filter((turn) => !isOpening(turn) && turn.before !== undefined);
      if (undoable.length === 0) return { status: 'nothing_to_rewind' };
      if (count > undoable.length) return { status: 'too_many', available: undoable.length };
      const undone = delivered.slice(-count);
      const first = undone[0];
      if (first?.before === undefined) return { status: 'too_many', available: undoable.length };
      await rewind(campaign, first.before, undone, 'undone');
      // The turn that is now last plays again: its buttons come back.
      const previousId = first.before.previousOptionsTurnId;
      const optionSet = previousId === null ? undefined : await store.getOptionSet(previousId);
      if (optionSet !== undefined) {
        const restored = { ...optionSet, chosen: null, live: true };
        await store.saveOptionSet(restored);
        presenters.restoreOptions(restored);
      }
      for (const turn of undone) {
        void presenters
          .markMessages({ channelId, messageIds: turn.messageIds, note: 'undone by the GM' })
          .catch((error: unknown) => logger.warn({ err: error }, 'could not mark an undone turn'));
      }
      return { status: 'undone', turns: undone };
    });
  }

  async function checkRewind(): Promise<{ campaign: Campaign; delivered: StoredTurn[] } | Exclude<UndoOutcome, { status: 'undone' }>> {
    const campaign = await records.campaign();
    if (campaign === undefined || campaign.status === 'ended') return { status: 'not_running' };
    // Not refused for a loop that only waits for the last turn's metadata: that metadata is dropped by the rewind.
    if (work !== null || narrations.length > 0 || sealedBatch !== null) return { status: 'busy' };
    return { campaign, delivered: deliveredTurns(campaign, await store.getRecentTurns(channelId)) };
  }

  /** Queue task part: the turns leave the story, and the table is put back as `snapshot` found it. */
  async function rewind(campaign: Campaign, snapshot: TurnSnapshot, turns: StoredTurn[], status: TurnStatus): Promise<void> {
    const finishedAt = now();
    await store.saveTurns(channelId, turns.map((turn) => ({ ...turn, status, finishedAt })));
    for (const turn of turns) {
      await closeOptionsOf(turn.turnId);
      if (turn.logIndex !== undefined) await store.saveLogEntry(campaign.campaignId, turn.logIndex, { ...turn, status });
    }
    await records.saveCampaign(campaignBefore(campaign, snapshot));
    await reportRollsAgain(turns.flatMap((turn) => turn.rolls ?? []));
    const stored = await records.scene();
    if (snapshot.scene === null) await records.deleteScene();
    else await records.saveScene({ metadata: snapshot.scene, gmEdits: stored?.gmEdits ?? null });
    const previousId = snapshot.previousOptionsTurnId;
    const optionSet = previousId === null ? undefined : await store.getOptionSet(previousId);
    if (optionSet !== undefined && (status === 'discarded' || status === 'withdrawn')) await store.saveOptionSet({ ...optionSet, chosen: null, live: true });
  }

  /**
   * "Try again" under a failed turn: its kept actions run now. Only while that turn is the campaign's last attempt and
   * nothing runs; a second press while the first one's turn runs is told so, so a double press plays one turn.
   */
  async function retry(turnId: string): Promise<RetryOutcome> {
    // The button shows as soon as the failed turn's note lands, a moment before the turn has kept its actions.
    const failing = namedTurnOver(turnId);
    if (failing !== null) await failing;
    return serialise(async (): Promise<RetryOutcome> => {
      if (dependencies.isShuttingDown()) return { status: 'shutting_down' };
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_running' };
      if (campaign.status === 'paused') return { status: 'paused' };
      if (work !== null || retryAsked) return { status: 'already_running' };
      const failed = (await store.getRecentTurns(channelId)).filter((turn) => belongsTo(turn, campaign)).at(-1);
      if (failed?.turnId !== turnId || failed.status !== 'interrupted') return { status: 'passed' };
      const waiting = await records.waiting();
      const kept = new Set(failed.actions.map((action) => action.id));
      if (campaign.turnCount > 0 && !waiting.some((action) => kept.has(action.id))) return { status: 'passed' };
      if (waiting.some((action) => kept.has(action.id))) sealedBatch = kept;
      retryAsked = true;
      kick();
      return { status: 'retrying' };
    });
  }

  function narrate(text: string): Promise<NarrateOutcome> {
    return serialise(async () => {
      if (dependencies.isShuttingDown()) return { status: 'shutting_down' } as const;
      const campaign = await records.campaign();
      return campaign === undefined || campaign.status === 'ended' ? ({ status: 'not_running' } as const) : null;
    }).then(
      (refusal) =>
        refusal ??
        new Promise<NarrateOutcome>((resolve, reject) => {
          narrations.push({ text, resolve, reject });
          kick();
        }),
    );
  }

  function editScene(edits: SceneEdits): Promise<SceneOutcome> {
    return serialise(async (): Promise<SceneOutcome> => {
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_running' };
      const stored = await records.scene();
      const scene = applySceneEdits(stored?.metadata ?? emptyScene(), edits);
      await records.saveScene({ metadata: scene, gmEdits: { fields: { ...stored?.gmEdits?.fields, ...edits }, at: now() } });
      return { status: 'edited', scene };
    });
  }

  /**
   * A player's roll, made in the queue so the sheet it reads is the one last written. In a channel with a campaign
   * (active or paused) it is recorded for the next turn's DM; elsewhere it is only answered. Abilities (`d20+DEX`)
   * come from the roller's sheet of this campaign; a refusal rolls and records nothing.
   */
  function roll(request: { id: string; playerId: string; playerName: string; checked: CheckedExpression; reason: string }): Promise<RollOutcome> {
    return serialise(async (): Promise<RollOutcome> => {
      const campaign = await records.campaign();
      const playing = campaign !== undefined && campaign.status !== 'ended' ? campaign : undefined;
      const sheet = playing === undefined ? undefined : (await store.getCharacters(playing.campaignId))[request.playerId];
      const { abilities } = request.checked;
      if (abilities.length > 0) {
        if (playing === undefined) return { status: 'refused', problem: `${abilities.join(', ')} comes from a character sheet, and sheets belong to a campaign: this channel has none running.` };
        if (sheet === undefined) return { status: 'refused', problem: `You have no character here yet: set one with \`/character set name: … modifiers: STR +2 DEX +3\`.` };
        const missing = abilities.filter((ability) => sheet.modifiers[ability] === undefined);
        if (missing.length > 0) {
          const has = describeModifiers(sheet.modifiers);
          return { status: 'refused', problem: `${sheet.name} has no ${missing.join(', ')} modifier${has === '' ? '' : ` (the sheet says ${has})`}. Add it with \`/character set modifiers:\`.` };
        }
      }
      const rolled = rollExpression(request.checked, sheet?.modifiers ?? {});
      if (!rolled.ok) return { status: 'refused', problem: rolled.problem };
      const characterName = sheet?.name ?? null;
      if (playing === undefined) return { status: 'rolled', rolls: rolled.rolls, total: rolled.total, recorded: false, characterName };
      const stored: StoredRoll = {
        id: request.id,
        campaignId: playing.campaignId,
        playerId: request.playerId,
        playerName: request.playerName,
        ...(characterName === null ? {} : { characterName }),
        expression: request.checked.expression,
        rolls: rolled.rolls,
        total: rolled.total,
        reason: request.reason,
        rolledAt: now(),
      };
      const kept = (await store.getRolls(channelId)).filter((earlier) => earlier.campaignId === playing.campaignId);
      await store.saveRolls(channelId, [...kept, stored].slice(-ROLLS_KEPT));
      return { status: 'rolled', rolls: rolled.rolls, total: rolled.total, recorded: true, characterName };
    });
  }

  /** `/character set`: the player's sheet in this campaign, created or changed field by field. */
  function setCharacter(request: { playerId: string; playerName: string; changes: SheetChanges }): Promise<CharacterOutcome> {
    return serialise(async (): Promise<CharacterOutcome> => {
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_running' };
      const sheets = await store.getCharacters(campaign.campaignId);
      const existing = sheets[request.playerId];
      const changed = applySheetChanges(existing, request.changes);
      if (!changed.ok) return { status: 'invalid', problem: changed.problem };
      await store.saveCharacters(campaign.campaignId, { ...sheets, [request.playerId]: changed.sheet });
      // Whoever makes a character sits at the table: the party section names them before they first act.
      if (!campaign.party.some((member) => member.playerId === request.playerId)) {
        await records.saveCampaign({ ...campaign, party: [...campaign.party, { playerId: request.playerId, name: request.playerName }], updatedAt: now() });
      }
      return { status: 'saved', sheet: changed.sheet, created: existing === undefined };
    });
  }

  // `/gm lore add` and `remove`: the lorebook changes in the queue, so two GMs' edits never overwrite each other. A
  // turn already begun keeps the lorebook it read; the next turn sees the change.

  function addLoreEntry(request: { keys: string; text: string }): Promise<AddLoreOutcome> {
    return serialise(async (): Promise<AddLoreOutcome> => {
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_running' };
      const added = addLore(await store.getLore(campaign.campaignId), { ...request, at: now() });
      if (!added.ok) return { status: 'invalid', problem: added.problem };
      await store.saveLore(campaign.campaignId, added.entries);
      return { status: 'added', entry: added.entry, replaced: added.replaced, count: added.entries.length };
    });
  }

  function removeLoreEntries(keys: string): Promise<RemoveLoreOutcome> {
    return serialise(async (): Promise<RemoveLoreOutcome> => {
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_running' };
      const removal = removeLore(await store.getLore(campaign.campaignId), keys);
      if (!removal.ok) return { status: 'invalid', problem: removal.problem };
      if (removal.removed.length > 0) await store.saveLore(campaign.campaignId, removal.entries);
      return { status: 'removed', removed: removal.removed, count: removal.entries.length };
    });
  }

  function configure(changes: Partial<TableSettings>): Promise<ConfigureOutcome> {
    return serialise(async (): Promise<ConfigureOutcome> => {
      const campaign = await records.campaign();
      if (campaign === undefined || campaign.status === 'ended') return { status: 'not_running' };
      const settings = { ...campaign.settings, ...changes };
      await records.saveCampaign({ ...campaign, settings, updatedAt: now() });
      return { status: 'configured', settings };
    });
  }

  // ── Start-up and shutdown ────────────────────────────────────────────────────────────────────────────────────

  /**
   * At start-up: unfinished turns are marked, and every acknowledged action not yet answered is answered once.
   * `guildId`: the guild whose index listed this table.
   */
  async function recover(guildId: string): Promise<void> {
    const found = await serialise(async () => {
      const stored = await records.campaign();
      if (stored === undefined || stored.status === 'ended') {
        await store.removeTable({ channelId, guildId });
        return { interrupted: [], readWhole: [] };
      }
      // Listed by the index of versions before shards: from now on its guild's own index lists it.
      await store.addTable({ channelId, guildId: stored.guildId });
      // Players had read the whole answer of these (only their options were missing): delivered as they are, never
      // told again. One at a time, each on the campaign as the one before left it.
      const readWhole = (await store.getRecentTurns(channelId))
        .filter((turn) => belongsTo(turn, stored) && turn.status === 'in_progress' && turn.textWhole === true)
        .sort((first, second) => first.number - second.number);
      let campaign = stored;
      for (const turn of readWhole) {
        await recordDelivered(campaign, { ...turn, textWhole: undefined, status: 'complete', options: [], checks: undefined, finishedAt: now(), logIndex: campaign.logLength });
        campaign = (await records.campaign()) ?? campaign;
      }
      const [turns, waiting] = await Promise.all([store.getRecentTurns(channelId), records.waiting()]);
      const delivered = deliveredTurns(campaign, turns);
      const answered = new Set(delivered.flatMap((turn) => turn.actions.map((action) => action.id)));
      const unfinished = turns.filter((turn) => belongsTo(turn, campaign) && turn.status === 'in_progress');
      const toAnswer = uniqueActions([...unfinished.flatMap((turn) => turn.actions), ...waiting]).filter((action) => !answered.has(action.id));
      // The waiting list first: until the turns are marked, their actions are found there too.
      await records.saveWaiting(toAnswer);
      if (unfinished.length > 0) await store.saveTurns(channelId, unfinished.map((turn) => ({ ...turn, status: 'interrupted', finishedAt: now() })));
      // A crash between a turn's record and the campaign's count: the delivered turns are the truth. None among the
      // recent turns (the opening is never undone) means many failed turns since the last delivered one: the count stands.
      const lastNumber = delivered.at(-1)?.number ?? campaign.turnCount;
      if (campaign.turnCount !== lastNumber) await records.saveCampaign({ ...campaign, turnCount: lastNumber, updatedAt: now() });
      // The interrupted turn is answered again as the batch it was, before what waited behind it.
      const replayed = unfinished.at(-1)?.actions.filter((taken) => !answered.has(taken.id)) ?? [];
      if (replayed.length > 0) sealedBatch = new Set(replayed.map((taken) => taken.id));
      if (unfinished.length > 0 || toAnswer.length > 0) {
        logger.info({ unfinishedTurns: unfinished.length, actions: toAnswer.length }, 'answering what a restart left unanswered');
      }
      if (campaign.held != null) void releaseHold({ now: true });
      return { interrupted: unfinished, readWhole };
    });
    for (const turn of found.interrupted) {
      if (turn.messageIds.length === 0) continue;
      await presenters
        .markMessages({ channelId, messageIds: turn.messageIds, note: 'interrupted by a restart' })
        .catch((error: unknown) => logger.warn({ err: error, turnId: turn.turnId }, 'could not mark an interrupted turn'));
    }
    // The restart may have cut the last edits of a turn read whole: it is shown again, complete, as the one answer.
    for (const turn of found.readWhole) {
      try {
        const messageIds = await showTurnAgain({ ...turn, options: [] });
        await serialise(() => moveToNewMessages(turn.turnId, messageIds, 'cut short by a restart: shown in full below'));
      } catch (error) {
        logger.warn({ err: error, turnId: turn.turnId }, 'could not show again a turn a restart cut short; it stays as shown');
      }
    }
    kick();
  }

  /** At shutdown, after the grace period: the running turn stops and stays unfinished, to be answered at the next start. */
  function abortForShutdown(): void {
    whisperDesk.abortAll();
    if (work?.kind === 'turn') {
      work.stopReason = 'restarting';
      work.controller.abort();
    }
  }

  /** Resolves when no turn runs, nothing is queued and every turn's metadata and the folds have been applied. */
  async function idle(): Promise<void> {
    while (loop !== null || folding !== null || metadataPending > 0) {
      await Promise.all([loop, folding, metadataSettled, queue]);
      await metadataSettled;
    }
    await queue;
  }

  return {
    channelId,
    submit,
    start,
    end,
    pause,
    resume,
    stop,
    reroll,
    undo,
    narrate,
    retry,
    withdraw,
    editScene,
    configure,
    addLoreEntry,
    removeLoreEntries,
    roll,
    setCharacter,
    /** A player's private action, answered for them alone (whisper-desk.ts). */
    whisper: (request: WhisperRequest, onText: (piece: string) => void): Promise<WhisperOutcome> => whisperDesk.whisper(request, onText),
    recover,
    abortForShutdown,
    /** Tries again at once whether Discord lets a held table write (its channel's permissions changed). */
    retryHeld: (): Promise<boolean> => releaseHold({ now: true }),
    idle,
    /** Resolves when the turn in the works (if any) has ended: what shutdown waits for. */
    whenTurnEnds: async (): Promise<void> => {
      await Promise.all([loop, whisperDesk.whenAnswered()]);
    },
    /** Resolves when every write already asked for has been made. */
    whenWritten: (): Promise<unknown> => queue,
    isBusy: (): boolean => work !== null,
    /** Actions waiting, as the table last read or wrote them (0 before it has looked): for the metrics. */
    waitingCount: (): number => records.waitingCount(),
    /** Nothing asked for, nothing running, nothing decided for later, and unused for `idleForMs`. */
    isIdleFor: (idleForMs: number): boolean =>
      pendingTasks === 0 &&
      metadataPending === 0 &&
      work === null &&
      loop === null &&
      folding === null &&
      narrations.length === 0 &&
      sealedBatch === null &&
      roundTimer === null &&
      !whisperDesk.isAnswering() &&
      Date.now() - lastUsedAt >= idleForMs,
  };
}

type TurnText = { sink: TurnSink; narrative(): string; response(): string; whole(): boolean };

/** Passes every event on, and keeps the turn's text: what players have read when a turn is cut short. */
function watchTurnText(next: TurnSink, onWhole: (narrative: string, response: string) => void): TurnText {
  let narrative = '';
  let response = '';
  let responseEnded = false;
  return {
    sink(event) {
      if (event.type === 'narrative_chunk') narrative += event.content;
      if (event.type === 'player_response_chunk') {
        response += event.content;
        if (event.is_final && !responseEnded) {
          responseEnded = true;
          onWhole(narrative, response);
        }
      }
      return next(event);
    },
    narrative: () => narrative,
    response: () => response,
    whole: () => responseEnded,
  };
}

/** A copy that later pushes to the live turn object (message ids) cannot change. */
function snapshotOf(turn: StoredTurn): StoredTurn {
  return { ...turn, messageIds: [...turn.messageIds] };
}

/** A delivered turn's options, clickable on `messageId` (the last message showing it) until the next turn delivers. */
function liveOptions(turn: StoredTurn, messageId: string): OptionSet {
  return { turnId: turn.turnId, channelId: turn.channelId, messageId, options: turn.options, ...(turn.checks === undefined ? {} : { checks: turn.checks }), chosen: null, live: true };
}

function isOpening(turn: StoredTurn): boolean {
  return turn.number === 1 && turn.kind === 'turn' && turn.actions.length === 0;
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds).unref());
}
