import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import KeyvRedis, { createClient, defaultReconnectStrategy } from '@keyv/redis';
import { Keyv } from 'keyv';
import type { Logger } from '../logger.ts';
import { SqliteKeyvAdapter } from './sqlite-keyv-adapter.ts';

/** Long enough for a redis that is still starting beside us (compose, systemd); short enough to fail visibly. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A redis command that has no answer by then fails (StoreUnreachableError upstream): a player hears that the DM's
 * memory is unreachable within seconds instead of waiting for a server that hangs. Redis answers in milliseconds.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/** Shutdown has a budget (SIGTERM: exit within 10 s); a store that cannot flush in time is abandoned. */
const CLOSE_TIMEOUT_MS = 2_000;

export type StoreConnection = {
  keyv: Keyv<unknown>;
  /** The URL without credentials, for log lines and error messages. */
  description: string;
  close(): Promise<void>;
};

/**
 * Opens the Keyv backend named by STORE_URL (`sqlite://PATH` or `redis[s]://HOST:PORT`) and checks that it answers.
 * Keys are used exactly as given (no Keyv namespace): they are already namespaced by store-keys.ts, and the same
 * key then reads the same in SQLite and in redis-cli.
 */
export async function createKeyv(options: { url: string; logger: Logger }): Promise<StoreConnection> {
  const { url, logger } = options;
  const description = describeStoreUrl(url);
  const opened = url.startsWith('sqlite://') ? await openSqlite(url, description) : openRedis(url);

  const keyv = new Keyv<unknown>({
    store: opened.adapter,
    namespace: undefined,
    useKeyPrefix: false,
    // By default Keyv turns a failed read into `undefined`: a read-modify-write would then overwrite the real value
    // with a fresh one. Failures must reach the caller instead.
    throwOnErrors: true,
    serialize: JSON.stringify,
    // Keyv's types make the value generic; it is checked by zod on every read (keyv-campaign-store.ts).
    deserialize: <Value>(text: string) => parseStoredText(text, logger) as { value: Value; expires?: number } | undefined,
  });
  // Keyv re-emits every adapter error (redis reconnect attempts included); unheard they would be lost, and on
  // the adapters' Node emitters an unheard 'error' would crash the process.
  let lastError: unknown;
  keyv.on('error', (error: unknown) => {
    // @keyv/redis subscribes to its client's events twice (constructor and first connect): one failure, one line.
    if (error === lastError) return;
    lastError = error;
    logger.warn({ err: error, store: description }, 'store error');
  });

  const connection: StoreConnection = {
    keyv,
    description,
    close: async () => {
      try {
        await withinTime(opened.close(), CLOSE_TIMEOUT_MS, `closing the store at ${description} timed out`);
      } catch (error) {
        logger.warn({ err: error, store: description }, 'store did not close cleanly');
      }
    },
  };

  try {
    // Any read connects (both adapters connect lazily) and, for SQLite, creates the table.
    await withinTime(keyv.get('dm:connection-check'), CONNECT_TIMEOUT_MS, `no answer within ${CONNECT_TIMEOUT_MS} ms`);
  } catch (error) {
    await connection.close();
    // A redis that refuses connections only times out here; the refusal itself went through the error event.
    const reasons = [error, ...(lastError !== undefined && lastError !== error ? [lastError] : [])];
    throw new Error(`cannot open the store at ${description}: ${reasons.map(describeReason).join('; last error: ')}`, {
      cause: error,
    });
  }
  return connection;
}

type OpenedAdapter = { adapter: SqliteKeyvAdapter | KeyvRedis<unknown>; close(): Promise<void> };

async function openSqlite(url: string, description: string): Promise<OpenedAdapter> {
  const location = url.slice('sqlite://'.length);
  const inMemory = location === ':memory:';
  const path = inMemory ? location : resolve(location);
  try {
    // SQLite creates the file but not its folder, and the default (data/dm.sqlite) must work on a fresh checkout.
    if (!inMemory) await mkdir(dirname(path), { recursive: true });
    // Opened at once (synchronously): a file that cannot be opened fails here, in the same words as a redis that
    // does not answer.
    const adapter = new SqliteKeyvAdapter(path);
    return { adapter, close: () => adapter.disconnect() };
  } catch (error) {
    throw new Error(`cannot open the store at ${description}: ${describeReason(error)}`, { cause: error });
  }
}

function openRedis(url: string): OpenedAdapter {
  // Our own client (the adapter's default, built the same way) so that close() can see whether it is connected.
  // While the connection is down, commands fail at once instead of queueing (disableOfflineQueue): a write queued
  // offline would land after reconnecting, possibly after a newer write of the same key that was made since. The
  // client reconnects by itself (the default strategy: growing waits, no limit), so the bot recovers when redis returns.
  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: REDIS_COMMAND_TIMEOUT_MS },
    socket: { reconnectStrategy: defaultReconnectStrategy },
  });
  const adapter = new KeyvRedis<unknown>(client, { throwOnErrors: true, throwOnConnectError: true });
  return {
    adapter,
    close: async () => {
      // A graceful close waits for every queued command, which never happens while redis is unreachable (the
      // client keeps retrying): then the connection is destroyed and its queue dropped instead.
      await adapter.disconnect(!client.isReady);
    },
  };
}

/** Keyv's own deserializer throws on text that is not JSON; a damaged value must read as absent instead. */
function parseStoredText(text: string, logger: Logger): { value: unknown; expires?: number } | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'value' in parsed) {
      const expires = 'expires' in parsed && typeof parsed.expires === 'number' ? parsed.expires : undefined;
      return { value: parsed.value, expires };
    }
  } catch {
    // fall through: logged below
  }
  logger.warn({ length: text.length }, 'store value is not a Keyv JSON record; treated as absent');
  return undefined;
}

function describeReason(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

export function describeStoreUrl(url: string): string {
  if (url.startsWith('sqlite://')) return url;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'an unparsable store URL';
  }
}

async function withinTime<T>(promise: Promise<T>, milliseconds: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), milliseconds);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
