import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { estimateTokens, fieldsRefused, splitIntoChunks, type ErrorReply, type Reply, type ReplyTiming, type StrictStyle, type TextReply } from './fake-openai-replies.ts';
import { PromptPrefixCache, promptTextOf } from './prompt-prefix-cache.ts';

export { openAiChatFields, reply, type Reply, type StrictStyle } from './fake-openai-replies.ts';

// An OpenAI-compatible chat completions server on loopback, for tests that drive the real openai SDK.
//
//   const fake = await startFakeOpenAi();
//   const client = new OpenAI({ apiKey: 'test', baseURL: fake.url });
//   fake.enqueue(reply.text('Hello there', { firstTokenMs: 50, chunkDelayMs: 10 }));   // next request only
//   fake.respondWith((request) => (request.jsonSchemaName === 'player_options' ? reply.json({...}) : reply.text('...')));
//   ...
//   expect(fake.requests[0]?.body.prompt_cache_key).toBe('campaign-1');
//   await fake.close();
//
// Each request takes the next queued reply; when the queue is empty the responder answers (default: 'Fake reply.').
//
// Strict mode plays a server that refuses request fields it does not know, as OpenAI does and vLLM did before 0.6.5:
//
//   fake.strict({ known: openAiChatFields.filter((field) => field !== 'prompt_cache_key'), style: 'vllm' });
//
// A request with another field gets that server's 400 at once, takes no queued reply, and is recorded with the fields
// refused (`refusedFields`), so a test sees both the refused request and the one sent again without them.

export type ChatRequestBody = {
  model?: string;
  messages?: Array<{ role: string; content: unknown }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema?: unknown } };
  prompt_cache_key?: string;
  [field: string]: unknown;
};

export type RecordedRequest = {
  /** Date.now() when the body had been read. */
  time: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, unknown fields included. */
  body: ChatRequestBody;
  model: string;
  stream: boolean;
  /** Messages with their content flattened to text. */
  messages: Array<{ role: string; content: string }>;
  /** Text of the last message: handy for a responder that routes by the phase instruction. */
  lastMessage: string;
  /** `response_format.json_schema.name` when structured output was asked for. */
  jsonSchemaName: string | undefined;
  /** Content chunks written so far (streamed replies). */
  chunksSent: number;
  /** True when the client hung up before the reply was complete (an abort reaching the network). */
  closedByClient: boolean;
  /** Fields that strict mode refused this request for (it got a 400); empty when the request was answered. */
  refusedFields: string[];
  /** Resolves once the connection of this request has closed, whoever closed it. */
  closed: Promise<void>;
};

export type Responder = (request: RecordedRequest) => Reply | Promise<Reply>;

export type FakeOpenAi = {
  /** Base URL ending in /v1, for `new OpenAI({ baseURL })` or OPENAI_BASE_URL. */
  url: string;
  /** Every chat completions request, in arrival order. */
  requests: RecordedRequest[];
  /** Replies for the next requests, one each, in order. */
  enqueue(...replies: Reply[]): void;
  /** Answers requests once the queue is empty; undefined restores the default. */
  respondWith(responder: Responder | undefined): void;
  /** Refuses, with a 400 worded as `style` says (default OpenAI's), every request carrying a field not in `known`; undefined: accepts any field. */
  strict(mode: StrictMode | undefined): void;
  /** Forgets queued replies, the responder, strict mode and the recorded requests. */
  clear(): void;
  close(): Promise<void>;
};

export type StrictMode = { known: readonly string[]; style?: StrictStyle };

const defaultResponder: Responder = () => ({ kind: 'text', text: 'Fake reply.' });

export type FakeOpenAiOptions = {
  /**
   * Keep only the newest requests in `requests` (and so in the prefix-cache imitation): for a bench's thousands of
   * requests, where only the cached-token count of a reply depends on the older ones.
   */
  keepRequests?: number;
};

