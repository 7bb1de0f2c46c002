// What the fake OpenAI server can answer, and builders that read well in a test:
//
//   fake.enqueue(reply.text('The door creaks open.', { firstTokenMs: 50, chunkDelayMs: 10, chunks: 4 }));
//   fake.enqueue(reply.json({ options: ['Run', 'Hide'] }));
//   fake.enqueue(reply.serverError(), reply.rateLimited({ retryAfterMs: 300 }), reply.text('ok'));
//
// The same reply serves a streamed request (SSE) and a non-streamed one (chat.completion JSON); the fake picks the
// format from the request's `stream` flag.

export type ReplyTiming = {
  /**
   * Streamed: milliseconds between the role chunk (sent with the headers) and the first content chunk.
   * Non-streamed: milliseconds before the response is sent at all.
   */
  firstTokenMs?: number;
  /** Streamed: milliseconds between two content chunks. */
  chunkDelayMs?: number;
  /** How the text is cut into content chunks: that many roughly equal pieces, or exactly these pieces. Default: one per word. */
  chunks?: number | string[];
  /**
   * Holds the reply until the test lets it go: a streamed reply after `afterChunks` content chunks (default 0: before
   * the first), a non-streamed one before it is sent. How races are made deterministic, instead of sleeping.
   */
  hold?: { until: Promise<unknown>; afterChunks?: number };
};

/** Token counts to report instead of the estimate (characters / 4, cached = prefix shared with an earlier request). */
export type UsageOverride = { promptTokens?: number; completionTokens?: number; cachedTokens?: number };

export type TextReply = ReplyTiming & {
  kind: 'text';
  /** The assistant's content; '' for an empty answer. Malformed JSON is just text. */
  text: string;
  finishReason?: 'stop' | 'length' | 'content_filter';
  /** 'none': no usage at all, as some OpenAI-compatible servers answer (no usage chunk, no usage field). */
  usage?: UsageOverride | 'none';
};

/** An HTTP error with OpenAI's error body `{ error: { message, type, param, code } }`, or exactly `body` when given. */
export type ErrorReply = {
  kind: 'error';
  status: number;
  message: string;
  type: string;
  param: string | null;
  code: string | null;
  headers?: Record<string, string>;
  /** The whole JSON body, for servers whose errors are shaped otherwise (vLLM's top-level `message`, LM Studio's string). */
  body?: unknown;
};

/** The socket is destroyed before a single byte of the response: the client sees a connection reset. */
export type ResetReply = { kind: 'reset' };

/** Streamed: the headers and `afterChunks` content chunks are sent, then the socket is destroyed mid-body. */
export type CutReply = ReplyTiming & { kind: 'cut'; text: string; afterChunks: number };

/** Streamed: the headers and `afterChunks` content chunks are sent, then nothing more; the socket stays open. */
export type StallReply = ReplyTiming & { kind: 'stall'; text: string; afterChunks: number };

export type Reply = TextReply | ErrorReply | ResetReply | CutReply | StallReply;

function openAiError(status: number, message: string, details: Partial<Omit<ErrorReply, 'kind' | 'status' | 'message'>> = {}): ErrorReply {
  return {
    kind: 'error',
    status,
    message,
    type: details.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
    param: details.param ?? null,
    code: details.code ?? null,
    ...(details.headers === undefined ? {} : { headers: details.headers }),
  };
}

