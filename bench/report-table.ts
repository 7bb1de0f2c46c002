import { mean, percentile } from './percentile.ts';
import type { BackToBackResult } from './run-back-to-back.ts';
import type { ScaleResult } from './run-scale.ts';
import { targets } from './bench-settings.ts';

// The printed result: one column per scale, one row per figure, the target beside it and a verdict in the cell. One
// table for the single-turn scenario, one for the back-to-back scenario.

/** A row's target may depend on the scales in the table (the channel counts of its columns). */
type Row<Result> = { metric: string; target: string | ((channels: readonly number[]) => string); cell: (result: Result) => string };
type Measured = { channels: number };

const milliseconds = (value: number | undefined) => (value === undefined ? '–' : `${Math.round(value)}`);
const p50 = (values: readonly number[]) => percentile(values, 0.5);
const p95 = (values: readonly number[]) => percentile(values, 0.95);
const p50p95 = (values: readonly number[]) => `${milliseconds(p50(values))} / ${milliseconds(p95(values))} ms`;
const verdict = (met: boolean) => (met ? ' ✓' : ' ✗ missed');
const megabytes = (kilobytes: number) => `${Math.round(kilobytes / 1024)} MB`;

/** Rows shared by both tables: the same figure, target and verdict over whatever turns the scenario measured. */
type TurnSample = {
  firstWriteAfterFirstChunkMs: readonly number[];
  firstWriteWords: readonly number[];
  longestTextPauseMs: readonly number[];
  finalTextLagMs: readonly number[];
};

/** A row of p50 / p95 whose target is a ceiling on the p95, the same at every scale unless given by channel count. */
const p95CeilingRow = <Result extends Measured>(
  metric: string,
  ceiling: number | { ms: (channels: number) => number; target: (channels: readonly number[]) => string },
  valuesOf: (sample: TurnSample) => readonly number[],
  figuresOf: (result: Result) => TurnSample,
): Row<Result> => ({
  metric,
  target: typeof ceiling === 'number' ? `p95 ≤ ${ceiling} ms` : ceiling.target,
  cell: (result) => {
    const values = valuesOf(figuresOf(result));
    const worst = p95(values);
    const ceilingMs = typeof ceiling === 'number' ? ceiling : ceiling.ms(result.channels);
    return `${p50p95(values)}${verdict(worst !== undefined && worst <= ceilingMs)}`;
  },
});

/** "p95 ≤ 785 ms (1 ch), ≤ 813 ms (10 ch), as before refill pacing; ≤ 1200 ms (100 ch)": one clause per basis. */
function finalTextLagTarget(channels: readonly number[]): string {
  const clauses = new Map<string, string[]>();
  for (const count of new Set(channels)) {
    const basis = targets.finalTextLagBasis(count);
    clauses.set(basis, [...(clauses.get(basis) ?? []), `≤ ${targets.finalTextLagP95Ms(count)} ms (${count} ch)`]);
  }
  return `p95 ${[...clauses].map(([basis, ceilings]) => [...ceilings, ...(basis === '' ? [] : [basis])].join(', ')).join('; ')}`;
}

const firstWriteAfterFirstTokenRow = <Result extends Measured>(figuresOf: (result: Result) => TurnSample): Row<Result> =>
  p95CeilingRow("first write after the model's first token, p50 / p95", targets.firstWriteAfterFirstTokenP95Ms, (sample) => sample.firstWriteAfterFirstChunkMs, figuresOf);

const firstWriteWordsRow = <Result>(figuresOf: (result: Result) => TurnSample): Row<Result> => ({
  metric: 'words shown by the first write, p50 / min',
  target: `min ≥ ${targets.firstWriteWordsMin}`,
  cell: (result) => {
    const values = figuresOf(result).firstWriteWords;
    if (values.length === 0) return `–${verdict(false)}`;
    const least = Math.min(...values);
    return `${p50(values)} / ${least}${verdict(least >= targets.firstWriteWordsMin)}`;
  },
});

