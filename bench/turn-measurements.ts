import { WRITING_MARK } from '../src/discord/render/turn-renderer.ts';
import { routeTemplates, type RecordedRequest } from '../test/support/discord-emulator/index.ts';
import type { ModelCall } from './bench-model.ts';
import { modelTiming } from './bench-settings.ts';
import { NARRATIVE_FIRST_WORD, narrativeText, responseText } from './bench-texts.ts';

// Turns the emulator's request log and the fake model's call log into the figures of the measured turns: one turn per
// channel (measureTurns), or several turns in a row per channel (measureBackToBack). Every time is Date.now() of the
// bench process: the emulator's clock is never advanced here.

export type Injection = { channelId: string; injectedAt: number };

export type TurnFigures = {
  channels: number;
  /** Channels whose turn ended with its option buttons. */
  completed: number;
  /** Player's message → first write showing narrative text, minus the model's first-token time. */
  overheadMs: number[];
  /** Player's message → the narrative request reached the model (the bot's work before the model). */
  beforeModelMs: number[];
  /** The model's first token was due (request + first-token time) → first write showing narrative text. */
  afterFirstTokenMs: number[];
  /** The fake model actually sent the narrative's first content chunk → first write showing narrative text. */
  firstWriteAfterFirstChunkMs: number[];
  /** Words of narrative text in the first write showing it (the writing mark left out). */
  firstWriteWords: number[];
  /** Last content chunk of the response phase sent → first write showing the complete text. */
  finalTextLagMs: number[];
  /** The options call, request → reply sent (model time inside the final-text lag). */
  optionsCallMs: number[];
  /** Options reply sent → that write (the bot's own part of the final-text lag). */
  afterOptionsMs: number[];
  /** Player's message → the final edit (complete text, buttons): how long the whole turn took to show. */
  turnMs: number[];
  /** Longest time the visible text stood still between its first appearance and the final edit. */
  longestTextPauseMs: number[];
  /** Creates + edits of channel messages in the window, per channel. */
  writesPerTurn: number[];
  typingPerTurn: number[];
  status429: number;
  status400: number;
  /** Every request the bot made to Discord in the window, by kind: what shares discord.js's global 50/s. */
  requestsByKind: Record<RequestKind, number>;
  /** Requests to Discord in each whole second after the first message: flat at 50 means discord.js's global limit. */
  requestsPerSecond: number[];
};

type RequestKind = 'typing' | 'create' | 'textEdit' | 'buttonsOnlyEdit' | 'other';

function kindOf(request: RecordedRequest): RequestKind {
  if (request.route === routeTemplates.typing) return 'typing';
  if (request.route === routeTemplates.channelMessages && request.method === 'POST') return 'create';
  if (request.route === routeTemplates.channelMessage && request.method === 'PATCH') {
    return writeOf(request).content === undefined ? 'buttonsOnlyEdit' : 'textEdit';
  }
  return 'other';
}

type Write = { at: number; content: string | undefined; hasComponents: boolean; hasEnabledButton: boolean };

// Channel messages, and the interaction webhook's messages (a click's follow-ups and their edits), through which a
// click-started turn may be streamed outside the global limit; the interaction callback itself is left out.
const messageRoutes: ReadonlySet<string> = new Set([
  routeTemplates.channelMessages,
  routeTemplates.channelMessage,
  routeTemplates.interactionWebhook,
  routeTemplates.interactionWebhookMessage,
]);

const isMessageWrite = (request: RecordedRequest) =>
  request.route !== null && messageRoutes.has(request.route) && (request.method === 'POST' || request.method === 'PATCH');

const BUTTON_COMPONENT_TYPE = 2;

/** A button in these components (action rows or anything nesting them) that a player can click. */
function hasEnabledButton(components: unknown): boolean {
  if (!Array.isArray(components)) return false;
  return components.some((component: unknown) => {
    if (typeof component !== 'object' || component === null) return false;
    const fields = component as Record<string, unknown>;
    if (fields['type'] === BUTTON_COMPONENT_TYPE && fields['disabled'] !== true) return true;
    return hasEnabledButton(fields['components']);
  });
}

function writeOf(request: RecordedRequest): Write {
  const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
  return {
    at: request.at,
    content: typeof body['content'] === 'string' ? body['content'] : undefined,
    hasComponents: Array.isArray(body['components']) && body['components'].length > 0,
    hasEnabledButton: hasEnabledButton(body['components']),
  };
}

/**
 * A successful create or edit in the channel that shows option buttons one can click: the final edit of a turn (old
 * turns' buttons are only ever written disabled). What the back-to-back player waits for before answering.
 */
export function isEnabledButtonsWrite(request: RecordedRequest): boolean {
  return isMessageWrite(request) && request.status < 300 && writeOf(request).hasEnabledButton;
}