export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const requests: RecordedRequest[] = [];
  let queue: Reply[] = [];
  let responder = defaultResponder;
  let strictMode: StrictMode | undefined;
  let sequence = 0;
  const prefixCache = new PromptPrefixCache();

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      // A bug in the fake must fail the test loudly rather than look like a network fault.
      console.error('fake OpenAI server failed', error);
      response.destroy();
    });
  });

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readBody(incoming);
    const path = (incoming.url ?? '/').split('?')[0] ?? '/';
    if (incoming.method !== 'POST' || !/^(\/v1)?\/chat\/completions$/.test(path)) {
      sendError(response, { kind: 'error', status: 404, message: `Unknown route ${incoming.method} ${path}`, type: 'invalid_request_error', param: null, code: 'unknown_url' });
      return;
    }
    let body: ChatRequestBody;
    try {
      body = JSON.parse(rawBody) as ChatRequestBody;
    } catch {
      sendError(response, { kind: 'error', status: 400, message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: null });
      return;
    }

    const record = recordRequest(incoming, response, path, body);
    requests.push(record);
    if (options.keepRequests !== undefined && requests.length > options.keepRequests + 1) {
      for (const dropped of requests.splice(0, requests.length - options.keepRequests - 1)) prefixCache.remove(dropped);
    }
    const sharedCharacters = prefixCache.sharedCharacters(record);
    prefixCache.add(record);
    if (strictMode !== undefined) {
      const known = strictMode.known;
      record.refusedFields = Object.keys(body).filter((field) => !known.includes(field));
      if (record.refusedFields.length > 0) {
        sendError(response, fieldsRefused(record.refusedFields, body, strictMode.style ?? 'openai'));
        return;
      }
    }
    const chosen = queue.shift() ?? (await responder(record));
    sequence += 1;
    const id = `chatcmpl-fake-${sequence}`;

    switch (chosen.kind) {
      case 'error':
        sendError(response, chosen);
        return;
      case 'reset':
        markServerClosed(response);
        incoming.socket.destroy();
        return;
      case 'text':
        await sendText(record, response, id, chosen, usageFor(record, sharedCharacters, chosen));
        return;
      case 'cut':
      case 'stall':
        await sendBroken(record, response, id, chosen);
        return;
    }
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue(...replies) {
      queue.push(...replies);
    },
    respondWith(next) {
      responder = next ?? defaultResponder;
    },
    strict(mode) {
      strictMode = mode;
    },
    clear() {
      queue = [];
      responder = defaultResponder;
      strictMode = undefined;
      requests.length = 0;
      prefixCache.clear();
    },
    async close() {
      // Stalled replies and keep-alive sockets would otherwise hold close() open forever.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const serverClosed = new WeakSet<ServerResponse>();

function markServerClosed(response: ServerResponse): void {
  serverClosed.add(response);
}

function recordRequest(incoming: IncomingMessage, response: ServerResponse, path: string, body: ChatRequestBody): RecordedRequest {
  const messages = (body.messages ?? []).map((message) => ({ role: message.role, content: flattenContent(message.content) }));
  let resolveClosed: () => void = () => {};
  const record: RecordedRequest = {
    time: Date.now(),
    method: incoming.method ?? 'POST',
    path,
    headers: incoming.headers,
    body,
    model: body.model ?? '',
    stream: body.stream === true,
    messages,
    lastMessage: messages.at(-1)?.content ?? '',
    jsonSchemaName: body.response_format?.type === 'json_schema' ? body.response_format.json_schema?.name : undefined,
    chunksSent: 0,
    closedByClient: false,
    refusedFields: [],
    closed: new Promise<void>((resolve) => {
      resolveClosed = resolve;
    }),
  };
  response.on('close', () => {
    if (!response.writableFinished && !serverClosed.has(response)) record.closedByClient = true;
    resolveClosed();
  });
  return record;
}

function flattenContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part: unknown) => (typeof part === 'object' && part !== null && 'text' in part ? String(part.text) : '')).join('');
  }
  return '';
}

async function readBody(incoming: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of incoming) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

type UsageNumbers = { promptTokens: number; completionTokens: number; cachedTokens: number };

/** `sharedCharacters`: the prompt's prefix shared with an earlier request (PromptPrefixCache), counted as cached. */
function usageFor(record: RecordedRequest, sharedCharacters: number, chosen: TextReply): UsageNumbers | null {
  if (chosen.usage === 'none') return null;
  const promptTokens = chosen.usage?.promptTokens ?? estimateTokens(promptTextOf(record)) + 3 * record.messages.length;
  return {
    promptTokens,
    completionTokens: chosen.usage?.completionTokens ?? estimateTokens(chosen.text),
    cachedTokens: chosen.usage?.cachedTokens ?? Math.min(promptTokens, Math.floor(sharedCharacters / 4)),
  };
}

function usageBody(usage: UsageNumbers) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function sendError(response: ServerResponse, error: ErrorReply): void {
  const body = JSON.stringify(error.body ?? { error: { message: error.message, type: error.type, param: error.param, code: error.code } });
  response.writeHead(error.status, { 'content-type': 'application/json', 'x-request-id': 'req_fake', ...error.headers });
  response.end(body);
}

