import { RESTEvents, type REST } from 'discord.js';
import type { Metrics } from '../metrics/metrics.ts';

// Every Discord REST response and every rate-limit wait, counted in one place. discord.js reports each response of
// every request (retries included) and each time it holds a request for a limit; only the route's kind and the
// status class are kept (metrics.ts): the path itself, with its ids and interaction tokens, goes no further.

/** `rest`: the client's, and the one the interaction webhooks of turns go through (app.ts). */
export function watchDiscordRequests(rest: REST, metrics: Pick<Metrics, 'discordResponse' | 'discordRateLimited'>): void {
  rest.on(RESTEvents.Response, (request, response) => metrics.discordResponse(request.path, response.status));
  rest.on(RESTEvents.RateLimited, (info) => metrics.discordRateLimited(info.route, info.global));
}
