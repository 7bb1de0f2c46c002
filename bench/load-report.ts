import { BUCKET_RESET_WAIT_MS, modelTiming } from './bench-settings.ts';
import { DEFAULT_LOAD_SETTINGS, FILL_CONCURRENCY, RSS_SAMPLE_INTERVAL_MS } from './load-settings.ts';
import { formatLoadTable } from './load-table.ts';
import { describeMachine } from './machine-description.ts';
import { formatBotComplaints } from './report-table.ts';
import type { LoadResult } from './run-load.ts';

/** Lines Node writes on stderr when SIGUSR1 opens its inspector (the GC at the end), not the bot's complaints. */
const INSPECTOR_LINE = /^(Debugger listening on|Debugger attached|Debugger ending on|For help, see: https:\/\/nodejs\.org)/;

export function formatLoadReport(result: LoadResult): string {
  const { settings } = result;
  const isDefault = JSON.stringify(settings) === JSON.stringify(DEFAULT_LOAD_SETTINGS);
  const { firstTokenMs, wordIntervalMs, narrativeWords, responseWords } = modelTiming;
  const complaints = formatBotComplaints([
    ...[...result.phases, result.fill].map((phase) => ({ label: phase.title, warnings: phase.warnings, stderr: [] })),
    { label: 'load', warnings: new Map(), stderr: result.stderr.filter((line) => !INSPECTOR_LINE.test(line)) },
  ]);
  return [
    `Machine: ${describeMachine()}`,
    `Sustained load${isDefault ? '' : ' (a shorter run than the default)'}: ${settings.tables} tables, campaigns opened first; turns arriving as a ` +
      `Poisson process (exponential gaps, seed ${settings.seed}) at ${settings.rates.join(', ')} turns/s for ${settings.secondsPerRate} s each, ` +
      "each a player's message at a random table not in a turn; then, after " +
      `${BUCKET_RESET_WAIT_MS / 1000} s for the buckets to reset, ${settings.burst} turns at once by message in ${settings.burst} idle tables, and ` +
      `${settings.burst} at once by a click on an option button of the last turn in ${settings.burst} others; then ` +
      `${settings.totalTables - settings.tables} more tables opened and played once, ${FILL_CONCURRENCY} at a time. One bot process ` +
      '(node --max-semi-space-size=4 src/index.ts, SQLite store) throughout; the emulator and the fake model share the bench process.',
    `Model (fake OpenAI) as in \`npm run bench\`: first token after ${firstTokenMs} ms, a word every ${wordIntervalMs} ms, narrative ` +
      `${narrativeWords} words and response ${responseWords} words streamed, options and metadata as one JSON reply. Discord (emulator): ` +
      '5 writes per 5 s per channel, 50 requests/s in all.',
    '',
    formatLoadTable(result),
    '',
    [
      "overhead to first text and final-text lag as in `npm run bench` (turn-measurements.ts); over every turn of the phase",
      "  (a turn's writes are those up to its table's next player message). Percentiles by nearest rank.",
      '429s from the emulator\'s request log over the phase, split by Discord\'s `global` flag.',
      `bot peak RSS: max of VmRSS (/proc/<pid>/status) sampled every ${RSS_SAMPLE_INTERVAL_MS} ms over the phase; CPU time per turn:`,
      '  utime + stime (/proc/<pid>/stat) over the phase, divided by the turns that ended (last column: by opening + turn, 2 a table).',
      `RSS with every table played: VmRSS once ${result.fill.tablesPlayed} tables have played a turn and every scene metadata is in, then `,
      `  after ${result.fill.gcNote}.`,
    ].join('\n'),
    ...(complaints.length > 0 ? ['', ...complaints] : []),
  ].join('\n');
}
