import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import type { LlmRequest } from './types.ts';

type CommonParams = Pick<ChatCompletionCreateParamsBase, 'model' | 'messages' | 'max_completion_tokens' | 'temperature' | 'prompt_cache_key'>;

/** The request fields every call sends; stream, complete and structured add their own. */
export function chatParams(request: LlmRequest): CommonParams {
  const params: CommonParams = {
    model: request.model,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
  };
  // max_completion_tokens, not max_tokens: OpenAI's reasoning models reject the older name.
  if (request.maxTokens !== undefined) params.max_completion_tokens = request.maxTokens;
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.cacheKey !== undefined) params.prompt_cache_key = request.cacheKey;
  return params;
}
