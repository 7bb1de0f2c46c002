import { loadTargets } from './load-settings.ts';
import { percentile } from './percentile.ts';
import type { FillResult, LoadPhase, LoadResult } from './run-load.ts';

// The sustained-load figures: one column per phase (each rate, each burst, the tables brought to the total), one row
// per figure, the target beside it and a verdict in the cells it is judged on.

const ms = (value: number | undefined) => (value === undefined ? '–' : `${Math.round(value)}`);
const verdict = (met: boolean) => (met ? ' ✓' : ' ✗ missed');
const megabytes = (kilobytes: number) => `${Math.round(kilobytes / 1024)} MB`;

type Column = { title: string; phase: LoadPhase; fill?: FillResult; judgedOverhead: boolean; judgedClick: boolean };
type Row = { metric: string; target: string; cell: (column: Column) => string };

const rows: Row[] = [
  {
    metric: 'turns ended with option buttons',
    target: 'all',
    cell: ({ phase }) => `${phase.completed} / ${phase.turns}${verdict(phase.completed === phase.turns)}`,
  },
  {
    metric: 'overhead to first text, p50 / p95 / p99 (bursts: p50 / p95 / last)',
    target: `p95 ≤ ${loadTargets.overheadP95Ms} ms at the top rate; clicks p95 ≤ ${loadTargets.clickBurstFirstTextP95Ms} ms`,
    cell: ({ phase, judgedOverhead, judgedClick }) => {
      const values = phase.overheadMs;
      if (phase.kind === 'fill' || values.length === 0) return '–';
      const third = phase.kind === 'burst' ? Math.max(...values) : percentile(values, 0.99);
      const p95 = percentile(values, 0.95) ?? Infinity;
      const judged = judgedOverhead ? verdict(p95 <= loadTargets.overheadP95Ms) : judgedClick ? verdict(p95 <= loadTargets.clickBurstFirstTextP95Ms) : '';
      return `${ms(percentile(values, 0.5))} / ${ms(p95)} / ${ms(third)} ms${judged}`;
    },
  },
  {
    metric: '↳ turns at a table idle ≥ 5.25 s (channel budget whole): n, p50 / p95',
    target: '',
    cell: ({ phase }) => {
      const values = phase.overheadBucketFreeMs;
      if (values === undefined || values.length === 0) return '';
      return `${values.length}: ${ms(percentile(values, 0.5))} / ${ms(percentile(values, 0.95))} ms`;
    },
  },
  {
    metric: 'final-text lag, p50 / p95',
    target: '',
    cell: ({ phase }) =>
      phase.finalTextLagMs.length === 0 ? '–' : `${ms(percentile(phase.finalTextLagMs, 0.5))} / ${ms(percentile(phase.finalTextLagMs, 0.95))} ms`,
  },
  {
    metric: '429s: global / route',
    target: 'none',
    cell: ({ phase }) => `${phase.status429.global} / ${phase.status429.route}${verdict(phase.status429.global + phase.status429.route === 0)}`,
  },
  {
    metric: 'discord.js rateLimited: global / route, longest wait',
    target: '',
    cell: ({ phase }) => `${phase.rateLimits.global} / ${phase.rateLimits.route}, ${phase.rateLimits.longestWaitMs} ms`,
  },
  {
    metric: 'requests/s under the global limit (not interactions): mean / peak',
    target: '',
    cell: ({ phase }) => `${phase.requestsPerSecond.mean.toFixed(1)} / ${phase.requestsPerSecond.peak}`,
  },
  { metric: 'bot peak RSS (sampled every 250 ms)', target: '', cell: ({ phase }) => megabytes(phase.peakRssKb) },
  {
    metric: 'bot RSS with every table played, before → after a full GC',
    target: `< ${loadTargets.rssAfterFillMb} MB at 1000 tables`,
    cell: ({ fill }) => {
      if (fill === undefined) return '';
      if (fill.rssAfterGcKb === undefined) return `${megabytes(fill.rssBeforeGcKb)} (no GC)${verdict(fill.rssBeforeGcKb / 1024 < loadTargets.rssAfterFillMb)}`;
      return `${megabytes(fill.rssBeforeGcKb)} → ${megabytes(fill.rssAfterGcKb)}${verdict(fill.rssAfterGcKb / 1024 < loadTargets.rssAfterFillMb)}`;
    },
  },
  { metric: 'bot CPU time per turn', target: '', cell: ({ phase }) => `${ms(phase.cpuMsPerTurn)} ms` },
  { metric: 'arrivals that found no idle table', target: '', cell: ({ phase }) => (phase.kind === 'rate' ? `${phase.noIdleTable}` : '') },
  {
    metric: 'bench process timer delay, p99 / max',
    target: '',
    cell: ({ phase }) => `${ms(phase.benchLoopDelayMs.p99)} / ${ms(phase.benchLoopDelayMs.max)} ms`,
  },
  { metric: 'phase length (first turn → last metadata)', target: '', cell: ({ phase }) => `${phase.seconds.toFixed(0)} s` },
];

export function formatLoadTable(result: LoadResult): string {
  const rates = result.phases.filter((phase) => phase.kind === 'rate');
  const topRate = rates.at(-1);
  const clickBurst = result.phases.filter((phase) => phase.kind === 'burst').at(-1);
  const columns: Column[] = [
    ...result.phases.map((phase) => ({ title: phase.title, phase, judgedOverhead: phase === topRate, judgedClick: phase === clickBurst })),
    { title: result.fill.title, phase: result.fill, fill: result.fill, judgedOverhead: false, judgedClick: false },
  ];
  const header = ['metric', 'target', ...columns.map((column) => column.title)];
  const body = rows.map((row) => [row.metric, row.target, ...columns.map((column) => row.cell(column))]);
  const widths = header.map((title, index) => Math.max(title.length, ...body.map((cells) => cells[index]?.length ?? 0)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