/** Resolves once the bytes have been handed to the socket, so a destroy() right after cannot swallow them. */
function write(response: ServerResponse, data: string): Promise<void> {
  return new Promise((resolve) => {
    response.write(data, () => resolve());
  });
}

function isGone(response: ServerResponse): boolean {
  return response.destroyed || response.writableEnded;
}

function streamHeaders(response: ServerResponse): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': 'req_fake',
  });
  response.flushHeaders();
}

function chunkEvent(record: RecordedRequest, id: string, choices: unknown[], usage?: UsageNumbers | null): string {
  const includeUsage = record.body.stream_options?.include_usage === true && usage !== null;
  const chunk: Record<string, unknown> = {
    id,
    object: 'chat.completion.chunk',
    created: Math.floor(record.time / 1000),
    model: record.model,
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
    choices,
  };
  // OpenAI adds `usage: null` to every chunk once include_usage is on, and the numbers on a last chunk without choices.
  if (includeUsage) chunk['usage'] = usage === undefined ? null : usageBody(usage);
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

function deltaChoice(delta: Record<string, unknown>, finishReason: string | null = null) {
  return { index: 0, delta, logprobs: null, finish_reason: finishReason };
}

/** Headers and the role chunk at once, then the content after `firstTokenMs`, one piece every `chunkDelayMs`. */
async function streamContent(record: RecordedRequest, response: ServerResponse, id: string, pieces: string[], timing: ReplyTiming): Promise<boolean> {
  streamHeaders(response);
  await write(response, chunkEvent(record, id, [deltaChoice({ role: 'assistant', content: '', refusal: null })]));
  for (const [index, piece] of pieces.entries()) {
    if (timing.hold !== undefined && index === (timing.hold.afterChunks ?? 0)) await timing.hold.until;
    await delay(index === 0 ? (timing.firstTokenMs ?? 0) : (timing.chunkDelayMs ?? 0));
    if (isGone(response)) return false;
    await write(response, chunkEvent(record, id, [deltaChoice({ content: piece })]));
    record.chunksSent += 1;
  }
  return !isGone(response);
}

async function sendText(record: RecordedRequest, response: ServerResponse, id: string, chosen: TextReply, usage: UsageNumbers | null): Promise<void> {
  const finishReason = chosen.finishReason ?? 'stop';
  if (!record.stream) {
    await chosen.hold?.until;
    await delay(chosen.firstTokenMs ?? 0);
    if (isGone(response)) return;
    response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_fake' });
    response.end(JSON.stringify(completionBody(record, id, chosen.text, finishReason, usage)));
    return;
  }
  const completed = await streamContent(record, response, id, splitIntoChunks(chosen.text, chosen.chunks), chosen);
  if (!completed) return;
  await write(response, chunkEvent(record, id, [deltaChoice({}, finishReason)], usage === null ? null : undefined));
  if (record.body.stream_options?.include_usage === true && usage !== null) await write(response, chunkEvent(record, id, [], usage));
  response.end('data: [DONE]\n\n');
}

function completionBody(record: RecordedRequest, id: string, text: string, finishReason: string, usage: UsageNumbers | null) {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(record.time / 1000),
    model: record.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    ...(usage === null ? {} : { usage: usageBody(usage) }),
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

/** A cut or a stall. Non-streamed requests get the headers and half a JSON body before the fault. */
async function sendBroken(record: RecordedRequest, response: ServerResponse, id: string, chosen: Reply & { kind: 'cut' | 'stall' }): Promise<void> {
  if (record.stream) {
    const pieces = splitIntoChunks(chosen.text, chosen.chunks).slice(0, chosen.afterChunks);
    const stillOpen = await streamContent(record, response, id, pieces, chosen);
    if (!stillOpen) return;
  } else {
    await delay(chosen.firstTokenMs ?? 0);
    if (isGone(response)) return;
    response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_fake' });
    const body = JSON.stringify(completionBody(record, id, chosen.text, 'stop', { promptTokens: 0, completionTokens: 0, cachedTokens: 0 }));
    await write(response, body.slice(0, Math.floor(body.length / 2)));
  }
  if (chosen.kind === 'cut') {
    markServerClosed(response);
    response.socket?.destroy();
  }
  // A stall just stops here: the socket stays open until the client gives up or the fake closes.
}
