import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FOLD_WHEN_UNSUMMARISED, RECENT_TURNS_IN_PROMPT } from '../src/campaign/build-turn-context.ts';
import { createCampaignStore } from '../src/campaign/keyv-campaign-store.ts';
import { createTables } from '../src/campaign/tables.ts';
import { createOrchestrator } from '../src/dm/orchestrator.ts';
import { SUMMARY_TARGET_CHARACTERS } from '../src/dm/prompts/summary-instruction.ts';
import { foldIntoSummary } from '../src/dm/summarise.ts';
import type { PastTurn } from '../src/dm/types.ts';
import { createLlmClient } from '../src/llm/create-llm-client.ts';
import { dmResponder, phaseOf } from '../test/support/dm-script.ts';
import { reply, startFakeOpenAi, type RecordedRequest } from '../test/support/fake-openai.ts';
import { silentPresenters } from '../test/support/silent-presenters.ts';
import { narrativeText, responseText } from './bench-texts.ts';

// `npm run bench -- memory`: a long campaign, 300 turns with an action every turn, through the table owner, the
// orchestrator, the openai SDK and the fake model (no Discord: memory is the table's and the prompts' business). It
// reports how large the prompt grows, how the old turns were folded into the summary, and how much of each turn's
// later phase prompts is a byte-identical prefix of its first (what providers can serve from their prompt cache).

export type MemoryResult = {
  turns: number;
  promptTokensAt: Map<number, number>;
  folds: number[][];
  folding: FoldAccount;
  /** One per phase 2-4 request: which turn and phase, and how its prompt splits into phase 1's prefix and the rest. */
  prefixSamples: PrefixSample[];
  seconds: number;
};

/**
 * Every fold checked against the turns the campaign delivered (its log), not against the summary's own bookmark, so
 * folding that stalled shows as turns never folded. Of the delivered turns, the last `RECENT_TURNS_IN_PROMPT` stay
 * verbatim; a fold runs once `FOLD_WHEN_UNSUMMARISED` turns are outside the summary, so at any moment up to
 * `FOLD_WHEN_UNSUMMARISED - RECENT_TURNS_IN_PROMPT - 1` turns outside the verbatim window may still wait for the next
 * fold (they are in the prompt verbatim meanwhile); every older turn must have been folded exactly once.
 */
export type FoldAccount = {
  /** Turns the bench played, the opening included, and how many of them the campaign's log holds as delivered. */
  played: number;
  delivered: number;
  /** Delivered turns before the verbatim window. */
  outsideWindow: number;
  /** Of those, folded exactly once; and those not folded yet although younger than the fold's trigger (allowed). */
  foldedOnce: number;
  waitingForNextFold: number;
  /** Failures: folded twice or more; older than the trigger yet never folded; folded although in the verbatim window or never delivered. */
  foldedTwiceOrMore: number;
  neverFolded: number;
  foldedWrongly: number;
};

export type LaterPhase = 'response' | 'options' | 'metadata';

export type PrefixSample = {
  /** Turns played after the opening when this turn was asked for (1 = the first answer to the opening). */
  turn: number;
  phase: LaterPhase;
  /** Characters of the request (its messages, serialised) that are phase 1's byte for byte, and the rest. */
  sharedChars: number;
  ownChars: number;
  /** Earlier turns the prompt quotes verbatim (its recent turns), and whether a running summary precedes them. */
  recentTurns: number;
  summary: boolean;
};

