import { OpenAI } from 'openai';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/llm/classify-error.ts';
import { optionalFields } from '../../src/llm/request-params.ts';
import { refusedFields, refusesJsonSchema, serverErrorDetails } from '../../src/llm/server-refusal.ts';
import { reply } from '../support/fake-openai.ts';
import { useFakeOpenAi } from '../support/use-fake-openai.ts';

// Error bodies as the servers send them (from their issue trackers and source), each sent through the fake server so
// that the real SDK turns it into the error our code sees.

const fakeOpenAi = useFakeOpenAi();

async function errorFor(status: number, body: unknown): Promise<unknown> {
  fakeOpenAi.server.enqueue(reply.errorBody(status, body));
  const openai = new OpenAI({ apiKey: 'test', baseURL: fakeOpenAi.server.url, maxRetries: 0 });
  try {
    await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  } catch (error) {
    // The classified LlmError is what structured() sees; it must read the same as the SDK's own error.
    return classifyError(error);
  }
  throw new Error('expected the request to fail');
}

type Case = [server: string, status: number, body: unknown];

const fieldRefusals: Array<[...Case, string[]]> = [
  ['OpenAI, an unknown field', 400, { error: { message: 'Unrecognized request argument supplied: prompt_cache_key', type: 'invalid_request_error', param: null, code: null } }, ['prompt_cache_key']],
  [
    'OpenAI, max_tokens on a reasoning model (the message names the other field too)',
    400,
    { error: { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", type: 'invalid_request_error', param: 'max_tokens', code: 'unsupported_parameter' } },
    ['max_tokens'],
  ],
  [
    'OpenAI, temperature on a reasoning model',
    400,
    { error: { message: "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1) value is supported.", type: 'invalid_request_error', param: 'temperature', code: 'unsupported_value' } },
    ['temperature'],
  ],
  [
    'vLLM before 0.6.5 (extra="forbid"), one field',
    400,
    { object: 'error', message: "[{'type': 'extra_forbidden', 'loc': ('body', 'max_completion_tokens'), 'msg': 'Extra inputs are not permitted', 'input': 64}]", type: 'BadRequestError', param: null, code: 400 },
    ['max_completion_tokens'],
  ],
  [
    'vLLM before 0.6.5, two fields',
    400,
    {
      object: 'error',
      message:
        "[{'type': 'extra_forbidden', 'loc': ('body', 'max_completion_tokens'), 'msg': 'Extra inputs are not permitted', 'input': 500}, {'type': 'extra_forbidden', 'loc': ('body', 'prompt_cache_key'), 'msg': 'Extra inputs are not permitted', 'input': 'campaign-1'}]",
      type: 'BadRequestError',
      param: null,
      code: 400,
    },
    ['max_completion_tokens', 'prompt_cache_key'],
  ],
  [
    'vLLM behind a gateway (pydantic 2 text)',
    400,
    { error: { message: "1 validation error for ChatCompletionRequest\nprompt_cache_key\n  Extra inputs are not permitted [type=extra_forbidden, input_value='campaign-1', input_type=str]", type: 'BadRequestError', param: null, code: 400 } },
    ['prompt_cache_key'],
  ],
  [
    'vLLM, stream_options',
    400,
    { object: 'error', message: "[{'type': 'extra_forbidden', 'loc': ('body', 'stream_options'), 'msg': 'Extra inputs are not permitted', 'input': {'include_usage': True}}]", type: 'BadRequestError', param: null, code: 400 },
    ['stream_options'],
  ],
  ['NVIDIA NIM (a top-level body)', 400, { message: 'Validation: Unsupported parameter(s): prompt_cache_key', type: 'Bad Request', code: 400 }, ['prompt_cache_key']],
  [
    'Mistral (422, pydantic details as JSON)',
    422,
    { object: 'error', message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'prompt_cache_key'], msg: 'Extra inputs are not permitted', input: 'campaign-1' }] }, type: 'invalid_request_error', param: null, code: null },
    ['prompt_cache_key'],
  ],
  ['Groq', 400, { error: { message: "property 'prompt_cache_key' is unsupported", type: 'invalid_request_error' } }, ['prompt_cache_key']],
];

