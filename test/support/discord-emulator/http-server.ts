import type { IncomingMessage, ServerResponse } from 'node:http';
import { DiscordHttpError, discordError, globalRateLimited } from './discord-errors.ts';
import { takeForcedFailure } from './forced-failures.ts';
import { isRecord } from './json-shapes.ts';
import { readBody } from './request-body.ts';
import type { RecordedRequest } from './request-log.ts';
import { routeTemplates } from './route-templates.ts';
import { decodePath, matchRoute, type Route, type RouteMatch, type RouteRequest } from './router.ts';
import type { EmulatorState } from './state.ts';

const apiPrefix = '/api/v10';

// Discord exempts interaction responses from the global limit: the callback and the interaction webhook keep only
// their own buckets, so a bot under load can still answer within 3 s.
const exemptFromGlobalLimit: ReadonlySet<string> = new Set([
  routeTemplates.interactionCallback,
  routeTemplates.interactionWebhook,
  routeTemplates.interactionWebhookMessage,
]);

type Outcome = { status: number; body: unknown; headers: Record<string, string> };

export function createRequestHandler(state: EmulatorState, routes: readonly Route[]) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const at = state.clock.now();
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', 'http://emulator.invalid');
    const { json, files } = await readBody(request);
    const underApi = url.pathname.startsWith(`${apiPrefix}/`);
    const path = decodePath(underApi ? url.pathname.slice(apiPrefix.length) : url.pathname);
    const routeRequest: RouteRequest = {
      method,
      path,
      params: {},
      query: url.searchParams,
      body: json,
      files,
      notes: {},
      responseHeaders: {},
    };
    const record: RecordedRequest = {
      at,
      method,
      route: null,
      path,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      body: json,
      allowedMentions: allowedMentionsOf(json),
      responseBody: undefined,
    };

    let outcome: Outcome;
    try {
      outcome = handle(state, routes, request, routeRequest, record, underApi);
    } catch (error) {
      if (error instanceof DiscordHttpError) {
        outcome = { status: error.status, body: error.body, headers: { ...routeRequest.responseHeaders, ...error.headers } };
      } else {
        record.emulatorError = error instanceof Error ? (error.stack ?? error.message) : String(error);
        outcome = { status: 500, body: { message: '500: Internal Server Error', code: 0 }, headers: {} };
      }
    }

    Object.assign(record, routeRequest.notes);
    record.status = outcome.status;
    record.responseBody = outcome.body;
    if (isRecord(outcome.body) && typeof outcome.body.code === 'number' && outcome.status >= 400) record.errorCode = outcome.body.code;
    if (outcome.status === 429 && isRecord(outcome.body) && outcome.body.global === true) record.global = true;
    // Recorded before answering, so a test that awaited the client's promise finds the request in the log.
    state.requests.push(record);
    state.changed();

    if (outcome.body === undefined) {
      response.writeHead(outcome.status, outcome.headers);
      response.end();
    } else {
      response.writeHead(outcome.status, { ...outcome.headers, 'Content-Type': 'application/json' });
      response.end(JSON.stringify(outcome.body));
    }
  };
}

function handle(
  state: EmulatorState,
  routes: readonly Route[],
  request: IncomingMessage,
  routeRequest: RouteRequest,
  record: RecordedRequest,
  underApi: boolean,
): Outcome {
  const match = underApi ? matchRoute(routes, routeRequest.method, routeRequest.path) : null;
  const botToken = request.headers.authorization === `Bot ${state.options.token}`;
  // Checked before anything else, unknown routes included: a request refused globally never reaches a route, so it
  // spends no route bucket (nor a queued failNext).
  if (botToken && !(match && exemptFromGlobalLimit.has(match.route.template))) {
    const retryAfter = state.globalLimiter.consume();
    if (retryAfter !== null) {
      if (match) noteTarget(state, routeRequest, record, match);
      throw globalRateLimited(retryAfter);
    }
  }
  if (!match) throw discordError('notFound');
  record.route = match.route.template;
  routeRequest.params = match.params;

  const forced = takeForcedFailure(state.forcedFailures, routeRequest.method, match.route.template);
  if (forced) {
    noteTarget(state, routeRequest, record, match);
    throw forced;
  }
  if (match.route.authenticated && !botToken) throw discordError('unauthorized');

  const result = match.route.handle(routeRequest);
  return { status: result.status, body: result.body, headers: routeRequest.responseHeaders };
}

// For a request refused before its handler ran: the log still says what it aimed at, as the handler would have noted.
// An interaction webhook's path names no channel: its token does.
function noteTarget(state: EmulatorState, routeRequest: RouteRequest, record: RecordedRequest, match: RouteMatch): void {
  record.route = match.route.template;
  const { channelId, messageId, interactionToken } = match.params;
  const interaction = interactionToken === undefined ? undefined : state.interactions.byToken(interactionToken);
  const target = channelId ?? interaction?.channelId;
  if (target !== undefined) routeRequest.notes.channelId = target;
  if (messageId !== undefined) routeRequest.notes.messageId = messageId === '@original' ? (interaction?.originalMessageId ?? undefined) : messageId;
}

function allowedMentionsOf(body: unknown): unknown {
  if (!isRecord(body)) return undefined;
  if ('allowed_mentions' in body) return body.allowed_mentions;
  if (isRecord(body.data) && 'allowed_mentions' in body.data) return body.data.allowed_mentions;
  return undefined;
}
