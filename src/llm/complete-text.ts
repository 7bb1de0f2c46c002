import type { ResponseFormatJSONSchema } from 'openai/resources/shared';
import { classifyError } from './classify-error.ts';
import { beginCall, type LlmContext } from './llm-context.ts';
import { withRetries } from './retry.ts';
import { sendRequest } from './send-request.ts';
import { toTokenUsage } from './token-usage.ts';
import type { Completion, LlmRequest } from './types.ts';

/**
 * One non-streamed completion, retried as a whole (nothing reached the caller before it ends). Bounded by the total
 * timeout only: without streaming, the headers come when the whole answer is ready, so there is no first token to time.
 * Empty content is not an error: the caller decides what an empty answer means.
 */
export async function completeText(context: LlmContext, request: LlmRequest, responseFormat?: ResponseFormatJSONSchema): Promise<Completion> {
  const retry = beginCall(context, request.signal, `completion (${request.model})`);
  try {
    return await withRetries(retry, async () => {
      const completion = await sendRequest(
        context,
        () => ({
          ...context.fields.chatParams(request, { streaming: false }),
          stream: false as const,
          ...(responseFormat === undefined ? {} : { response_format: responseFormat }),
        }),
        (params) => context.openai.chat.completions.create(params, { signal: retry.call.signal, maxRetries: 0, timeout: context.totalTimeoutMs }),
      );
      const choice = completion.choices[0];
      return { text: choice?.message.content ?? '', usage: toTokenUsage(completion.usage), truncated: choice?.finish_reason === 'length' };
    });
  } catch (error) {
    throw classifyError(error, retry.call.failure());
  } finally {
    retry.call.dispose();
  }
}
