import type { CompletionUsage } from 'openai/resources/completions';
import type { TokenUsage } from './types.ts';

export function toTokenUsage(usage: CompletionUsage | null | undefined): TokenUsage | undefined {
  if (usage === null || usage === undefined) return undefined;
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    cachedPromptTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

/** Usage of a call that took several requests (a structured call and its JSON fallback). */
export function addUsage(first: TokenUsage | undefined, second: TokenUsage | undefined): TokenUsage | undefined {
  if (first === undefined) return second;
  if (second === undefined) return first;
  return {
    promptTokens: first.promptTokens + second.promptTokens,
    completionTokens: first.completionTokens + second.completionTokens,
    cachedPromptTokens: first.cachedPromptTokens + second.cachedPromptTokens,
  };
}
