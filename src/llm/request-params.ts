import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import type { LlmRequest } from './types.ts';

// Which fields a request carries, for the one server a client talks to. Rules:
// - The choice is made once, when the client is made, from the base URL and the configuration. The token cap goes as
//   `max_completion_tokens` to OpenAI itself (its reasoning models reject `max_tokens`) and as `max_tokens` to every
//   other server: every compatible server honours that name (Ollama and LM Studio document no other, vLLM before 0.6.4
//   knew no other), and a server that silently ignores the newer name gives no cap at all. `prompt_cache_key` goes to
//   OpenAI itself only: elsewhere it buys nothing, and strict servers refuse it.
// - A field the server refuses (a 400 naming it) is left out of every later request of this client, for the life of
//   the process; nothing ever puts it back. Only the optional fields below are ever left out: model, messages, stream
//   and response_format are the request itself.
// - A refused name of the token cap gives way to the other name, so the cap survives unless the server refuses both.

/** The name the token cap is sent under; `both` for a server behind a proxy that honours one and drops the other. */
export type TokenLimitField = 'max_completion_tokens' | 'max_tokens' | 'both';

export type RequestFieldOptions = {
  /** An OpenAI-compatible base URL; undefined means OpenAI itself. */
  baseUrl: string | undefined;
  /** `auto` (the default): `max_completion_tokens` for OpenAI itself, `max_tokens` elsewhere. */
  tokenLimitField?: TokenLimitField | 'auto';
  /** `auto` (the default): sent to OpenAI itself only. */
  promptCacheKey?: boolean | 'auto';
};

type CommonParams = Pick<
  ChatCompletionCreateParamsBase,
  'model' | 'messages' | 'max_completion_tokens' | 'max_tokens' | 'temperature' | 'prompt_cache_key' | 'stream_options'
>;

/** Fields a request does without when the server refuses them. */
export const optionalFields = ['max_completion_tokens', 'max_tokens', 'prompt_cache_key', 'temperature', 'stream_options'] as const;

type OptionalField = (typeof optionalFields)[number];

type TokenLimitName = 'max_completion_tokens' | 'max_tokens';

/** OpenAI's own API, including its regional hosts (us.api.openai.com); Azure and proxies are other servers. */
export function isOpenAiItself(baseUrl: string | undefined): boolean {
  if (baseUrl === undefined) return true;
  try {
    const host = new URL(baseUrl).hostname.toLowerCase();
    return host === 'api.openai.com' || host.endsWith('.api.openai.com');
  } catch {
    return false;
  }
}

export class RequestFields {
  readonly #tokenLimit: readonly TokenLimitName[];
  readonly #sendsCacheKey: boolean;
  readonly #refused = new Set<OptionalField>();

  constructor(options: RequestFieldOptions) {
    const openAi = isOpenAiItself(options.baseUrl);
    const setting = options.tokenLimitField ?? 'auto';
    const field = setting === 'auto' ? (openAi ? 'max_completion_tokens' : 'max_tokens') : setting;
    this.#tokenLimit = field === 'both' ? ['max_completion_tokens', 'max_tokens'] : [field];
    const cacheKey = options.promptCacheKey ?? 'auto';
    this.#sendsCacheKey = cacheKey === 'auto' ? openAi : cacheKey;
  }

  /** The fields every call sends; stream, complete and structured add their own. */
  chatParams(request: LlmRequest, mode: { streaming: boolean }): CommonParams {
    const params: CommonParams = {
      model: request.model,
      messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    };
    if (request.maxTokens !== undefined) for (const name of this.#tokenLimitNames()) params[name] = request.maxTokens;
    if (request.temperature !== undefined && this.#sends('temperature')) params.temperature = request.temperature;
    if (request.cacheKey !== undefined && this.#sendsCacheKey && this.#sends('prompt_cache_key')) params.prompt_cache_key = request.cacheKey;
    if (mode.streaming && this.#sends('stream_options')) params.stream_options = { include_usage: true };
    return params;
  }

  /**
   * Leaves `field` out from now on. Returns false for a field that is not optional or was already refused (by a request
   * that ran beside this one): nothing changes.
   */
  refuse(field: string): boolean {
    if (!isOptionalField(field) || this.#refused.has(field)) return false;
    this.#refused.add(field);
    return true;
  }

  #sends(field: OptionalField): boolean {
    return !this.#refused.has(field);
  }

  #tokenLimitNames(): TokenLimitName[] {
    const chosen = this.#tokenLimit.filter((name) => this.#sends(name));
    if (chosen.length > 0) return chosen;
    const fallback: TokenLimitName[] = ['max_tokens', 'max_completion_tokens'];
    return fallback.filter((name) => this.#sends(name)).slice(0, 1);
  }
}

function isOptionalField(field: string): field is OptionalField {
  return (optionalFields as readonly string[]).includes(field);
}
