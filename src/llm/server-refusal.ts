import { APIError } from 'openai';
import { LlmError } from './errors.ts';

// What an OpenAI-compatible server's error says it refused. Each server words it its own way and few fill in `param`
// (OpenAI: "Unrecognized request argument supplied: X"; vLLM before 0.6.5 and Mistral: pydantic's extra_forbidden
// with loc ('body', 'X'); NVIDIA NIM: "Unsupported parameter(s): X"; Groq: "property 'X' is unsupported";
// llama.cpp: "response_format type must be one of ..."), so the message is read too. A field counts as refused only
// when a refusal phrase names it: a context-length error that quotes `max_tokens` ("'max_tokens' is too large") is not
// a refusal of the field, and must not cost us the token cap.

/** The parts of an HTTP error that say what went wrong; undefined for errors that never reached a server. */
export type ServerErrorDetails = {
  status: number;
  /** The SDK's message and the error body, as one text to search. */
  text: string;
  param: string | undefined;
  code: string | undefined;
};

export function serverErrorDetails(error: unknown): ServerErrorDetails | undefined {
  const cause = error instanceof LlmError ? error.cause : error;
  if (!(cause instanceof APIError) || typeof cause.status !== 'number') return undefined;
  // The SDK keeps the body's `error` member (or the whole body when it has none, as vLLM's and NIM's).
  const body: unknown = cause.error;
  const bodyText = body === undefined || body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return {
    status: cause.status,
    text: `${cause.message}\n${bodyText}`,
    param: typeof cause.param === 'string' ? cause.param : undefined,
    code: typeof cause.code === 'string' ? cause.code : undefined,
  };
}

// Statuses a server answers a request it will not take with: 422 from FastAPI-based servers (Mistral, llama-cpp-python).
const requestRefusedStatuses = new Set([400, 422]);

const refusalPhrase = /unrecogni[sz]ed|unknown|unsupported|not supported|unexpected|not permitted|not allowed|extra_forbidden|extra inputs/i;

// A field name right after a refusal ("Unrecognized request argument supplied: X", "Unsupported parameter(s): X",
// "unknown field `X`"), right before one ("'X' is not supported", "property 'X' is unsupported"), or in a pydantic
// extra_forbidden entry at the top of the body (loc ('body', 'X') or ["body","X"]; deeper locs are inside messages).
const fieldPatterns = [
  /(?:unrecogni[sz]ed|unknown|unsupported|unexpected|extra)\s+(?:request\s+)?(?:argument|parameter|field|propert(?:y|ies)|key|input)s?(?:\(s\))?(?:\s+supplied)?\s*[:=]?\s*['"`]?([a-z_][\w.]*)/gi,
  /['"`]([a-z_][\w.]*)['"`]\s+(?:is\s+)?(?:not supported|unsupported|not permitted|not allowed|unrecogni[sz]ed|unknown)/gi,
  /extra_forbidden[^}\]]*?loc['"]?:\s*[([]\s*['"]body['"],\s*['"]([a-z_]\w*)['"]\s*[)\]]/gi,
  /loc['"]?:\s*[([]\s*['"]body['"],\s*['"]([a-z_]\w*)['"]\s*[)\]][^}\]]*?(?:extra_forbidden|extra inputs)/gi,
  // pydantic 2's text form: "1 validation error for ChatCompletionRequest\nX\n  Extra inputs are not permitted"
  /(?:^|\n)([a-z_]\w*)\n\s+Extra inputs are not permitted/gi,
];

/**
 * The fields among `sent` that the server refused by this error, in the order it names them; empty when the error is
 * about something else (a context too long, a bad value, an unknown model).
 */
export function refusedFields(details: ServerErrorDetails | undefined, sent: readonly string[]): string[] {
  if (details === undefined || !requestRefusedStatuses.has(details.status)) return [];
  const named: string[] = [];
  const refusedByCode = details.code === 'unsupported_parameter' || details.code === 'unknown_parameter';
  if (details.param !== undefined && (refusedByCode || refusalPhrase.test(details.text))) named.push(details.param);
  for (const pattern of fieldPatterns) {
    for (const match of details.text.matchAll(pattern)) if (match[1] !== undefined) named.push(match[1]);
  }
  // "stream_options.include_usage" refuses stream_options: the field we can leave out.
  const fields = named.map((name) => name.replace(/^body\./, '').split('.')[0] ?? name);
  return [...new Set(fields)].filter((field) => sent.includes(field));
}

const mentionsStructuredOutput = /response_format|json[_ ]schema|structured[_ ]outputs?|guided[_ ](?:decoding|json)|xgrammar/i;

/**
 * True when the server said it cannot give this model JSON-schema structured output (or cannot use our schema): the
 * error names response_format, json_schema or structured output. Any other refusal, a context-length error or an
 * unknown field among them, is not about the schema, and asking for JSON in the prompt instead would not cure it.
 * llama.cpp (before late 2024) and Ollama's runner answer 500 to a schema they cannot use; such a 500 counts too.
 */
export function refusesJsonSchema(details: ServerErrorDetails | undefined): boolean {
  if (details === undefined) return false;
  if (!requestRefusedStatuses.has(details.status) && details.status < 500) return false;
  if (details.param !== undefined && /^response_format\b/.test(details.param)) return true;
  return mentionsStructuredOutput.test(details.text);
}
