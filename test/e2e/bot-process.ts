import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

// The bot as operators run it: `node src/index.ts` (or another entry point) as a child process, configured only
// through its environment. Collects stdout (pino JSON lines) and stderr so tests can read what an operator sees.

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

export function spawnNode(script: string, environment: Record<string, string>): BotProcess {
  const child = spawn(process.execPath, [script], { cwd: PROJECT_ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
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
