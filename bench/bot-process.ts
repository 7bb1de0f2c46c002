import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// The bot as operators run it (`node --max-semi-space-size=4 src/index.ts`), in its own process, so that its memory and CPU time are its
// own and not the emulator's or the fake model's.

export type BotLogLine = { level: number; time: number; msg: string; [field: string]: unknown };

export type BotStop = { exitCode: number | null; signal: string | null; stopMs: number; killed: boolean };

export type BotProcess = {
  pid: number;
  /** Every pino line the bot wrote on stdout. */
  logs: BotLogLine[];
  /** Anything on stderr, which should stay empty. */
  stderr: string[];
  /** Rejects if the bot exits on its own; used to stop waiting for a bot that never came up. */
  unexpectedExit: Promise<never>;
  /** SIGTERM, then waits up to `limitMs` for the exit (SIGKILL after that). */
  stop(limitMs: number): Promise<BotStop>;
};

const repositoryRoot = join(import.meta.dirname, '..');

/**
 * A smaller young generation: V8's default lets it grow to tens of MB under a burst of streamed turns, which showed as
 * ~300 MB RSS at 100 channels; capped at 4 MB the peak stayed near 185 MB for a few ms more CPU per turn.
 */
const BOT_NODE_FLAGS = ['--max-semi-space-size=4'];

export function startBotProcess(environment: Record<string, string>): BotProcess {
  // A clean environment: a developer's own STREAMING or EDIT_INTERVAL_MS must not change the figures.
  // The same Node flags as `npm start` and the Dockerfile.
  const child = spawn(process.execPath, [...BOT_NODE_FLAGS, 'src/index.ts'], {
    cwd: repositoryRoot,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('the bot process did not start');
  const logs: BotLogLine[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as BotLogLine);
    } catch {
      logs.push({ level: 0, time: Date.now(), msg: line });
    }
  });
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));

  let stopping = false;
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const unexpectedExit = new Promise<never>((_resolve, reject) => {
    void exited.then(([code, signal]) => {
      if (stopping) return;
      const lastLines = logs.slice(-5).map((line) => line.msg).join(' | ');
      reject(new Error(`the bot exited on its own (code ${code}, signal ${signal}): ${lastLines} ${stderr.join(' ')}`));
    });
  });
  // Nobody may be listening when it happens; the failure is still seen by whoever awaits it.
  unexpectedExit.catch(() => undefined);

  return {
    pid: child.pid,
    logs,
    stderr,
    unexpectedExit,
    async stop(limitMs) {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) {
        return { exitCode: child.exitCode, signal: child.signalCode, stopMs: 0, killed: false };
      }
      const startedAt = performance.now();
      child.kill('SIGTERM');
      const timeout = AbortSignal.timeout(limitMs);
      const onTime = await Promise.race([exited.then(() => true), once(timeout, 'abort').then(() => false)]);
      if (!onTime) child.kill('SIGKILL');
      const [exitCode, signal] = await exited;
      return { exitCode, signal, stopMs: performance.now() - startedAt, killed: !onTime };
    },
  };
}
