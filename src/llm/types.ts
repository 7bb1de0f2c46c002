import type { ZodType } from 'zod';

// The surface the DM core uses. It speaks in plain text and zod schemas, never in SDK types,
// so any OpenAI-compatible server can sit behind it.

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

export type TokenUsage = {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the provider's prefix cache (0 when the server does not say). */
  cachedPromptTokens: number;
};

export type LlmRequest = {
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  /** Sent as `prompt_cache_key`, so every call of one campaign lands on the same cached prefix. */
  cacheKey?: string;
  signal?: AbortSignal;
};

export type StructuredRequest<T> = LlmRequest & {
  schema: ZodType<T>;
  /** Name of the JSON schema sent as structured output (letters, digits, _ and -). */
  schemaName: string;
};

/**
 * Text deltas in the order the server sends them, without buffering. Iterating throws an LlmError
 * when the stream fails; `usage` and `truncated` are known once the iteration has finished.
 */
export interface TextStream extends AsyncIterable<string> {
  readonly usage: TokenUsage | undefined;
  /** The server stopped at the token cap (finish_reason `length`): the text ends where it was cut. */
  readonly truncated: boolean;
}

export type Completion = {
  text: string;
  usage: TokenUsage | undefined;
  /** The server stopped at the token cap (finish_reason `length`): the text ends where it was cut. */
  truncated: boolean;
};

export type StructuredResult<T> =
  | {
      ok: true;
      value: T;
      usage: TokenUsage | undefined;
      repaired: boolean;
      /** The token cap cut the JSON value itself: its last item (say, the last string of a list) may be cut short. */
      truncated: boolean;
    }
  | { ok: false; error: LlmErrorKind; message: string; raw: string | undefined; usage: TokenUsage | undefined };

export type LlmErrorKind =
  | 'auth'
  | 'rate_limit'
  | 'timeout'
  | 'server'
  | 'bad_request'
  | 'connection'
  | 'aborted'
  | 'invalid_output';

export interface LlmClient {
  stream(request: LlmRequest): TextStream;
  complete(request: LlmRequest): Promise<Completion>;
  /** Never throws for bad output: malformed or invalid JSON comes back as `{ ok: false }`. Throws only on abort. */
  structured<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>>;
}
