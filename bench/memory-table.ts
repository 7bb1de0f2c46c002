import { MEMORY_WINDOW, type MemoryResult } from './run-memory.ts';

// The long-campaign figures against their targets, one row each.

const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
const verdict = (met: boolean) => (met ? ' ✓' : ' ✗ missed');

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
  const rows: [string, string, string][] = [
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
      `phases 2-4: share of the prompt that is phase 1's prefix (min / mean over ${result.sharedPrefix.samples})`,
      '≥ 90 %',
      `${percent(result.sharedPrefix.min)} / ${percent(result.sharedPrefix.mean)}${verdict(result.sharedPrefix.mean >= 0.9)}`,
    ],
    [
      'the same from turn 10, mean by phase: response / options / metadata',
      '',
      [result.sharedPrefix.byPhaseFromTurn10.response, result.sharedPrefix.byPhaseFromTurn10.options, result.sharedPrefix.byPhaseFromTurn10.metadata]
        .map(percent)
        .join(' / '),
    ],
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...[['figure', 'target', `${result.turns} turns`], ...rows].map((row) => row[column]?.length ?? 0)));
  const line = (row: readonly string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [
    line(['figure', 'target', `${result.turns} turns`]),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...rows.map(line),
    '',
    `Verbatim window: the last ${MEMORY_WINDOW.verbatim} turns; a fold runs once ${MEMORY_WINDOW.foldWhenUnsummarised} turns are outside the summary. ` +
      `${result.seconds.toFixed(0)} s.`,
  ].join('\n');
}