const showsNarrative = (write: Write) => write.content?.includes(NARRATIVE_FIRST_WORD) === true;

const showsCompleteText = (write: Write) => {
  const text = write.content?.replace(WRITING_MARK, '');
  return text !== undefined && text.includes(narrativeText) && text.includes(responseText);
};

const isFinalEdit = (write: Write) =>
  showsCompleteText(write) && write.content?.includes(WRITING_MARK) === false && write.hasComponents;

/** Words (runs of non-space characters) of the text a write shows, the writing mark left out. */
const wordsShown = (write: Write) => write.content?.replace(WRITING_MARK, '').match(/\S+/gu)?.length ?? 0;

/** What one turn of one channel wrote to Discord and asked of the model. */
type TurnTrace = {
  writes: Write[];
  typing: number;
  narrative: ModelCall | undefined;
  response: ModelCall | undefined;
  options: ModelCall | undefined;
  /** The first write showing narrative text. */
  firstText: Write | undefined;
  /** Every write showing narrative text, in order. */
  textWrites: Write[];
  completeText: Write | undefined;
  finalEdit: Write | undefined;
};

/**
 * The requests and model calls of the turn that the player's message at `injectedAt` started in `channelId`: from that
 * message up to `until` (exclusive; the channel's next player message), or to the end of `requests` when undefined.
 */
function traceTurn(
  requests: readonly RecordedRequest[],
  calls: readonly ModelCall[],
  channelId: string,
  injectedAt: number,
  until: number | undefined,
): TurnTrace {
  const inTurn = (at: number) => at >= injectedAt && (until === undefined || at < until);
  const ofChannel = requests.filter((request) => request.channelId === channelId && inTurn(request.at));
  const writes = ofChannel.filter((request) => isMessageWrite(request) && request.status < 300).map(writeOf);
  const call = (phase: ModelCall['phase']) =>
    calls.find((candidate) => candidate.channelId === channelId && candidate.phase === phase && inTurn(candidate.requestedAt));
  const textWrites = writes.filter(showsNarrative);
  return {
    writes,
    typing: ofChannel.filter((request) => request.route === routeTemplates.typing).length,
    narrative: call('narrative'),
    response: call('response'),
    options: call('options'),
    firstText: textWrites[0],
    textWrites,
    completeText: writes.find(showsCompleteText),
    finalEdit: writes.find(isFinalEdit),
  };
}

/** The longest interval between two consecutive writes showing text; undefined when no write showed text. */
function longestTextPause(trace: TurnTrace): number | undefined {
  const { textWrites } = trace;
  if (textWrites.length === 0) return undefined;
  const pauses = textWrites.slice(1).map((write, index) => write.at - (textWrites[index]?.at ?? write.at));
  return Math.max(0, ...pauses);
}

/** First write showing text → when the fake had sent the narrative's first content chunk. */
function firstWriteAfterFirstChunk(trace: TurnTrace): number | undefined {
  const { firstText, narrative } = trace;
  if (firstText === undefined || narrative?.firstChunkAt === undefined) return undefined;
  return firstText.at - narrative.firstChunkAt;
}

function finalTextLag(trace: TurnTrace): number | undefined {
  const { completeText, response } = trace;
  if (completeText === undefined || response?.doneAt === undefined) return undefined;
  return completeText.at - response.doneAt;
}

const pushDefined = (values: number[], value: number | undefined) => {
  if (value !== undefined) values.push(value);
};

export type MeasureInput = {
  requests: readonly RecordedRequest[];
  calls: readonly ModelCall[];
  injections: readonly Injection[];
  /** When the measured turns, their background metadata included, were over. */
  windowEnd: number;
};

