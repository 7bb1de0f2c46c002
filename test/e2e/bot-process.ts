import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';

// The bot as operators run it: `node src/index.ts` (or another entry point) as a child process, configured only
// through its environment. Collects stdout (pino JSON lines) and stderr so tests can read what an operator sees.
//
// Every child's stdout and stderr are scanned for the secrets it was given (its DISCORD_TOKEN and OPENAI_API_KEY) and
// for interaction tokens, as bot-world.ts scans the in-process bot's log: after each test of a file that imports this
// module (what the test's children wrote so far), and after the file's own afterAll hooks (the rest, once they have
// stopped their children). Importing this module is enough: the hooks below belong to the importing test file.

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type LogLine = { level?: number; msg?: string; [field: string]: unknown };

export type BotProcess = {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stdout lines parsed as JSON; a line that is not JSON is kept as `{ unparsed: line }`. */
  logs(): LogLine[];
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves once `count` log lines match (all of them, oldest first): for events that happen more than once. */
  waitForLogs(predicate: (line: LogLine) => boolean, count: number, timeoutMs?: number): Promise<LogLine[]>;
};

/** Only what the bot needs, so nothing of the test runner's own environment (a DISCORD_GUILD_ID…) leaks in. */
export function baseEnvironment(): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT']) {
    const value = process.env[name];
    if (value !== undefined) environment[name] = value;
  }
  return environment;
}

/** The bot's environment in the process tests: this emulator, this fake model, this store, no retries; `extra` on top. */
export function testBotEnvironment(
  input: { discord: { token: string; apiUrl: string }; openai: { url: string }; storeUrl: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...baseEnvironment(),
    DISCORD_TOKEN: input.discord.token,
    DISCORD_API_URL: input.discord.apiUrl,
    OPENAI_BASE_URL: input.openai.url,
    OPENAI_API_KEY: 'test-key',
    STORE_URL: input.storeUrl,
    LOG_LEVEL: 'info',
    LLM_MAX_RETRIES: '0',
    ...extra,
  };
}

/** Every interaction token the emulator hands out starts with this ("interaction" in base64). */
export const INTERACTION_TOKEN_PREFIX = 'aW50ZXJhY3Rpb24';

type Scanned = {
  name: string;
  secrets: ReadonlyArray<{ what: string; value: string }>;
  output: Record<'stdout' | 'stderr', () => string>;
  /** How far each stream has been scanned: only whole lines, until the streams are closed. */
  scannedUpTo: Record<'stdout' | 'stderr', number>;
  closed: Promise<void>;
  isClosed: () => boolean;
};

/** The children spawned by the current test file (each file has its own copy of this module). */
const spawned: Scanned[] = [];

afterEach(() => {
  throwOnLeaks(spawned.flatMap((child) => leaksOf(child)));
});

afterAll(async () => {
  // The file's afterAll hooks (registered after this one, so run before it) have stopped their children: read the
  // last of what they wrote. A child still running is scanned as far as it got.
  await Promise.all(spawned.filter((child) => !child.isClosed()).map((child) => Promise.race([child.closed, delay(2000)])));
  throwOnLeaks(spawned.flatMap((child) => leaksOf(child)));
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The lines not scanned before that carry a secret; a line is scanned once it is whole (or the stream closed). */
function leaksOf(child: Scanned): string[] {
  const leaks: string[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const text = child.output[stream]();
    const end = child.isClosed() ? text.length : text.lastIndexOf('\n') + 1;
    const fresh = text.slice(child.scannedUpTo[stream], end);
    child.scannedUpTo[stream] = Math.max(child.scannedUpTo[stream], end);
    for (const line of fresh.split('\n')) {
      const found = child.secrets.filter((secret) => line.includes(secret.value)).map((secret) => secret.what);
      if (found.length > 0) leaks.push(`${child.name} ${stream} (${found.join(', ')}): ${line.slice(0, 300)}`);
    }
  }
  return leaks;
}

function throwOnLeaks(leaks: readonly string[]): void {
  if (leaks.length > 0) throw new Error(`a bot process wrote a secret:\n${leaks.join('\n')}`);
}

export function spawnNode(script: string, environment: Record<string, string>): BotProcess {
  const child = spawn(process.execPath, [script], { cwd: PROJECT_ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let closed = false;
  const secrets = [
    { what: 'the bot token', value: environment['DISCORD_TOKEN'] ?? '' },
    { what: 'the API key', value: environment['OPENAI_API_KEY'] ?? '' },
    { what: 'an interaction token', value: INTERACTION_TOKEN_PREFIX },
  ].filter((secret) => secret.value !== '');
  spawned.push({
    name: `${script} (pid ${child.pid ?? '?'})`,
    secrets,
    output: { stdout: () => stdout, stderr: () => stderr },
    scannedUpTo: { stdout: 0, stderr: 0 },
    closed: new Promise<void>((resolve) =>
      child.once('close', () => {
        closed = true;
        resolve();
      }),
    ),
    isClosed: () => closed,
  });
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
    at: Date.now(),
  }));

  const logs = (): LogLine[] =>
    stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as LogLine;
        } catch {
          return { unparsed: line };
        }
      });

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    logs,
    exited,
    async waitForLog(predicate, timeoutMs = 15_000) {
      const [found] = await waitForLogs(predicate, 1, timeoutMs);
      return found as LogLine;
    },
    waitForLogs,
  };

  function waitForLogs(predicate: (line: LogLine) => boolean, count: number, timeoutMs = 15_000): Promise<LogLine[]> {
    return new Promise<LogLine[]>((resolve, reject) => {
      const check = () => {
        const found = logs().filter(predicate);
        if (found.length < count) return;
        finish();
        resolve(found);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`not ${count} matching log line(s) within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
      }, timeoutMs);
      const onExit = () => {
        finish();
        reject(new Error(`the process exited before ${count} matching log line(s) appeared; stdout:\n${stdout}\nstderr:\n${stderr}`));
      };
      function finish() {
        clearTimeout(timer);
        listeners.delete(check);
        child.off('exit', onExit);
      }
      listeners.add(check);
      child.once('exit', onExit);
      check();
    });
  }
}

/** Ends a child that a failed test left running; a no-op once it has exited. */
export async function killIfRunning(bot: BotProcess | undefined): Promise<void> {
  if (bot === undefined || bot.child.exitCode !== null || bot.child.signalCode !== null) return;
  bot.child.kill('SIGKILL');
  await bot.exited;
}
