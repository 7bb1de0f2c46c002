import type { LlmContext } from './llm-context.ts';
import { optionalFields } from './request-params.ts';
import { refusedFields, serverErrorDetails } from './server-refusal.ts';

/**
 * Sends one request built by `build`. When the server refuses optional fields of it (a 400 naming them), they are
 * left out for good (see request-params.ts) and the request is sent again at once without them. That resend is not
 * one of the call's retries and no failure anyone sees: no model has read the request yet. Each resend leaves out at
 * least one more field, so there are few.
 */
export async function sendRequest<P extends object, T>(context: LlmContext, build: () => P, send: (params: P) => Promise<T>): Promise<T> {
  for (let resends = 0; ; resends += 1) {
    const params = build();
    try {
      return await send(params);
    } catch (error) {
      const sentOptional = Object.keys(params).filter((field) => (optionalFields as readonly string[]).includes(field));
      const refused = resends <= optionalFields.length ? refusedFields(serverErrorDetails(error), sentOptional) : [];
      if (refused.length === 0) throw error;
      for (const field of refused) {
        if (context.fields.refuse(field)) context.logger?.warn({ field, err: error }, `the LLM server refused the field ${field}; it is left out from now on`);
      }
    }
  }
}