const CHANNEL = '1400000000000000001';
const GUILD = '1400000000000000002';
const PLAYERS = ['Ana', 'Bo', 'Cy'];
/** A label each turn's action and narrative carry, so a fold's input says which turns it covered. */
const label = (turn: number) => `#${turn}#`;
const turnsIn = (text: string) => [...text.matchAll(/#(\d+)#/gu)].map((match) => Number(match[1]));

export async function runMemory(turns: number, progress: (line: string) => void): Promise<MemoryResult> {
  const started = Date.now();
  const logger = pino({ level: 'silent' });
  const fake = await startFakeOpenAi();
  const directory = await mkdtemp(join(tmpdir(), 'dm-memory-bench-'));
  const store = await createCampaignStore({ url: `sqlite://${join(directory, 'dm.sqlite')}`, logger });
  try {
    const script = dmResponder({
      // Texts of the main bench's lengths (120 and 60 words); the narrative names the turn it answers, so the summary
      // that folds it can be traced back.
      narrative: (request) => reply.text(`The corridor ${labelOf(request)} bends into the dark. ${narrativeText}`),
      response: reply.text(responseText),
      // A model that keeps to the requested length: the old summary and the newly folded turns, cut to the target.
      unknown: (request) => reply.text(foldedSummary(request)),
    });
    fake.respondWith(script);
    const llm = createLlmClient({ apiKey: 'bench', baseUrl: fake.url, firstTokenTimeoutMs: 5000, chunkTimeoutMs: 5000, totalTimeoutMs: 20_000, maxRetries: 0 });
    const orchestrator = createOrchestrator({ llm, models: { narrative: 'bench', response: 'bench', options: 'bench', metadata: 'bench' }, logger });
    const folds: number[][] = [];
    const tables = createTables({
      store,
      orchestrator,
      presenters: silentPresenters(),
      logger,
      streaming: true,
      summarise: async (input: { premise: string; summary: string; turns: PastTurn[] }) => {
        folds.push(input.turns.flatMap((turn) => turnsIn(`${turn.narrative} ${turn.actions.map((action) => action.text).join(' ')}`).slice(0, 1)));
        return foldIntoSummary({ llm, model: 'bench', ...input });
      },
    });
    const table = tables.of(CHANNEL);
    await table.start({ guildId: GUILD, premise: `An endless dungeon ${label(1)}`, tone: 'grim', startedBy: 'gm' });
    await table.idle();

    const promptTokensAt = new Map<number, number>();
    const prefixSamples: PrefixSample[] = [];
    for (let turn = 2; turn <= turns + 1; turn += 1) {
      const firstRequest = fake.requests.length;
      const player = PLAYERS[turn % PLAYERS.length] ?? 'Ana';
      const outcome = await table.submit({
        id: `action-${turn}`,
        playerId: `player-${player}`,
        playerName: player,
        text: `I search the corridor ${label(turn)} for a way down`,
        source: 'message',
      });
      if (outcome.status !== 'started' && outcome.status !== 'queued') throw new Error(`turn ${turn}: the action was refused (${outcome.status})`);
      await table.idle();
      const requests = fake.requests.slice(firstRequest);
      const narrative = requests.find((request) => phaseOf(request) === 'narrative');
      if (narrative === undefined) throw new Error(`turn ${turn}: no narrative request`);
      const played = turn - 1;
      if ([10, 30, 100, 300].includes(played)) promptTokensAt.set(played, estimatedTokens(narrative));
      const narrativePrompt = narrative.messages.map((message) => message.content).join('\n');
      const recentTurns = narrativePrompt.match(/^### Turn \d+/gmu)?.length ?? 0;
      const summary = narrativePrompt.includes('## Story so far');
      for (const request of requests) {
        const phase = phaseOf(request);
        if (phase !== 'response' && phase !== 'options' && phase !== 'metadata') continue;
        prefixSamples.push({ turn: played, phase, ...sharedPrefix(narrative, request), recentTurns, summary });
      }
      if (played % 50 === 0) progress(`${played} turns played`);
    }

    const campaign = await store.getCampaign(CHANNEL);
    if (campaign === undefined) throw new Error('the campaign is gone');
    // The delivered turns by their labels (turn 1 is the opening: its narrative carries the premise's label).
    const log = await store.getLog(campaign.campaignId, campaign.logLength);
    const delivered = log.filter((turn) => turn.status === 'complete').flatMap((turn) => turnsIn(turn.narrative).slice(0, 1));
    await tables.shutdown(100);
    return {
      turns,
      promptTokensAt,
      folds,
      folding: accountFolds(turns + 1, delivered, folds),
      prefixSamples,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await store.close();
    await fake.close();
    await rm(directory, { recursive: true, force: true });
  }
}

function accountFolds(played: number, delivered: readonly number[], folds: readonly number[][]): FoldAccount {
  const foldCounts = new Map<number, number>();
  for (const fold of folds) for (const turn of fold) foldCounts.set(turn, (foldCounts.get(turn) ?? 0) + 1);
  const last = Math.max(0, ...delivered);
  const outsideWindow = delivered.filter((turn) => turn <= last - RECENT_TURNS_IN_PROMPT);
  // Younger than this, a turn outside the window may still wait: the fold runs when this many are unsummarised.
  const mustBeFoldedThrough = last - (FOLD_WHEN_UNSUMMARISED - 1);
  const countOf = (turn: number) => foldCounts.get(turn) ?? 0;
  return {
    played,
    delivered: new Set(delivered).size,
    outsideWindow: outsideWindow.length,
    foldedOnce: outsideWindow.filter((turn) => countOf(turn) === 1).length,
    waitingForNextFold: outsideWindow.filter((turn) => countOf(turn) === 0 && turn > mustBeFoldedThrough).length,
    foldedTwiceOrMore: [...foldCounts.values()].filter((count) => count > 1).length,
    neverFolded: outsideWindow.filter((turn) => countOf(turn) === 0 && turn <= mustBeFoldedThrough).length,
    foldedWrongly: [...foldCounts.keys()].filter((turn) => turn > last - RECENT_TURNS_IN_PROMPT || !delivered.includes(turn)).length,
  };
}

/** The label of the action this narrative request answers (the opening: the premise's). */
function labelOf(request: RecordedRequest): string {
  const prompt = request.messages[1]?.content ?? '';
  const actions = prompt.slice(prompt.indexOf("## This turn's actions"));
  return label(turnsIn(actions)[0] ?? 1);
}

function foldedSummary(request: RecordedRequest): string {
  const prompt = request.messages.map((message) => message.content).join('\n');
  const folded = [...new Set(turnsIn(prompt.slice(prompt.indexOf('## Turns to fold in'))))];
  // The whole previous summary, up to the next section: it holds turn labels (#12#), so it cannot end at a '#'.
  const previous = /## Story so far\n([\s\S]*?)\n\n## Turns to fold in/u.exec(prompt)?.[1]?.trim() ?? '';
  const added = folded.map((turn) => `The party searched corridor ${label(turn)} and went deeper.`).join(' ');
  const sentences = `${previous === '(nothing yet)' ? '' : previous} ${added}`.trim().split(/(?<=\.) /u);
  // Keeps the newest events when the whole would pass the target, as a model asked for that length would.
  while (sentences.length > 1 && sentences.join(' ').length > SUMMARY_TARGET_CHARACTERS) sentences.shift();
  return sentences.join(' ');
}

/** Characters / 4, the usual estimate for English text (the fake model reports the same). */
function estimatedTokens(request: RecordedRequest): number {
  return Math.round(request.messages.reduce((total, message) => total + message.content.length, 0) / 4);
}

/** How much of `request`'s messages, in order, is byte for byte the start of `first`'s, and how much follows it. */
function sharedPrefix(first: RecordedRequest, request: RecordedRequest): { sharedChars: number; ownChars: number } {
  const serialise = (candidate: RecordedRequest) => candidate.messages.map((message) => `${message.role}\u0000${message.content}\u0001`).join('');
  const base = serialise(first);
  const later = serialise(request);
  let common = 0;
  while (common < base.length && common < later.length && base[common] === later[common]) common += 1;
  return { sharedChars: common, ownChars: later.length - common };
}

/** The share of a request that is phase 1's prefix. */
export const shareOf = (sample: PrefixSample) => (sample.sharedChars + sample.ownChars === 0 ? 0 : sample.sharedChars / (sample.sharedChars + sample.ownChars));

export const MEMORY_WINDOW = { verbatim: RECENT_TURNS_IN_PROMPT, foldWhenUnsummarised: FOLD_WHEN_UNSUMMARISED };
