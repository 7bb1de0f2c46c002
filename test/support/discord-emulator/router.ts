import type { UploadedFile } from './request-body.ts';
import type { RouteTemplate } from './route-templates.ts';

export type RouteRequest = {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  files: UploadedFile[];
  // Filled by handlers so the request log says what a request touched.
  notes: { channelId?: string; messageId?: string; interactionId?: string };
  // Kept on errors too: Discord sends rate-limit headers with a 400 or a 429 as well.
  responseHeaders: Record<string, string>;
};

// No body: 204 without a Content-Type, which discord.js needs (it JSON-parses any application/json body).
export type RouteResponse = { status: number; body?: unknown };

export type Route = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  template: RouteTemplate;
  // Interaction callbacks and interaction webhooks are called without the bot token, as discord.js does.
  authenticated: boolean;
  handle(request: RouteRequest): RouteResponse;
};

export type RouteMatch = { route: Route; params: Record<string, string> };

// Templates are tried in order, so literal routes such as /users/@me are declared before /users/:userId.
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch | null {
  const segments = path.split('/').slice(1);
  for (const route of routes) {
    if (route.method !== method) continue;
    const templateSegments = route.template.split('/').slice(1);
    if (templateSegments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = templateSegments.every((templateSegment, index) => {
      const segment = segments[index] ?? '';
      if (templateSegment.startsWith(':')) {
        params[templateSegment.slice(1)] = segment;
        return segment !== '';
      }
      return templateSegment === segment;
    });
    if (matches) return { route, params };
  }
  return null;
}

// @discordjs/rest may percent-encode segments (`@original` arrives as `%40original`).
export function decodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}
