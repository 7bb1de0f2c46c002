import type { LlmClient } from '../llm/types.ts';
import { SUMMARY_TARGET_CHARACTERS, summaryMessages } from './prompts/summary-instruction.ts';
import type { PastTurn } from './types.ts';

/** A hard bound whatever the model writes: the summary sits in every prompt of the campaign. */
const SUMMARY_HARD_LIMIT = SUMMARY_TARGET_CHARACTERS * 2;
const SUMMARY_MAX_TOKENS = 700;

/**
 * Folds turns that leave the prompt's verbatim window into the running summary, so the campaign keeps its memory
 * while the prompt stays bounded. Throws (classified LlmError) when the model fails: the caller keeps the old
 * summary and tries again after the next turn.
 */
export async function foldIntoSummary(input: {
  llm: LlmClient;
  model: string;
  premise: string;
  summary: string;
  turns: PastTurn[];
  signal?: AbortSignal;
}): Promise<string> {
  const completion = await input.llm.complete({
    model: input.model,
    maxTokens: SUMMARY_MAX_TOKENS,
    messages: summaryMessages(input),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  // The summary is shown to the model quoted; a model that copies the quote marks back must not stack them.
  const summary = completion.text
    .split(/\r?\n/)
    .map((line) => line.replace(/^>\s?/, ''))
    .join('\n')
    .trim();
  if (summary === '') return input.summary;
  return summary.length > SUMMARY_HARD_LIMIT ? `${summary.slice(0, SUMMARY_HARD_LIMIT - 1)}…` : summary;
}
