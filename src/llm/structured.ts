import { zodResponseFormat } from 'openai/helpers/zod';
import type { ResponseFormatJSONSchema } from 'openai/resources/shared';
import { z, type ZodType } from 'zod';
import { classifyError } from './classify-error.ts';
import { completeText } from './complete-text.ts';
import { parseJsonLeniently } from './json-repair.ts';
import type { LlmContext } from './llm-context.ts';
import { refusesJsonSchema, serverErrorDetails } from './server-refusal.ts';
import { addUsage } from './token-usage.ts';
import type { ChatMessage, StructuredRequest, StructuredResult, TokenUsage } from './types.ts';

type Validated<T> = { ok: true; value: T; repaired: boolean; cut: boolean } | { ok: false; message: string };

/**
 * Asks for JSON-schema structured output; when the server refuses the request (400) or the answer does not validate,
 * asks again with the schema in the prompt and repairs what comes back. Only a refusal that names structured output
 * marks the model as without JSON schema for the life of the client; any other 400 (a context too long, say) is this
 * call's alone. `repaired` is true whenever the value did not come cleanly out of structured output; `truncated` when
 * the token cap cut the value itself. Only an abort throws.
 */
export async function structuredOutput<T>(context: LlmContext, request: StructuredRequest<T>): Promise<StructuredResult<T>> {
  let usage: TokenUsage | undefined;
  const responseFormat = context.modelsWithoutJsonSchema.has(request.model) ? undefined : jsonSchemaFormat(context, request);

  if (responseFormat !== undefined) {
    try {
      const completion = await completeText(context, request, responseFormat);
      usage = completion.usage;
      const validated = validate(request.schema, completion.text);
      if (validated.ok) return { ok: true, value: validated.value, usage, repaired: validated.repaired, truncated: completion.truncated && validated.cut };
      context.logger?.warn({ model: request.model, schema: request.schemaName, problem: validated.message }, 'structured output did not validate, asking again with JSON instructions');
    } catch (error) {
      const failure = classifyError(error);
      if (failure.kind === 'aborted') throw failure;
      if (refusesJsonSchema(serverErrorDetails(failure))) {
        // Asking for json_schema again every turn would only cost a round trip.
        context.modelsWithoutJsonSchema.add(request.model);
        context.logger?.warn({ model: request.model, err: failure }, 'the LLM server refused JSON-schema output, using JSON instructions from now on');
      } else if (failure.kind === 'bad_request' && failure.status !== 404) {
        // A refusal we cannot read: JSON instructions may still get an answer, but the next call tries the schema again.
        context.logger?.warn({ model: request.model, err: failure }, 'structured output request refused, trying JSON instructions for this call');
      } else {
        return { ok: false, error: failure.kind, message: failure.message, raw: undefined, usage };
      }
    }
  }

  let raw: string | undefined;
  try {
    const completion = await completeText(context, { ...request, messages: withJsonInstructions(request) });
    usage = addUsage(usage, completion.usage);
    raw = completion.text;
    const validated = validate(request.schema, completion.text);
    if (validated.ok) return { ok: true, value: validated.value, usage, repaired: true, truncated: completion.truncated && validated.cut };
    return { ok: false, error: 'invalid_output', message: validated.message, raw, usage };
  } catch (error) {
    const failure = classifyError(error);
    if (failure.kind === 'aborted') throw failure;
    return { ok: false, error: failure.kind, message: failure.message, raw, usage };
  }
}

/**
 * Per schema and name, made once: the SDK converts and deep-copies the whole schema on every call (0.1-0.25 ms of CPU
 * for ours, twice a turn), and the result never changes. Callers only read it.
 */
const formats = new WeakMap<ZodType, Map<string, ResponseFormatJSONSchema | undefined>>();

/** The SDK's strict format; undefined for schemas strict mode cannot express (an `.optional()` without `.nullable()`). */
function jsonSchemaFormat<T>(context: LlmContext, request: StructuredRequest<T>): ResponseFormatJSONSchema | undefined {
  let byName = formats.get(request.schema);
  if (byName === undefined) formats.set(request.schema, (byName = new Map()));
  if (byName.has(request.schemaName)) return byName.get(request.schemaName);
  let format: ResponseFormatJSONSchema | undefined;
  try {
    format = { type: 'json_schema', json_schema: zodResponseFormat(request.schema, request.schemaName).json_schema };
  } catch (error) {
    context.logger?.debug({ schema: request.schemaName, err: error }, 'schema not usable as strict structured output, using JSON instructions');
    format = undefined;
  }
  byName.set(request.schemaName, format);
  return format;
}

function validate<T>(schema: ZodType<T>, text: string): Validated<T> {
  const parsed = parseJsonLeniently(text);
  if (!parsed.ok) return parsed;
  const result = schema.safeParse(parsed.value);
  if (!result.success) return { ok: false, message: `JSON does not match the schema: ${z.prettifyError(result.error)}` };
  return { ok: true, value: result.data, repaired: parsed.repaired, cut: parsed.cut };
}

/**
 * The instructions go at the very end (into the last user message, as some chat templates reject two user messages
 * in a row or a late system message), so the shared prompt prefix stays byte-identical and cached.
 */
function withJsonInstructions<T>(request: StructuredRequest<T>): ChatMessage[] {
  const instructions = [
    'Answer with one JSON document and nothing else: no prose, no Markdown, no code fences.',
    `It must match this JSON Schema:\n${JSON.stringify(describeSchema(request.schema))}`,
  ].join('\n');
  const last = request.messages.at(-1);
  if (last?.role === 'user') return [...request.messages.slice(0, -1), { role: 'user', content: `${last.content}\n\n${instructions}` }];
  return [...request.messages, { role: 'user', content: instructions }];
}

function describeSchema(schema: ZodType): unknown {
  // Transforms and the like have no JSON Schema; describing their input is close enough for a prompt.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}