const longestPauseRow = <Result extends Measured>(figuresOf: (result: Result) => TurnSample): Row<Result> =>
  p95CeilingRow('longest pause of the visible text, p50 / p95', targets.longestPauseP95Ms, (sample) => sample.longestTextPauseMs, figuresOf);

const finalTextLagRow = <Result extends Measured>(figuresOf: (result: Result) => TurnSample): Row<Result> =>
  p95CeilingRow(
    'final-text lag, p50 / p95',
    { ms: targets.finalTextLagP95Ms, target: finalTextLagTarget },
    (sample) => sample.finalTextLagMs,
    figuresOf,
  );

const singleTurn = (result: ScaleResult) => result.figures;

const rows: Row<ScaleResult>[] = [
  {
    metric: 'turns ended with option buttons',
    target: 'all',
    cell: ({ figures }) => `${figures.completed} / ${figures.channels}${verdict(figures.completed === figures.channels)}`,
  },
  {
    metric: 'overhead to first text, p50 / p95',
    target: 'p95 ≤ 100 ms (1 ch), ≤ 250 ms (10, 100 ch)',
    cell: ({ channels, figures }) => {
      const worst = p95(figures.overheadMs);
      return `${p50p95(figures.overheadMs)}${verdict(worst !== undefined && worst <= targets.overheadP95Ms(channels))}`;
    },
  },
  { metric: '↳ before the model: message → narrative request', target: '', cell: ({ figures }) => p50p95(figures.beforeModelMs) },
  { metric: '↳ after the model: first token due → first write', target: '', cell: ({ figures }) => p50p95(figures.afterFirstTokenMs) },
  firstWriteAfterFirstTokenRow(singleTurn),
  firstWriteWordsRow(singleTurn),
  finalTextLagRow(singleTurn),
  { metric: '↳ options call (model time), p50', target: '', cell: ({ figures }) => `${milliseconds(p50(figures.optionsCallMs))} ms` },
  { metric: '↳ options reply → final edit', target: '', cell: ({ figures }) => p50p95(figures.afterOptionsMs) },
  longestPauseRow(singleTurn),
  { metric: 'message → final edit (whole turn)', target: '', cell: ({ figures }) => p50p95(figures.turnMs) },
  {
    metric: 'writes per turn (creates + edits), mean / max',
    target: '',
    cell: ({ figures }) => {
      const typing = (mean(figures.typingPerTurn) ?? 0).toFixed(1);
      return `${(mean(figures.writesPerTurn) ?? 0).toFixed(1)} / ${Math.max(0, ...figures.writesPerTurn)} (+ ${typing} typing)`;
    },
  },
  {
    metric: 'requests: typing / create / text edit / buttons-only edit',
    target: '',
    cell: ({ figures: { requestsByKind: kinds } }) => `${kinds.typing} / ${kinds.create} / ${kinds.textEdit} / ${kinds.buttonsOnlyEdit}`,
  },
  {
    metric: 'requests/s to Discord: peak, seconds at ≥ 50',
    target: '',
    cell: ({ figures: { requestsPerSecond: counts } }) => `${Math.max(0, ...counts)}/s, ${counts.filter((count) => count >= 50).length} s`,
  },
  {
    metric: '429s / 400s',
    target: 'none',
    cell: ({ figures }) => `${figures.status429} / ${figures.status400}${verdict(figures.status429 === 0 && figures.status400 === 0)}`,
  },
  {
    metric: 'discord.js rateLimited: global / route, longest wait',
    target: '',
    cell: ({ rateLimits }) => `${rateLimits.global} / ${rateLimits.route}, ${rateLimits.longestWaitMs} ms`,
  },
  {
    metric: 'bot RSS: connected → peak (VmHWM)',
    target: `peak < ${targets.peakRssMb} MB (100 ch)`,
    cell: ({ usageAtStart, usageAfter }) =>
      `${megabytes(usageAtStart.rssKb)} → ${megabytes(usageAfter.peakRssKb)}${verdict(usageAfter.peakRssKb / 1024 < targets.peakRssMb)}`,
  },
  {
    metric: 'bot CPU time per turn',
    target: '',
    cell: ({ channels, usageBefore, usageAfter }) => `${milliseconds((usageAfter.cpuMs - usageBefore.cpuMs) / channels)} ms`,
  },
  {
    metric: 'SIGTERM → exit',
    target: 'exit 0 within 10 s',
    cell: ({ stop }) => {
      const outcome = stop.killed ? 'killed' : `exit ${stop.exitCode ?? stop.signal}`;
      return `${outcome} in ${milliseconds(stop.stopMs)} ms${verdict(!stop.killed && stop.exitCode === 0 && stop.stopMs <= 10_000)}`;
    },
  },
  {
    metric: 'bench process timer delay, p99 / max',
    target: '',
    cell: ({ benchLoopDelayMs }) => `${milliseconds(benchLoopDelayMs.p99)} / ${milliseconds(benchLoopDelayMs.max)} ms`,
  },
];