const jsonSchemaRefusals: Case[] = [
  ['OpenAI, a model without structured output', 400, { error: { message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", type: 'invalid_request_error', param: 'response_format', code: null } }],
  [
    'OpenAI, a schema strict mode cannot take',
    400,
    {
      error: {
        message: "Invalid schema for response_format 'player_options': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'note'.",
        type: 'invalid_request_error',
        param: 'response_format',
        code: null,
      },
    },
  ],
  ['llama.cpp before late 2024 (a 500)', 500, { error: { code: 500, message: 'response_format type must be one of "text" or "json_object", but got: json_schema', type: 'server_error' } }],
  ['llama.cpp, json_schema beside a grammar', 400, { error: { code: 400, message: 'Either "json_schema" or "grammar" can be specified, but not both', type: 'invalid_request_error' } }],
  ['vLLM, a schema xgrammar cannot compile', 400, { object: 'error', message: 'The provided JSON schema contains features not supported by xgrammar.', type: 'BadRequestError', param: null, code: 400 }],
  ['Ollama, a schema its runner cannot use (a 500)', 500, { error: { message: 'invalid JSON schema in format', type: 'api_error', param: null, code: null } }],
  ['LM Studio (a bare string)', 400, { error: "'response_format.type' must be 'json_schema' or 'text'" }],
];

const otherErrors: Case[] = [
  [
    'OpenAI, context too long',
    400,
    { error: { message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130415 tokens. Please reduce the length of the messages.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } },
  ],
  [
    'OpenAI, a token cap too large (names the field, refuses only its value)',
    400,
    { error: { message: 'max_tokens is too large: 50000. This model supports at most 16384 completion tokens, whereas you provided 50000.', type: 'invalid_request_error', param: 'max_tokens', code: 'invalid_value' } },
  ],
  [
    'vLLM, context too long',
    400,
    {
      object: 'error',
      message: "This model's maximum context length is 4096 tokens. However, you requested 4596 tokens (4096 in the messages, 500 in the completion). Please reduce the length of the messages or completion.",
      type: 'BadRequestError',
      param: null,
      code: 400,
    },
  ],
  [
    'vLLM, a token cap beyond the context (names both fields)',
    400,
    {
      error: {
        message: "'max_tokens' or 'max_completion_tokens' is too large: 500. This model's maximum context length is 4096 tokens and your request has 3900 input tokens (500 > 4096 - 3900).",
        type: 'BadRequestError',
        param: null,
        code: 400,
      },
    },
  ],
  ['vLLM, an extra field inside a message (not one of ours)', 400, { error: { message: "1 validation error for ChatCompletionRequest\nmessages.0.user.name\n  Extra inputs are not permitted [type=extra_forbidden, input_value='bob', input_type=str]", type: 'BadRequestError', param: null, code: 400 } }],
  ['llama.cpp, context too long', 400, { error: { code: 400, message: 'the request exceeds the available context size, try increasing it', type: 'exceed_context_size_error', n_prompt_tokens: 5000, n_ctx: 4096 } }],
  [
    'LM Studio, context too long',
    400,
    { error: 'Trying to keep the first 4520 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input' },
  ],
  ['Ollama, a model not pulled', 404, { error: { message: 'model "llama3.1:8b" not found, try pulling it first', type: 'api_error', param: null, code: null } }],
  ['a transient 500', 500, { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } }],
];

describe('refusedFields', () => {
  it.each(fieldRefusals)('%s', async (_server, status, body, expected) => {
    const details = serverErrorDetails(await errorFor(status, body));
    expect(refusedFields(details, optionalFields)).toEqual(expected);
    expect(refusesJsonSchema(details)).toBe(false);
  });

  it('names only fields that were sent', async () => {
    const details = serverErrorDetails(await errorFor(400, { error: { message: 'Unrecognized request argument supplied: prompt_cache_key', type: 'invalid_request_error', param: null, code: null } }));
    expect(refusedFields(details, ['max_tokens'])).toEqual([]);
  });

  it.each([...jsonSchemaRefusals, ...otherErrors])('finds no refused field in: %s', async (_server, status, body) => {
    expect(refusedFields(serverErrorDetails(await errorFor(status, body)), optionalFields)).toEqual([]);
  });
});

describe('refusesJsonSchema', () => {
  it.each(jsonSchemaRefusals)('%s', async (_server, status, body) => {
    const error = await errorFor(status, body);
    expect(refusesJsonSchema(serverErrorDetails(error))).toBe(true);
    // Retrying a server that cannot use the schema only delays the fallback.
    expect(error).toMatchObject({ kind: 'bad_request' });
  });

  it.each(otherErrors)('is false for: %s', async (_server, status, body) => {
    expect(refusesJsonSchema(serverErrorDetails(await errorFor(status, body)))).toBe(false);
  });

  it('keeps a transient 500 retryable', async () => {
    const error = await errorFor(500, { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } });
    expect(error).toMatchObject({ kind: 'server' });
  });

  it('is false for errors that never reached a server', () => {
    expect(refusesJsonSchema(serverErrorDetails(new Error('fetch failed')))).toBe(false);
  });
});
