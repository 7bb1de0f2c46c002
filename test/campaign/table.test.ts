import { describe, expect, it } from 'vitest';
import { checkExpression } from '../../src/campaign/dice.ts';
import { StoreUnreachableError } from '../../src/campaign/store-failure.ts';
import type { PresenterFactory, TurnPresenter } from '../../src/campaign/presenter.ts';
import type { Summariser } from '../../src/campaign/fold-plan.ts';
import type { Tables } from '../../src/campaign/tables.ts';
import type { CampaignStore, OptionSet } from '../../src/campaign/types.ts';
import type { TurnEvent } from '../../src/dm/events.ts';
import type { PlayerAction } from '../../src/dm/types.ts';
import { dmResponder, phaseOf, SAMPLE_METADATA } from '../support/dm-script.ts';
import { reply } from '../support/fake-openai.ts';
import { createGate } from '../support/gate.ts';
import { useTableWorld } from '../support/table-world.ts';

// The table owner with everything real except Discord: a SQLite store, the orchestrator on the openai SDK against the
// fake server, and a presenter that records what it was asked to show (the Discord renderer has its own tests).

const world = useTableWorld('table');
const CHANNEL = '1200000000000000001';
const GUILD = '1300000000000000001';

type ShownTurn = { turnId: string; events: TurnEvent[]; interrupted: string | null; finished: boolean };

/** `holdFinish`: what a turn's final write waits for (its buttons land when the promise resolves); by the turn's index. */
function recordingPresenters(holdFinish: (turnIndex: number) => Promise<unknown> = async () => undefined) {
  const turns: ShownTurn[] = [];
  const retired: OptionSet[] = [];
  const restored: OptionSet[] = [];
  const notices: string[] = [];
  const marked: { messageIds: string[]; note: string }[] = [];
  let messageCounter = 0;
  const factory: PresenterFactory = {
    create({ turnId, onMessageCreated }): TurnPresenter {
      const shown: ShownTurn = { turnId, events: [], interrupted: null, finished: false };
      turns.push(shown);
      const messageId = `m${++messageCounter}`;
      let created = false;
      return {
        start: () => undefined,
        sink: (event) => {
          shown.events.push(event);
          if (!created) {
            created = true;
            onMessageCreated(messageId);
          }
        },
        finish: async () => {
          await holdFinish(turns.indexOf(shown));
          shown.finished = true;
          return { messageIds: [messageId] };
        },
        interrupt: async (reason) => {
          shown.interrupted = reason;
          return { messageIds: created ? [messageId] : [], completed: false };
        },
      };
    },
    retireOptions: (optionSet) => void retired.push(optionSet),
    restoreOptions: (optionSet) => void restored.push(optionSet),
    markMessages: async (input) => void marked.push({ messageIds: input.messageIds, note: input.note }),
    withdrawMessages: async (input) => void marked.push({ messageIds: input.messageIds, note: 'withdrawn' }),
    showRoundStatus: () => undefined,
    post: async () => ({ messageIds: [`m${++messageCounter}`] }),
    notice: async (_channelId, text) => void notices.push(text),
  };
  return { factory, turns, retired, restored, notices, marked };
}

function startTables(presenters: PresenterFactory, summarise?: Summariser, over: CampaignStore = world.store): Tables {
  return world.openTables({ presenters, store: over, ...(summarise === undefined ? {} : { summarise }) });
}

/** A new process on the same store: the fake model's record starts afresh, every phase answers, recovery has played out. */
async function restart() {
  world.fake.clear();
  world.fake.respondWith(dmResponder());
  const shown = recordingPresenters();
  const restarted = startTables(shown.factory);
  await restarted.recover([GUILD]);
  await restarted.of(CHANNEL).idle();
  return { shown, restarted };
}

/** A campaign whose opening scene has been played: the table is waiting for its players. */
async function openedTable(tables: Tables) {
  const table = tables.of(CHANNEL);
  expect((await table.start({ guildId: GUILD, premise: 'Pirates of the glass sea', tone: 'swashbuckling', startedBy: 'gm' })).status).toBe('started');
  await table.idle();
  return table;
}