const backToBackTurns = (result: BackToBackResult) => result.figures;

const backToBackRows: Row<BackToBackResult>[] = [
  {
    metric: 'turns ended with option buttons',
    target: 'all',
    cell: ({ figures }) => `${figures.completed} / ${figures.turns}${verdict(figures.completed === figures.turns)}`,
  },
  {
    metric: "player's message after the previous final edit, min / max",
    target: '',
    cell: ({ figures: { afterPreviousFinalEditMs: values } }) =>
      values.length === 0 ? '–' : `${milliseconds(Math.min(...values))} / ${milliseconds(Math.max(...values))} ms`,
  },
  { metric: 'overhead to first text, p50 / p95', target: '', cell: ({ figures }) => p50p95(figures.overheadMs) },
  firstWriteAfterFirstTokenRow(backToBackTurns),
  firstWriteWordsRow(backToBackTurns),
  longestPauseRow(backToBackTurns),
  finalTextLagRow(backToBackTurns),
  {
    metric: '429s / 400s',
    target: 'none',
    cell: ({ figures }) => `${figures.status429} / ${figures.status400}${verdict(figures.status429 === 0 && figures.status400 === 0)}`,
  },
  {
    metric: 'discord.js rateLimited: global / route, longest wait',
    target: '',
    cell: ({ rateLimits }) => `${rateLimits.global} / ${rateLimits.route}, ${rateLimits.longestWaitMs} ms`,
  },
];

function renderTable<Result extends Measured>(rowsToShow: readonly Row<Result>[], columns: readonly { title: string; result: Result }[]): string {
  const header = ['metric', 'target', ...columns.map((column) => column.title)];
  const scales = columns.map((column) => column.result.channels);
  const targetOf = (row: Row<Result>) => (typeof row.target === 'string' ? row.target : row.target(scales));
  const body = rowsToShow.map((row) => [row.metric, targetOf(row), ...columns.map((column) => row.cell(column.result))]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]?.length ?? 0)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

export function formatTable(results: readonly ScaleResult[]): string {
  return renderTable(rows, results.map((result) => ({ title: `${result.channels} ch`, result })));
}

/** The back-to-back scenario: one column per scale, every figure over all turns of all channels. */
export function formatBackToBackTable(results: readonly BackToBackResult[]): string {
  return renderTable(backToBackRows, results.map((result) => ({ title: `back-to-back, ${result.channels} ch`, result })));
}

type Complaints = { label: string; warnings: ReadonlyMap<string, number>; stderr: readonly string[] };

/** Anything the bot logged at warn or worse during the measured turns, and anything on its stderr. */
export function formatBotComplaints(results: readonly Complaints[]): string[] {
  return results.flatMap((result) => [
    ...[...result.warnings].map(([message, count]) => `${result.label}: bot logged "${message}" ×${count}`),
    ...result.stderr.map((line) => `${result.label}: bot stderr: ${line}`),
  ]);
}