export function measureTurns(input: MeasureInput): TurnFigures {
  const windowStart = Math.min(...input.injections.map((injection) => injection.injectedAt));
  const inWindow = input.requests.filter((request) => request.at >= windowStart && request.at <= input.windowEnd);
  const figures: TurnFigures = {
    channels: input.injections.length,
    completed: 0,
    overheadMs: [],
    beforeModelMs: [],
    afterFirstTokenMs: [],
    firstWriteAfterFirstChunkMs: [],
    firstWriteWords: [],
    finalTextLagMs: [],
    optionsCallMs: [],
    afterOptionsMs: [],
    turnMs: [],
    longestTextPauseMs: [],
    writesPerTurn: [],
    typingPerTurn: [],
    status429: inWindow.filter((request) => request.status === 429).length,
    status400: inWindow.filter((request) => request.status === 400).length,
    requestsByKind: { typing: 0, create: 0, textEdit: 0, buttonsOnlyEdit: 0, other: 0 },
    requestsPerSecond: Array.from({ length: Math.ceil((input.windowEnd - windowStart) / 1000) }, () => 0),
  };
  for (const request of inWindow) {
    figures.requestsByKind[kindOf(request)] += 1;
    const second = Math.floor((request.at - windowStart) / 1000);
    figures.requestsPerSecond[second] = (figures.requestsPerSecond[second] ?? 0) + 1;
  }

  for (const { channelId, injectedAt } of input.injections) {
    const trace = traceTurn(inWindow, input.calls, channelId, injectedAt, undefined);
    const { firstText, narrative, options, finalEdit } = trace;
    figures.writesPerTurn.push(trace.writes.length);
    figures.typingPerTurn.push(trace.typing);

    if (firstText !== undefined) {
      figures.overheadMs.push(firstText.at - injectedAt - modelTiming.firstTokenMs);
      figures.firstWriteWords.push(wordsShown(firstText));
      if (narrative !== undefined) {
        figures.beforeModelMs.push(narrative.requestedAt - injectedAt);
        figures.afterFirstTokenMs.push(firstText.at - (narrative.requestedAt + modelTiming.firstTokenMs));
      }
    }
    pushDefined(figures.firstWriteAfterFirstChunkMs, firstWriteAfterFirstChunk(trace));
    pushDefined(figures.longestTextPauseMs, longestTextPause(trace));
    pushDefined(figures.finalTextLagMs, finalTextLag(trace));
    if (finalEdit !== undefined) {
      figures.completed += 1;
      figures.turnMs.push(finalEdit.at - injectedAt);
    }
    if (options?.doneAt !== undefined) {
      figures.optionsCallMs.push(options.doneAt - options.requestedAt);
      if (finalEdit !== undefined) figures.afterOptionsMs.push(finalEdit.at - options.doneAt);
    }
  }
  return figures;
}

/** One player message of the back-to-back scenario, sent a fixed time after the previous turn's final edit. */
export type BackToBackInjection = Injection & {
  /** Emulator arrival of the write that first showed the previous turn's enabled option buttons. */
  previousFinalEditAt: number;
};

export type BackToBackFigures = {
  channels: number;
  /** Player messages sent (turns per channel × channels). */
  turns: number;
  /** Turns that ended with their option buttons. */
  completed: number;
  /** Previous turn's final edit → this player message (the scenario's 1 s, as it happened). */
  afterPreviousFinalEditMs: number[];
  /** As in TurnFigures, one value per turn. */
  overheadMs: number[];
  firstWriteAfterFirstChunkMs: number[];
  firstWriteWords: number[];
  finalTextLagMs: number[];
  longestTextPauseMs: number[];
  status429: number;
  status400: number;
};

export type BackToBackInput = {
  requests: readonly RecordedRequest[];
  calls: readonly ModelCall[];
  injections: readonly BackToBackInjection[];
  /** When the last turns, their background metadata included, were over. */
  windowEnd: number;
};

/** Every turn of every channel; a turn's writes are those from its player message to the channel's next one. */
export function measureBackToBack(input: BackToBackInput): BackToBackFigures {
  const windowStart = Math.min(...input.injections.map((injection) => injection.injectedAt));
  const inWindow = input.requests.filter((request) => request.at >= windowStart && request.at <= input.windowEnd);
  const figures: BackToBackFigures = {
    channels: new Set(input.injections.map((injection) => injection.channelId)).size,
    turns: input.injections.length,
    completed: 0,
    afterPreviousFinalEditMs: [],
    overheadMs: [],
    firstWriteAfterFirstChunkMs: [],
    firstWriteWords: [],
    finalTextLagMs: [],
    longestTextPauseMs: [],
    status429: inWindow.filter((request) => request.status === 429).length,
    status400: inWindow.filter((request) => request.status === 400).length,
  };
  for (const injection of input.injections) {
    const { channelId, injectedAt } = injection;
    const next = input.injections
      .filter((other) => other.channelId === channelId && other.injectedAt > injectedAt)
      .reduce<number | undefined>((soonest, other) => Math.min(soonest ?? Infinity, other.injectedAt), undefined);
    const trace = traceTurn(inWindow, input.calls, channelId, injectedAt, next);
    figures.afterPreviousFinalEditMs.push(injectedAt - injection.previousFinalEditAt);
    if (trace.firstText !== undefined) {
      figures.overheadMs.push(trace.firstText.at - injectedAt - modelTiming.firstTokenMs);
      figures.firstWriteWords.push(wordsShown(trace.firstText));
    }
    pushDefined(figures.firstWriteAfterFirstChunkMs, firstWriteAfterFirstChunk(trace));
    pushDefined(figures.longestTextPauseMs, longestTextPause(trace));
    pushDefined(figures.finalTextLagMs, finalTextLag(trace));
    if (trace.finalEdit !== undefined) figures.completed += 1;
  }
  return figures;
}