let actionCounter = 0;
function action(name: string, text: string, extra: Partial<PlayerAction> = {}): PlayerAction {
  actionCounter += 1;
  return { id: `action-${actionCounter}`, playerId: `id-${name}`, playerName: name, text, source: 'message', ...extra };
}

function narrativePrompts(): string[] {
  return world.fake.requests.filter((request) => phaseOf(request) === 'narrative').map((request) => request.messages[1]?.content ?? '');
}

const harbour = { ...SAMPLE_METADATA, scene_elements: { ...SAMPLE_METADATA.scene_elements, current_location: 'The harbour at dusk' } };

/** Alice's turn has been shown with its buttons; its scene metadata (the harbour) is held until `metadataHeld` opens. */
async function aliceShownWithHerSceneHeld() {
  const { factory, turns } = recordingPresenters();
  const table = await openedTable(startTables(factory));
  const metadataHeld = createGate();
  world.fake.respondWith(dmResponder({ metadata: reply.json(harbour, { hold: { until: metadataHeld.until } }) }));
  await table.submit(action('Alice', 'I row to the harbour'));
  await waitUntil(() => turns[1]?.finished === true);
  return { table, turns, metadataHeld };
}

describe('the table', () => {
  it('answers actions that arrive during a turn together in the next turn, each by name', async () => {
    const { factory, turns } = recordingPresenters();
    const table = await openedTable(startTables(factory));
    world.fake.respondWith(dmResponder({ narrative: reply.text('Waves slap the hull.', { firstTokenMs: 150, chunkDelayMs: 5 }) }));
    expect(await table.submit(action('Alice', 'I climb the mast'))).toMatchObject({ status: 'started' });
    expect(await table.submit(action('Bob', 'I raise the flag'))).toMatchObject({ status: 'queued', position: 1 });
    expect(await table.submit(action('Carol', 'I load the cannon'))).toMatchObject({ status: 'queued', position: 2 });
    await table.idle();

    expect(turns).toHaveLength(3);
    const prompts = narrativePrompts();
    expect(prompts[1]).toContain("## This turn's actions\n- Alice: \"I climb the mast\"");
    expect(prompts[2]).toContain("## This turn's actions\n- Bob: \"I raise the flag\"\n- Carol: \"I load the cannon\"");
    expect(prompts[2]).toContain('- Alice: "I climb the mast"');
    const stored = await world.store.getCampaign(CHANNEL);
    expect(stored?.party.map((member) => member.name)).toEqual(['Alice', 'Bob', 'Carol']);
    expect(stored?.turnCount).toBe(3);
    expect((await world.store.getScene(CHANNEL))?.metadata).toEqual(SAMPLE_METADATA);
    const usage = await world.store.getUsage({ kind: 'channel', id: CHANNEL });
    expect(usage.turns).toBe(3);
    expect(usage.promptTokens).toBeGreaterThan(0);
  });

  it('refuses politely past the batch bounds and where no campaign is active', async () => {
    const table = await openedTable(startTables(recordingPresenters().factory));
    const hold = createGate();
    world.fake.respondWith(dmResponder({ narrative: reply.text('Slow seas.', { hold }) }));
    await table.submit(action('Alice', 'first'));
    const outcomes = [];
    for (let index = 0; index < 11; index += 1) outcomes.push((await table.submit(action(`P${index}`, 'x'))).status);
    // Alice's action is in the running turn; ten wait; the eleventh is refused.
    expect(outcomes.filter((status) => status === 'queued')).toHaveLength(10);
    expect(outcomes.at(-1)).toBe('full');
    expect((await table.submit(action('Zed', 'y'.repeat(2001)))).status).toBe('too_long');
    expect((await startTables(recordingPresenters().factory).of('1200000000000000999').submit(action('Alice', 'hello'))).status).toBe('not_active');
    hold.open();
    await table.idle();
  });

  it('keeps the actions of a turn the model could not answer, and answers them with the next one', async () => {
    const { factory, turns } = recordingPresenters();
    const table = await openedTable(startTables(factory));
    world.fake.respondWith(() => reply.unauthorized());
    await table.submit(action('Alice', 'I steer into the storm'));
    await table.idle();
    expect(turns[1]?.interrupted).toContain('API key');
    expect(turns[1]?.interrupted).toContain('kept');
    expect((await world.store.getWaiting(CHANNEL)).map((waiting) => waiting.text)).toEqual(['I steer into the storm']);

    world.fake.respondWith(dmResponder());
    await table.submit(action('Bob', 'I grab the rail'));
    await table.idle();
    expect(narrativePrompts().at(-1)).toContain("## This turn's actions\n- Alice: \"I steer into the storm\"\n- Bob: \"I grab the rail\"");
    expect(await world.store.getWaiting(CHANNEL)).toEqual([]);
  });

  it('after a long outage and a restart, goes on from the last delivered turn instead of opening the campaign again', async () => {
    const table = await openedTable(startTables(recordingPresenters().factory));
    // More failed attempts (Try again) than the channel keeps recent turns: the opening is no longer among them.
    world.fake.respondWith(() => reply.unauthorized());
    await table.submit(action('Alice', 'I steer into the storm'));
    await table.idle();
    for (let attempt = 1; attempt <= 20; attempt += 1) {
      const failed = (await world.store.getRecentTurns(CHANNEL)).at(-1);
      expect(await table.retry(failed?.turnId ?? '')).toEqual({ status: 'retrying' });
      await table.idle();
    }
    expect((await world.store.getRecentTurns(CHANNEL)).some((turn) => turn.status === 'complete')).toBe(false);

    await restart();
    const delivered = (await world.store.getRecentTurns(CHANNEL)).filter((turn) => turn.status === 'complete');
    expect(delivered.map((turn) => [turn.number, turn.actions.map((taken) => taken.text)])).toEqual([[2, ['I steer into the storm']]]);
    expect((await world.store.getCampaign(CHANNEL))?.turnCount).toBe(2);
  });

  it('starts a new campaign from its premise alone, even after an X-card on the paused table of the old one', async () => {
    const tables = startTables(recordingPresenters().factory);
    const table = await openedTable(tables);
    await table.submit(action('Alice', 'I open the cargo hold'));
    await table.idle();
    expect((await table.pause()).status).toBe('paused');
    expect((await table.withdraw()).status).toBe('withdrawn');
    expect((await table.end()).status).toBe('ended');
    expect((await table.start({ guildId: GUILD, premise: 'A quiet village fair', tone: 'cosy', startedBy: 'gm' })).status).toBe('started');
    await table.idle();
    const opening = world.fake.requests.filter((request) => phaseOf(request) === 'narrative').at(-1)?.messages.map((message) => message.content).join('\n') ?? '';
    expect(opening).toContain('A quiet village fair');
    expect(opening).not.toContain('X-card');
  });

  it('marks the chosen option of the previous turn when its button starts the next one, and refuses a passed choice', async () => {
    const { factory, retired } = recordingPresenters();
    const table = await openedTable(startTables(factory));
    const [opening] = await world.store.getRecentTurns(CHANNEL);
    expect((await world.store.getOptionSet(opening?.turnId ?? ''))?.live).toBe(true);
    const click = action('Bob', '', { source: 'option', choice: { turnId: opening?.turnId ?? '', index: 1 } });
    expect(await table.submit(click)).toMatchObject({ status: 'started', action: { text: 'Order a drink and observe' } });
    await table.idle();
    // The click's own acknowledgement disables the buttons in Discord; the table only records the choice.
    expect(retired).toHaveLength(0);
    expect(await world.store.getOptionSet(opening?.turnId ?? '')).toMatchObject({ live: false, chosen: 1 });
    expect((await table.submit(action('Carol', '', { source: 'option', choice: { turnId: opening?.turnId ?? '', index: 0 } }))).status).toBe('passed');

    // A typed action starts the next turn: the table asks for the previous buttons to be disabled, nothing chosen.
    const second = (await world.store.getRecentTurns(CHANNEL))[1];
    await table.submit(action('Carol', 'I whistle a sea shanty'));
    await table.idle();
    expect(retired).toHaveLength(1);
    expect(retired[0]).toMatchObject({ turnId: second?.turnId, chosen: null });
  });

  it('on shutdown interrupts a running turn visibly, and the next start answers it and the waiting actions once', async () => {
    const first = recordingPresenters();
    const tables = startTables(first.factory);
    const table = await openedTable(tables);
    const hold = createGate();
    world.fake.respondWith(dmResponder({ narrative: reply.text('A very long and slow description of the sea.', { hold: { until: hold.until, afterChunks: 2 } }) }));
    await table.submit(action('Alice', 'I dive in'));
    await table.submit(action('Bob', 'I throw a rope'));
    await waitUntil(() => first.turns[1]?.events.length === 2);
    await tables.shutdown(50);
    expect(first.turns[1]?.interrupted).toContain('restarting');
    expect((await table.submit(action('Carol', 'late'))).status).toBe('shutting_down');

    const { shown: second, restarted } = await restart();
    expect(second.marked).toEqual([{ messageIds: ['m2'], note: 'interrupted by a restart' }]);
    const prompts = narrativePrompts();
    expect(prompts).toHaveLength(2);
    expect(prompts[0]).toContain("## This turn's actions\n- Alice: \"I dive in\"");
    expect(prompts[1]).toContain("## This turn's actions\n- Bob: \"I throw a rope\"");
    expect(second.turns.every((turn) => turn.finished)).toBe(true);
    expect(await world.store.getWaiting(CHANNEL)).toEqual([]);
    hold.open();
  });

  it("answers a player who acts while the last turn's scene is still being written at once; that scene joins the new turn's snapshot", async () => {
    const { table, turns, metadataHeld } = await aliceShownWithHerSceneHeld();
    const narrativeHeld = createGate();
    world.fake.respondWith(dmResponder({ narrative: reply.text('Gulls wheel over the masts.', { hold: { until: narrativeHeld.until, afterChunks: 1 } }) }));

    // Taken at once, or queued if Alice's turn is still being recorded: either way the next turn answers it.
    expect(['started', 'queued']).toContain((await table.submit(action('Bob', 'I tie up the boat'))).status);
    // Bob's turn is on its way with Alice's scene still held: it did not wait for it.
    await waitUntil(() => narrativePrompts().length === 3);
    expect(metadataHeld.opened).toBe(false);
    metadataHeld.open();
    await waitUntil(async () => (await world.store.getScene(CHANNEL))?.metadata.scene_elements.current_location === 'The harbour at dusk');
    narrativeHeld.open();
    await table.idle();

    expect((await world.store.getScene(CHANNEL))?.metadata).toEqual(SAMPLE_METADATA);
    const bobs = (await world.store.getRecentTurns(CHANNEL)).at(-1);
    expect(bobs).toMatchObject({ status: 'complete', narrative: 'Gulls wheel over the masts.' });
    expect(bobs?.before?.scene).toEqual(harbour);
    // Undoing Bob's turn puts back the scene the table had after Alice's.
    expect(await table.undo(1)).toMatchObject({ status: 'undone' });
    expect((await world.store.getScene(CHANNEL))?.metadata).toEqual(harbour);
  });

  it("gives a scene that lands after the next turn was delivered to that turn's snapshot, and leaves the newer scene as it is", async () => {
    const { table, turns, metadataHeld } = await aliceShownWithHerSceneHeld();
    world.fake.respondWith(dmResponder());
    await table.submit(action('Bob', 'I tie up the boat'));
    // Bob's turn delivered (the opening, Alice's, Bob's) while Alice's scene is still held.
    await waitUntil(async () => (await world.store.getCampaign(CHANNEL))?.turnCount === 3);
    expect(turns).toHaveLength(3);
    metadataHeld.open();
    await table.idle();

    expect((await world.store.getScene(CHANNEL))?.metadata).toEqual(SAMPLE_METADATA);
    expect((await world.store.getRecentTurns(CHANNEL)).at(-1)?.before?.scene).toEqual(harbour);
    expect(await table.undo(1)).toMatchObject({ status: 'undone' });
    expect((await world.store.getScene(CHANNEL))?.metadata).toEqual(harbour);
  });

  it('on shutdown keeps a turn players have read whole as shown, without options, and the restart does not tell it again', async () => {
    const first = recordingPresenters();
    const tables = startTables(first.factory);
    const table = await openedTable(tables);
    const optionsHeld = createGate();
    world.fake.respondWith(dmResponder({ options: reply.json({ options: ['Swim', 'Climb', 'Shout'] }, { hold: { until: optionsHeld.until } }) }));
    await table.submit(action('Alice', 'I dive in'));
    await waitUntil(() => first.turns[1]?.events.some((event) => event.type === 'player_response_chunk' && event.is_final) === true);
    await tables.shutdown(50);
    optionsHeld.open();
    expect(first.turns[1]?.interrupted).toBeNull();
    expect(first.turns[1]?.finished).toBe(true);
    const stored = (await world.store.getRecentTurns(CHANNEL)).at(-1);
    expect(stored).toMatchObject({ status: 'complete', options: [], number: 2 });
    expect(stored?.response).toBe('Mirelle the barkeep nods at you and slides a mug across the counter.');

    await restart();
    expect(narrativePrompts()).toEqual([]);
    expect(await world.store.getWaiting(CHANNEL)).toEqual([]);
  });

  it('when the store fails to record a turn, tells the players in plain words and answers their actions once, later', async () => {
    let failCompleteTurns = false;
    const failing: CampaignStore = {
      ...world.store,
      saveTurns: async (channelId, turns) => {
        if (failCompleteTurns && turns.some((turn) => turn.status === 'complete')) throw new Error('SQLITE_IOERR: disk I/O error');
        await world.store.saveTurns(channelId, turns);
      },
    };
    const presenters = recordingPresenters();
    const table = await openedTable(startTables(presenters.factory, async () => '', failing));
    failCompleteTurns = true;
    await table.submit(action('Alice', 'I open the chest'));
    await table.idle();
    expect(presenters.turns[1]?.interrupted).toBe(
      'the DM could not write this turn into its memory (the store did not answer); your actions are kept and will be answered with the next one',
    );
    expect((await world.store.getWaiting(CHANNEL)).map((waiting) => waiting.text)).toEqual(['I open the chest']);

    failCompleteTurns = false;
    await table.submit(action('Bob', 'I keep watch'));
    await table.idle();
    const prompts = narrativePrompts();
    expect(prompts.at(-1)).toContain('## This turn\'s actions\n- Alice: "I open the chest"\n- Bob: "I keep watch"');
    const delivered = (await world.store.getRecentTurns(CHANNEL)).filter((turn) => turn.status === 'complete');
    expect(delivered.flatMap((turn) => turn.actions.map((taken) => taken.text))).toEqual(['I open the chest', 'I keep watch']);
    expect(await world.store.getWaiting(CHANNEL)).toEqual([]);
  });

  it('lets a turn of an ended campaign write nothing, even when its text lands after the new campaign has started', async () => {
    const finalWrite = createGate();
    const { factory, turns } = recordingPresenters((turnIndex) => (turnIndex === 1 ? finalWrite.until : Promise.resolve()));
    const table = await openedTable(startTables(factory));
    await table.submit(action('Alice', 'I read the inscription'));
    // The old turn has its options and is waiting for its final write to land when the GM ends and restarts.
    await waitUntil(() => turns[1]?.events.some((event) => event.type === 'player_options') === true);
    expect((await table.end()).status).toBe('ended');
    const restarted = await table.start({ guildId: GUILD, premise: 'Sky pirates', tone: 'airy', startedBy: 'gm' });
    finalWrite.open();
    await table.idle();

    if (restarted.status !== 'started') throw new Error('the new campaign must start');
    const campaign = await world.store.getCampaign(CHANNEL);
    expect(campaign).toMatchObject({ campaignId: restarted.campaign.campaignId, premise: 'Sky pirates', turnCount: 1, status: 'active' });
    const stored = await world.store.getRecentTurns(CHANNEL);
    expect(stored.map((turn) => [turn.campaignId, turn.number, turn.status])).toEqual([[restarted.campaign.campaignId, 1, 'complete']]);
    expect((await world.store.getOptionSet(turns[1]?.turnId ?? ''))?.live).not.toBe(true);
    expect(narrativePrompts().at(-1)).toContain('Premise: Sky pirates');
  });

  it('answers each acknowledged action exactly once after a crash between any two writes', async () => {
    const tables = startTables(recordingPresenters().factory);
    await openedTable(tables);
    await tables.shutdown(10);
    const [campaign, turns] = [await world.store.getCampaign(CHANNEL), await world.store.getRecentTurns(CHANNEL)];
    if (campaign === undefined || turns[0] === undefined) throw new Error('the opening must be stored');
    const answered = action('Alice', 'I was answered before the crash');
    const taken = action('Bob', 'I was in the turn the crash cut short');
    const waiting = action('Carol', 'I was waiting');
    // What a SIGKILL can leave: a delivered turn whose action is still in the waiting list (killed before the list was
    // shortened), an unfinished turn whose action is also still waiting, and an action only in the waiting list.
    await world.store.saveTurns(CHANNEL, [
      { ...turns[0], turnId: 'delivered', number: 2, actions: [answered], status: 'complete' },
      { ...turns[0], turnId: 'cut-short', number: 3, actions: [taken], status: 'in_progress', messageIds: [] },
    ]);
    await world.store.saveCampaign({ ...campaign, turnCount: 1 });
    await world.store.saveWaiting(CHANNEL, [answered, taken, waiting]);

    await restart();
    const prompts = narrativePrompts();
    // The cut-short turn is played again as it was, then the action that waited behind it; Alice's is not repeated.
    expect(prompts).toHaveLength(2);
    expect(prompts[0]?.endsWith("## This turn's actions\n- Bob: \"I was in the turn the crash cut short\"")).toBe(true);
    expect(prompts[1]?.endsWith("## This turn's actions\n- Carol: \"I was waiting\"")).toBe(true);
    // The crash left the count behind the delivered turn: the delivered turns are the truth.
    expect((await world.store.getRecentTurns(CHANNEL)).filter((turn) => turn.status === 'complete').map((turn) => turn.number)).toEqual([1, 2, 3, 4]);
    expect(await world.store.getWaiting(CHANNEL)).toEqual([]);
  });

  it('after a crash once players had read the whole answer, delivers that answer as it is and never tells another', async () => {
    const first = recordingPresenters();
    const table = await openedTable(startTables(first.factory));
    const optionsHeld = createGate();
    world.fake.respondWith(dmResponder({ options: reply.json({ options: ['Swim', 'Climb', 'Shout'] }, { hold: { until: optionsHeld.until } }) }));
    await table.submit(action('Alice', 'I dive for the drowned bell'));
    // The narrative and response are whole; the options are held: the process dies here (nothing shuts it down).
    await waitUntil(async () => (await world.store.getRecentTurns(CHANNEL)).some((turn) => turn.status === 'in_progress' && turn.textWhole === true));
    const cutShort = (await world.store.getRecentTurns(CHANNEL)).at(-1);
    const read = first.turns[1]?.events.filter((event) => event.type === 'narrative_chunk' || event.type === 'player_response_chunk').map((event) => ('content' in event ? event.content : '')).join('');

    const { shown: second, restarted } = await restart();
    expect(narrativePrompts()).toEqual([]);
    const [delivered] = (await world.store.getRecentTurns(CHANNEL)).filter((turn) => turn.turnId === cutShort?.turnId);
    expect(delivered).toMatchObject({ status: 'complete', number: 2, options: [] });
    expect(`${delivered?.narrative}${delivered?.response}`).toBe(read);
    expect(delivered?.textWhole).toBeUndefined();
    // Shown again in full (the crash may have cut its last edits), the old messages saying so.
    const shownAgain = second.turns[0];
    expect(shownAgain?.finished).toBe(true);
    expect(shownAgain?.events.map((event) => ('content' in event ? event.content : '')).join('')).toBe(read);
    expect(second.marked).toEqual([{ messageIds: cutShort?.messageIds, note: 'cut short by a restart: shown in full below' }]);
    expect(delivered?.messageIds).toEqual(['m1']);
    expect(await world.store.getWaiting(CHANNEL)).toEqual([]);

    await restarted.of(CHANNEL).submit(action('Bob', 'I ring the bell'));
    await restarted.of(CHANNEL).idle();
    expect(narrativePrompts()).toHaveLength(1);
    expect(narrativePrompts()[0]?.endsWith('## This turn\'s actions\n- Bob: "I ring the bell"')).toBe(true);
    expect((await world.store.getCampaign(CHANNEL))?.turnCount).toBe(3);
    optionsHeld.open();
  });

  it('tells the table once when the store fails as a turn would begin, keeps the action, and answers it when the store is back', async () => {
    await openedTable(startTables(recordingPresenters().factory));
    // Another process's table (or this one's, after it was let go idle) reads the channel's turns afresh.
    let broken = false;
    const flaky: CampaignStore = {
      ...world.store,
      getRecentTurns: async (channelId) => {
        if (broken) throw new StoreUnreachableError(new Error('connection refused'));
        return world.store.getRecentTurns(channelId);
      },
    };
    const later = recordingPresenters();
    const table = startTables(later.factory, undefined, flaky).of(CHANNEL);
    broken = true;
    world.fake.clear();
    expect((await table.submit(action('Alice', 'I bail water'))).status).toBe('started');
    await waitUntil(() => later.notices.length > 0);
    expect(later.notices).toEqual([expect.stringContaining('Your actions are kept and will be answered as soon as it does')]);
    expect((await world.store.getWaiting(CHANNEL)).map((waiting) => waiting.text)).toEqual(['I bail water']);
    expect(narrativePrompts()).toEqual([]);

    broken = false;
    await waitUntil(() => narrativePrompts().length === 1);
    await table.idle();
    expect(narrativePrompts()[0]?.endsWith('## This turn\'s actions\n- Alice: "I bail water"')).toBe(true);
    expect(await world.store.getWaiting(CHANNEL)).toEqual([]);
    expect(later.notices).toHaveLength(1);
  });

  it('keeps every roll made between two turns on the next turn, and lists the latest twelve in its prompt', async () => {
    const table = await openedTable(startTables(recordingPresenters().factory));
    const checked = checkExpression('d20');
    if (!checked.ok) throw new Error(checked.problem);
    for (let index = 1; index <= 14; index += 1) {
      expect(await table.roll({ id: `roll-${index}`, playerId: 'id-Alice', playerName: 'Alice', checked: checked.checked, reason: `try ${index}` })).toMatchObject({ status: 'rolled', recorded: true });
    }
    await table.submit(action('Alice', 'I act on my luck'));
    await table.idle();
    const [delivered] = (await world.store.getRecentTurns(CHANNEL)).filter((turn) => turn.actions.some((taken) => taken.text === 'I act on my luck'));
    expect(delivered?.rolls?.map((rolled) => rolled.reason)).toEqual(Array.from({ length: 14 }, (_, index) => `try ${index + 1}`));
    const prompt = narrativePrompts().at(-1) ?? '';
    expect(prompt).toContain('(2 earlier rolls not listed; the latest follow)');
    expect(prompt).not.toContain('"for":"try 2"');
    expect(prompt).toContain('"for":"try 3"');
    expect(prompt).toContain('"for":"try 14"');
  });

  it("keeps the X-card's turn away across a restart, until the turn that goes another way is delivered", async () => {
    const table = await openedTable(startTables(recordingPresenters().factory));
    await table.submit(action('Alice', 'I open the little black box'));
    await table.idle();
    expect((await table.pause()).status).toBe('paused');
    expect((await table.withdraw()).status).toBe('withdrawn');

    const { restarted } = await restart();
    expect((await restarted.of(CHANNEL).resume()).status).toBe('resumed');
    await restarted.of(CHANNEL).idle();
    const instructions = (): string[] => world.fake.requests.filter((request) => phaseOf(request) === 'narrative').map((request) => request.messages.at(-1)?.content ?? '');
    expect(instructions()).toHaveLength(1);
    expect(instructions()[0]).toContain('X-card');
    expect(narrativePrompts()[0]).toContain('I open the little black box');
    // Told once: the turn after it goes on as usual.
    await restarted.of(CHANNEL).submit(action('Bob', 'I close it again'));
    await restarted.of(CHANNEL).idle();
    expect(instructions()[1]).not.toContain('X-card');
  });

  it('folds old turns into the running summary so the prompt stays bounded', async () => {
    world.fake.respondWith(dmResponder({ unknown: reply.text('SUMMARY: the crew took the glass ship and owes the kraken a song.') }));
    const table = await openedTable(startTables(recordingPresenters().factory));
    for (let index = 1; index <= 9; index += 1) {
      await table.submit(action('Alice', `action number ${index}`));
      await table.idle();
    }
    const stored = await world.store.getCampaign(CHANNEL);
    expect(stored?.summary).toContain('owes the kraken a song');
    // The opening and the first two actions' turns are folded; six stay verbatim.
    expect(stored?.summarisedThroughTurn).toBe(3);
    const prompt = narrativePrompts().at(-1) ?? '';
    expect(prompt).toContain('owes the kraken a song');
    expect(prompt).not.toContain('action number 2\n');
    expect(prompt).toContain('action number 3');
  });

  it('folds every turn exactly once, in order, while players act during every turn and the summariser is slow', async () => {
    // The summariser writes the folded turns' actions after the summary it was given, and waits for the test: while
    // it waits, turns keep being delivered, each of which once saved the whole campaign over the fold.
    const held: ReturnType<typeof createGate>[] = [];
    const asked: string[] = [];
    let released = false;
    const summarise: Summariser = async (input) => {
      asked.push(...input.turns.map((turn) => turn.actions[0]?.text ?? 'opening'));
      if (!released) {
        const gate = createGate();
        held.push(gate);
        await gate.until;
      }
      const folded = input.turns.map((turn) => turn.actions[0]?.text ?? 'opening');
      return [input.summary, ...folded].filter((part) => part !== '').join(' ');
    };
    const table = await openedTable(startTables(recordingPresenters().factory, summarise));
    // Each action arrives while the turn before it is being written; a fold held so far is let go while a turn that
    // started before it runs, so that turn is delivered after the fold.
    for (let index = 1; index <= 16; index += 1) {
      expect(['started', 'queued']).toContain((await table.submit(action('Alice', `a${index}`))).status);
      await waitUntil(() => narrativePrompts().length === index + 1);
      if (index % 4 === 0) for (const gate of held) gate.open();
    }
    await waitUntil(async () => (await world.store.getCampaign(CHANNEL))?.turnCount === 17);
    expect(held.length).toBeGreaterThan(0);
    released = true;
    for (const gate of held) gate.open();
    await table.idle();

    const stored = await world.store.getCampaign(CHANNEL);
    const through = stored?.summarisedThroughTurn ?? 0;
    // Nothing older than the verbatim window is left out, and the summary holds each folded turn once, in order.
    expect(through).toBeGreaterThanOrEqual(17 - 8);
    const inOrder = ['opening', ...Array.from({ length: through - 1 }, (_, index) => `a${index + 1}`)];
    expect(stored?.summary.split(' ')).toEqual(inOrder);
    // And the summariser was asked about each turn once: no fold was lost to a turn delivered meanwhile and redone.
    expect(asked).toEqual(inOrder);
    expect(narrativePrompts().at(-1)).toContain(`a${through - 1}`);
  });

  it('catches up on every unfolded turn once the summariser answers again, even after they left the recent turns', async () => {
    // The summariser is held while 24 turns are delivered: the turns it was asked about, and the next ones the summary
    // must cover, drop out of the channel's recent turns (20 kept). Only the campaign's log still has them.
    const gate = createGate();
    const asked: string[] = [];
    const summarise: Summariser = async (input) => {
      asked.push(...input.turns.map((turn) => turn.actions[0]?.text ?? 'opening'));
      await gate.until;
      const folded = input.turns.map((turn) => turn.actions[0]?.text ?? 'opening');
      return [input.summary, ...folded].filter((part) => part !== '').join(' ');
    };
    const table = await openedTable(startTables(recordingPresenters().factory, summarise));
    for (let index = 1; index <= 24; index += 1) {
      await table.submit(action('Alice', `a${index}`));
      await waitUntil(async () => (await world.store.getCampaign(CHANNEL))?.turnCount === index + 1);
    }
    gate.open();
    await table.idle();
    // 25 turns delivered: everything but the last 6 is folded, from where the summary stood, each turn once.
    await waitUntil(async () => ((await world.store.getCampaign(CHANNEL))?.summarisedThroughTurn ?? 0) >= 25 - 6);

    const stored = await world.store.getCampaign(CHANNEL);
    const through = stored?.summarisedThroughTurn ?? 0;
    const inOrder = ['opening', ...Array.from({ length: through - 1 }, (_, index) => `a${index + 1}`)];
    expect(stored?.summary.split(' ')).toEqual(inOrder);
    expect(asked).toEqual(inOrder);
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${check.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
