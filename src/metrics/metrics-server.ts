import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { Health } from './health.ts';

// The metrics port: GET /metrics (Prometheus text format) and GET /healthz (200 "ok", or 503 and one line saying
// why). Anything else is 404. It serves only what the registry and the health check say, never the store's contents,
// so it needs no authentication; bind it where only the scraper reaches it all the same. Closed when the bot stops.

export type MetricsServer = {
  /** The bound port (the configured one, or the one the system picked for port 0). */
  port: number;
  close(): Promise<void>;
};

export async function startMetricsServer(input: { port: number; registry: Registry; health: () => Promise<Health>; logger: Logger }): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    if (path === '/metrics') {
      input.registry.metrics().then(
        (text) => send(response, 200, input.registry.contentType, text),
        (error: unknown) => {
          input.logger.warn({ err: error }, 'could not collect the metrics');
          send(response, 500, 'text/plain; charset=utf-8', 'could not collect the metrics\n');
        },
      );
      return;
    }
    if (path === '/healthz') {
      input.health().then(
        (health) => send(response, health.ok ? 200 : 503, 'text/plain; charset=utf-8', health.ok ? 'ok\n' : `${health.reason}\n`),
        (error: unknown) => send(response, 503, 'text/plain; charset=utf-8', `health check failed: ${error instanceof Error ? error.message : String(error)}\n`.replace(/\n(?!$)/g, ' ')),
      );
      return;
    }
    send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
  });
  // A scraper keeps its connection open between scrapes; that must not hold the process at shutdown.
  server.keepAliveTimeout = 5000;
  server.listen(input.port);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  input.logger.info({ port }, 'metrics and health on /metrics and /healthz');
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}
