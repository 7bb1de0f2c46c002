import { WRITING_MARK } from '../src/discord/render/turn-renderer.ts';
import { routeTemplates, type RecordedRequest } from '../test/support/discord-emulator/index.ts';
import type { ModelCall } from './bench-model.ts';
import { modelTiming } from './bench-settings.ts';
import { NARRATIVE_FIRST_WORD, narrativeText, responseText } from './bench-texts.ts';

// Turns the emulator's request log and the fake model's call log into the figures of one measured turn per channel.
// Every time is Date.now() of the bench process: the emulator's clock is never advanced here.

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

type Write = { at: number; content: string | undefined; hasComponents: boolean };

const messageRoutes: ReadonlySet<string> = new Set([routeTemplates.channelMessages, routeTemplates.channelMessage]);

const isMessageWrite = (request: RecordedRequest) =>
  request.route !== null && messageRoutes.has(request.route) && (request.method === 'POST' || request.method === 'PATCH');

function writeOf(request: RecordedRequest): Write {
  const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
  return {
    at: request.at,
    content: typeof body['content'] === 'string' ? body['content'] : undefined,
    hasComponents: Array.isArray(body['components']) && body['components'].length > 0,
  };
}

const showsNarrative = (write: Write) => write.content?.includes(NARRATIVE_FIRST_WORD) === true;

const showsCompleteText = (write: Write) => {
  const text = write.content?.replace(WRITING_MARK, '');
  return text !== undefined && text.includes(narrativeText) && text.includes(responseText);
};

const isFinalEdit = (write: Write) =>
  showsCompleteText(write) && write.content?.includes(WRITING_MARK) === false && write.hasComponents;

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
    const ofChannel = inWindow.filter((request) => request.channelId === channelId && request.at >= injectedAt);
    const writes = ofChannel.filter((request) => isMessageWrite(request) && request.status < 300).map(writeOf);
    figures.writesPerTurn.push(writes.length);
    figures.typingPerTurn.push(ofChannel.filter((request) => request.route === routeTemplates.typing).length);

    const call = (phase: ModelCall['phase']) =>
      input.calls.find((candidate) => candidate.channelId === channelId && candidate.phase === phase && candidate.requestedAt >= injectedAt);
    const narrative = call('narrative');
    const response = call('response');
    const options = call('options');

    const firstText = writes.find(showsNarrative);
    if (firstText !== undefined) {
      figures.overheadMs.push(firstText.at - injectedAt - modelTiming.firstTokenMs);
      if (narrative !== undefined) {
        figures.beforeModelMs.push(narrative.requestedAt - injectedAt);
        figures.afterFirstTokenMs.push(firstText.at - (narrative.requestedAt + modelTiming.firstTokenMs));
      }
    }
    const textWrites = writes.filter(showsNarrative);
    if (textWrites.length > 0) {
      const pauses = textWrites.slice(1).map((write, index) => write.at - (textWrites[index]?.at ?? write.at));
      figures.longestTextPauseMs.push(Math.max(0, ...pauses));
    }
    const completeText = writes.find(showsCompleteText);
    if (completeText !== undefined && response?.doneAt !== undefined) figures.finalTextLagMs.push(completeText.at - response.doneAt);
    const finalEdit = writes.find(isFinalEdit);
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
