import { Status, type Client } from 'discord.js';
import type { CampaignStore } from '../campaign/types.ts';

// What /healthz says: whether this process can play. It can while its gateway connection is up (players' messages
// and clicks reach it) and its store answers (every action is written before it is acknowledged). Either missing,
// it answers 503 with one line saying which, for a supervisor or a load balancer to act on; nothing else is checked
// (the model's health shows in the turns and LLM error metrics, and a slow model is not a reason to restart).

/** A store that takes longer than this to answer a read is as good as down to a player waiting for a turn. */
const STORE_PROBE_TIMEOUT_MS = 1000;
/** The reason stays one short line, whatever an error's message holds. */
const REASON_MAX_CHARACTERS = 200;

export type Health = { ok: true } | { ok: false; reason: string };

export function createHealthCheck(input: { client: Client; store: CampaignStore; isStopping(): boolean; storeTimeoutMs?: number }): () => Promise<Health> {
  const timeoutMs = input.storeTimeoutMs ?? STORE_PROBE_TIMEOUT_MS;
  return async () => {
    if (input.isStopping()) return { ok: false, reason: 'shutting down' };
    const gateway = gatewayProblem(input.client);
    if (gateway !== null) return { ok: false, reason: gateway };
    const store = await storeProblem(input.store, timeoutMs);
    if (store !== null) return { ok: false, reason: store };
    return { ok: true };
  };
}

function gatewayProblem(client: Client): string | null {
  const { ws } = client;
  const notReady = [...ws.shards.values()].find((shard) => shard.status !== Status.Ready);
  if (ws.status === Status.Ready && notReady === undefined) return null;
  const status = notReady?.status ?? ws.status;
  return `gateway not connected (${Status[status] ?? status})`;
}

async function storeProblem(store: CampaignStore, timeoutMs: number): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`store did not answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      store.ping().then(
        () => null,
        (error: unknown) => `store failed: ${oneLine(error instanceof Error ? error.message : String(error))}`,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > REASON_MAX_CHARACTERS ? `${line.slice(0, REASON_MAX_CHARACTERS - 1)}…` : line;
}
