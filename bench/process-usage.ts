import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

// What Linux says about one process: its peak and current resident memory, and the CPU time it has used.

export type ProcessUsage = { peakRssKb: number; rssKb: number; cpuMs: number };

/** Clock ticks per second of utime/stime; 100 nearly everywhere, but asked rather than assumed. */
function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

const ticksPerSecond = clockTicksPerSecond();

function statusField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  if (match?.[1] === undefined) throw new Error(`no ${name} in /proc status`);
  return Number(match[1]);
}

export async function readProcessUsage(pid: number): Promise<ProcessUsage> {
  const [status, stat] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')]);
  // The command name in parentheses may contain spaces; the numeric fields start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5), counted from 1; here the list starts at field 3 (state).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { peakRssKb: statusField(status, 'VmHWM'), rssKb: statusField(status, 'VmRSS'), cpuMs: (ticks * 1000) / ticksPerSecond };
}