export const reply = {
  text(text: string, options: Omit<TextReply, 'kind' | 'text'> = {}): TextReply {
    return { kind: 'text', text, ...options };
  },
  /** The value serialised as the assistant's content, as a json_schema answer would be. */
  json(value: unknown, options: Omit<TextReply, 'kind' | 'text'> = {}): TextReply {
    return { kind: 'text', text: JSON.stringify(value), ...options };
  },
  empty(options: Omit<TextReply, 'kind' | 'text'> = {}): TextReply {
    return { kind: 'text', text: '', ...options };
  },
  error: openAiError,
  serverError(message = 'The server had an error while processing your request. Sorry about that!'): ErrorReply {
    return openAiError(500, message, { type: 'server_error' });
  },
  /** 429 with `retry-after` (seconds) and/or `retry-after-ms`, as OpenAI sends them. */
  rateLimited(options: { retryAfterSeconds?: number; retryAfterMs?: number } = {}): ErrorReply {
    const headers: Record<string, string> = {};
    if (options.retryAfterSeconds !== undefined) headers['retry-after'] = String(options.retryAfterSeconds);
    if (options.retryAfterMs !== undefined) headers['retry-after-ms'] = String(options.retryAfterMs);
    return openAiError(429, 'Rate limit reached for requests. Please try again shortly.', {
      type: 'requests',
      code: 'rate_limit_exceeded',
      headers,
    });
  },
  unauthorized(): ErrorReply {
    return openAiError(401, 'Incorrect API key provided: sk-fake***1234.', { code: 'invalid_api_key' });
  },
  badRequest(message = "Invalid value for 'messages'.", param: string | null = 'messages'): ErrorReply {
    return openAiError(400, message, { param });
  },
  /** What a server without structured-output support says to `response_format: { type: 'json_schema' }`. */
  jsonSchemaRefused(): ErrorReply {
    return openAiError(400, "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", {
      param: 'response_format',
    });
  },
  /** A server's error exactly as it sends it: status and JSON body, whatever their shape. */
  errorBody(status: number, body: unknown): ErrorReply {
    return { ...openAiError(status, 'see body'), body };
  },
  reset(): ResetReply {
    return { kind: 'reset' };
  },
  cut(text: string, afterChunks: number, timing: ReplyTiming = {}): CutReply {
    return { kind: 'cut', text, afterChunks, ...timing };
  },
  stall(text: string, afterChunks: number, timing: ReplyTiming = {}): StallReply {
    return { kind: 'stall', text, afterChunks, ...timing };
  },
};

/** Whose wording strict mode refuses unknown fields in. */
export type StrictStyle = 'openai' | 'vllm';

/** Every top-level field of OpenAI's chat completions request (openai 7): what OpenAI itself accepts. */
export const openAiChatFields: readonly string[] = [
  'model', 'messages', 'audio', 'frequency_penalty', 'function_call', 'functions', 'logit_bias', 'logprobs',
  'max_completion_tokens', 'max_tokens', 'metadata', 'modalities', 'n', 'parallel_tool_calls', 'prediction',
  'presence_penalty', 'prompt_cache_key', 'prompt_cache_retention', 'reasoning_effort', 'response_format',
  'safety_identifier', 'seed', 'service_tier', 'stop', 'store', 'stream', 'stream_options', 'temperature',
  'tool_choice', 'tools', 'top_logprobs', 'top_p', 'user', 'verbosity', 'web_search_options',
];

/**
 * The 400 a strict server answers a request with unknown fields: OpenAI names the first one; vLLM before 0.6.5
 * (pydantic's `extra="forbid"`) lists them all, in a top-level body rather than under `error`.
 */
export function fieldsRefused(fields: readonly string[], body: Record<string, unknown>, style: StrictStyle): ErrorReply {
  if (style === 'openai') return openAiError(400, `Unrecognized request argument supplied: ${fields[0] ?? ''}`);
  const entries = fields.map((field) => `{'type': 'extra_forbidden', 'loc': ('body', '${field}'), 'msg': 'Extra inputs are not permitted', 'input': ${pythonRepr(body[field])}}`);
  return reply.errorBody(400, { object: 'error', message: `[${entries.join(', ')}]`, type: 'BadRequestError', param: null, code: 400 });
}

/** Python's repr of a JSON value, as vLLM's messages quote the input. */
function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([key, item]) => `'${key}': ${pythonRepr(item)}`).join(', ')}}`;
  return String(value);
}

/** Cuts text into content pieces the way the reply asks; joined, the pieces are the text again. */
export function splitIntoChunks(text: string, chunks: number | string[] | undefined): string[] {
  if (Array.isArray(chunks)) return chunks;
  if (text === '') return [];
  if (chunks === undefined) return text.match(/\s*\S+\s*/gu) ?? [text];
  const characters = Array.from(text);
  const count = Math.max(1, Math.min(chunks, characters.length));
  const size = Math.ceil(characters.length / count);
  const pieces: string[] = [];
  for (let start = 0; start < characters.length; start += size) pieces.push(characters.slice(start, start + size).join(''));
  return pieces;
}

/** A plausible token count without a tokenizer: about four characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
