import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

// A real redis-server (Debian package `redis-server`) on a free loopback port, with persistence off, so the
// store is tested against the same server it meets in production and nothing is left on disk. With `dataDirectory`,
// it keeps an append-only file there (fsync always), so a test can stop it and start it again without losing data,
// as a production redis with persistence on would.

export type RedisServer = {
  url: string;
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop()): what clients see as the server coming back. */
  start(): Promise<void>;
};

export type RedisServerOptions = { dataDirectory?: string };

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  // The free port is found by binding port 0 and releasing it; another process may take it in between, so retry.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await findFreePort();
    try {
      let running = await startOnPort(port, options);
      return {
        url: running.url,
        stop: () => running.stop(),
        start: async () => {
          running = await startOnPort(port, options);
        },
      };
    } catch (error) {
      if (error instanceof RedisServerMissingError) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

class RedisServerMissingError extends Error {
  override readonly name = 'RedisServerMissingError';
}

async function startOnPort(port: number, options: RedisServerOptions): Promise<{ url: string; stop(): Promise<void> }> {
  const persistence =
    options.dataDirectory === undefined
      ? ['--save', '', '--appendonly', 'no']
      : ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.dataDirectory];
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...persistence, '--loglevel', 'warning'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new RedisServerMissingError(
              'redis-server is not installed (or not on PATH). Install it: `apt-get install -y redis-server` ' +
                '(Debian/Ubuntu; CI installs it) or `brew install redis` (macOS).',
            )
          : error,
      );
    });
  });
  await spawned;

  const url = `redis://127.0.0.1:${port}`;
  const stop = () => stopProcess(child);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited before it was ready (port ${port}): ${output.trim()}`);
    }
    if (await answersPing(port)) return { url, stop };
    await sleep(50);
  }
  await stop();
  throw new Error(`redis-server did not answer on port ${port} within ${READY_TIMEOUT_MS} ms: ${output.trim()}`);
}

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the free port'));
      });
    });
  });
}

/** True once the server answers PING: it then accepts connections and commands. */
async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ready: boolean) => {
      socket.destroy();
      resolve(ready);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
