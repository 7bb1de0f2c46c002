import type { TokenUsage } from '../llm/types.ts';

export function addUsage(total: TokenUsage | undefined, more: TokenUsage | undefined): TokenUsage | undefined {
  if (more === undefined) return total;
  if (total === undefined) return { ...more };
  return {
    promptTokens: total.promptTokens + more.promptTokens,
    completionTokens: total.completionTokens + more.completionTokens,
    cachedPromptTokens: total.cachedPromptTokens + more.cachedPromptTokens,
  };
}
