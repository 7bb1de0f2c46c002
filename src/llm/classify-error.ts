import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { LlmError } from './errors.ts';
import { refusesJsonSchema, serverErrorDetails } from './server-refusal.ts';
import type { LlmErrorKind } from './types.ts';

const networkErrorCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Turns whatever the SDK or fetch threw into an LlmError. `abortReason` wins when our signal had fired: the SDK then
 * throws a generic abort (or a body error) that no longer says whether it was a timeout or the caller.
 */
export function classifyError(error: unknown, abortReason?: LlmError): LlmError {
  if (error instanceof LlmError) return error;
  if (abortReason !== undefined) return abortReason;
  if (error instanceof APIUserAbortError) return new LlmError('aborted', 'the request was aborted', { cause: error });
  if (error instanceof APIConnectionTimeoutError) return new LlmError('timeout', 'the LLM server did not answer in time', { cause: error });
  if (error instanceof APIConnectionError) return new LlmError('connection', describeConnectionError(error), { cause: error });
  if (error instanceof APIError) {
    const status = typeof error.status === 'number' ? error.status : undefined;
    // Older llama.cpp and Ollama's runner answer 500 to a schema they cannot use: the request's fault, so no retry.
    const kind = status !== undefined && status >= 500 && refusesJsonSchema(serverErrorDetails(error)) ? 'bad_request' : kindForStatus(status);
    return new LlmError(kind, `LLM server error: ${error.message}`, { ...(status === undefined ? {} : { status }), cause: error });
  }
  if (error instanceof SyntaxError) return new LlmError('invalid_output', `the LLM server sent an unreadable stream: ${error.message}`, { cause: error });
  // Anything else came out of fetch reading the body: undici's "terminated" when the socket closed mid-stream.
  return new LlmError('connection', describeConnectionError(error), { cause: error });
}

export function kindForStatus(status: number | undefined): LlmErrorKind {
  if (status === undefined) return 'server'; // an error event inside an otherwise successful stream
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limit';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'bad_request';
}

function describeConnectionError(error: unknown): string {
  const code = findNetworkCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code === undefined ? `connection to the LLM server failed: ${message}` : `connection to the LLM server failed (${code}): ${message}`;
}

/** Walks the cause chain: fetch wraps the socket error ("fetch failed" → SocketError → ECONNRESET). */
function findNetworkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code: unknown = 'code' in current ? current.code : undefined;
    if (typeof code === 'string' && networkErrorCodes.has(code)) return code;
    current = 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}
