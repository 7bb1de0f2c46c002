import { mean, percentile } from './percentile.ts';
import { MEMORY_WINDOW, shareOf, type LaterPhase, type MemoryResult, type PrefixSample } from './run-memory.ts';

// The long-campaign figures against their targets, one row each; then the shared prefix broken down by phase, by
// turns played and by where the turn falls in the fold cycle, since a mean alone hides which prompts fall short.

const SHARE_TARGET = 0.9;
const percent = (share: number | undefined) => (share === undefined ? '–' : `${(share * 100).toFixed(1)} %`);
const verdict = (met: boolean) => (met ? ' ✓' : ' ✗ missed');
const PHASES: readonly LaterPhase[] = ['response', 'options', 'metadata'];
/** Ranges of turns played, matching the turns at which the prompt size is reported. */
const TURN_RANGES: readonly [number, number][] = [
  [1, 9],
  [10, 29],
  [30, 99],
  [100, 300],
];

function renderTable(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const line = (row: readonly string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const [header, ...body] = rows;
  return [line(header ?? []), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

const below = (samples: readonly PrefixSample[]) => samples.filter((sample) => shareOf(sample) < SHARE_TARGET).length;

/** "mean / min % (below 90 % of all)" over some prompts, or a dash when there are none. */
function shareCell(samples: readonly PrefixSample[]): string {
  if (samples.length === 0) return '–';
  const shares = samples.map(shareOf);
  const points = (share: number | undefined) => (share === undefined ? '–' : (share * 100).toFixed(1));
  return `${points(mean(shares))} / ${points(Math.min(...shares))} % (${below(samples)} of ${samples.length})`;
}

export function formatMemoryTable(result: MemoryResult): string {
  const at = (turn: number) => result.promptTokensAt.get(turn);
  const tokens = (turn: number) => (at(turn) === undefined ? '–' : `${at(turn)} tokens`);
  const at30 = at(30);
  const at300 = at(300);
  const growth = at30 === undefined || at300 === undefined ? undefined : at300 / at30;
  const sizes = result.folds.map((fold) => fold.length).sort((left, right) => left - right);
  const median = sizes[Math.floor(sizes.length / 2)] ?? 0;
  const folding = result.folding;
  const foldingMet =
    folding.delivered === folding.played &&
    folding.foldedOnce + folding.waitingForNextFold === folding.outsideWindow &&
    folding.foldedTwiceOrMore === 0 &&
    folding.neverFolded === 0 &&
    folding.foldedWrongly === 0;
  const mayWait = MEMORY_WINDOW.foldWhenUnsummarised - MEMORY_WINDOW.verbatim - 1;
  const samples = result.prefixSamples;
  const shares = samples.map(shareOf);
  const meanShare = mean(shares);
  const rows = [
    ['figure', 'target', `${result.turns} turns`],
    ['prompt size at turn 10 / 30 / 100 / 300 (phase 1, chars / 4)', '', [10, 30, 100, 300].map(tokens).join(' / ')],
    ['prompt size at turn 300 ÷ at turn 30', '≤ 1.2×', growth === undefined ? '–' : `${growth.toFixed(2)}×${verdict(growth <= 1.2)}`],
    ['folds; turns per fold (min / median / max)', '', `${result.folds.length}; ${sizes[0] ?? 0} / ${median} / ${sizes.at(-1) ?? 0}`],
    [
      `delivered turns outside the verbatim window (all but the last ${MEMORY_WINDOW.verbatim}), folded exactly once`,
      `all, but ≤ ${mayWait} waiting for the next fold`,
      `${folding.foldedOnce} of ${folding.outsideWindow}, ${folding.waitingForNextFold} waiting; ${folding.foldedTwiceOrMore} twice, ` +
        `${folding.neverFolded} never, ${folding.foldedWrongly} that should not be; ${folding.delivered} of ${folding.played} turns delivered${verdict(foldingMet)}`,
    ],
    [
      `phases 2-4: share of the prompt that is phase 1's prefix, mean over ${samples.length} prompts`,
      '≥ 90 % (the mean)',
      `${percent(meanShare)}${verdict(meanShare !== undefined && meanShare >= SHARE_TARGET)}`,
    ],
    [
      '↳ each prompt: min / p5 / median; prompts below 90 %',
      '≥ 90 % (every prompt)',
      `${percent(Math.min(...shares))} / ${percent(percentile(shares, 0.05))} / ${percent(percentile(shares, 0.5))}; ` +
        `${below(samples)} of ${samples.length}${verdict(samples.length > 0 && below(samples) === 0)}`,
    ],
  ];

  // The breakdown: one column per phase; one row per range of turns played, then, once the summary exists, by how
  // many recent turns the prompt quotes: a fold leaves the fewest, so the prefix is shortest right after it.
  const foldCycle = [...new Set(samples.filter((sample) => sample.summary).map((sample) => sample.recentTurns))].sort((left, right) => left - right);
  const ranges = TURN_RANGES.filter(([first]) => first <= result.turns).map(([first, last]) => [first, Math.min(last, result.turns)] as const);
  const columns: readonly (readonly PrefixSample[])[] = [...PHASES.map((phase) => samples.filter((sample) => sample.phase === phase)), samples];
  const averageChars = (chosen: readonly PrefixSample[], of: (sample: PrefixSample) => number) =>
    chosen.length === 0 ? '–' : `${Math.round(mean(chosen.map(of)) ?? 0)}`;
  const breakdownRow = (label: string, chosen: (sample: PrefixSample) => boolean) => [
    label,
    averageChars(samples.filter(chosen), (sample) => sample.sharedChars),
    ...columns.map((column) => shareCell(column.filter(chosen))),
  ];
  const breakdown = [
    ["share of phase 1's prefix: mean / min (prompts < 90 %)", 'prefix, mean chars', ...PHASES, 'all three'],
    ["the phase's own text after the prefix, mean chars", '', ...columns.map((column) => averageChars(column, (sample) => sample.ownChars))],
    ...ranges.map(([first, last]) => breakdownRow(`turns ${first}-${last}`, (sample) => sample.turn >= first && sample.turn <= last)),
    ...foldCycle.map((count) => {
      const since = count - MEMORY_WINDOW.verbatim;
      const when = since === 0 ? 'just after a fold' : `${since} turn${since === 1 ? '' : 's'} after a fold`;
      return breakdownRow(`${count} recent turns in the prompt (${when})`, (sample) => sample.summary && sample.recentTurns === count);
    }),
  ];

  return [
    renderTable(rows),
    '',
    renderTable(breakdown),
    '',
    `Verbatim window: the last ${MEMORY_WINDOW.verbatim} turns; a fold runs once ${MEMORY_WINDOW.foldWhenUnsummarised} turns are outside the summary, ` +
      `so a prompt quotes ${MEMORY_WINDOW.verbatim} to ${MEMORY_WINDOW.foldWhenUnsummarised - 1} recent turns. ${result.seconds.toFixed(0)} s.`,
  ].join('\n');
}
