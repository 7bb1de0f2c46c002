import { backToBack, BUCKET_RESET_WAIT_MS, modelTiming } from './bench-settings.ts';
import { describeMachine } from './machine-description.ts';
import { formatLoadReport } from './load-report.ts';
import { loadSettingsFromArguments } from './load-settings.ts';
import { formatMemoryTable } from './memory-table.ts';
import { runLoad } from './run-load.ts';
import { runMemory } from './run-memory.ts';
import { formatBackToBackTable, formatBotComplaints, formatTable } from './report-table.ts';
import { runBackToBack, type BackToBackResult } from './run-back-to-back.ts';
import { runScale, type ScaleResult } from './run-scale.ts';
import { scalesFromArguments } from './scales-from-arguments.ts';

// `npm run bench [-- 1 10 100]` (`-- memory` for the long-campaign bench, run-memory.ts; `-- load` for the sustained-load bench, run-load.ts): one turn in each of N channels at once, through the Discord emulator and the fake
// OpenAI server, against the bot running as its own process; at 1 and 10 channels also a few turns in a row per
// channel, each answered a second after the previous one ended. Prints tables; it asserts nothing.

if (process.argv[2] === 'memory') {
  // `npm run bench -- memory [turns]`: the long-campaign bench, then nothing else.
  const turns = Number(process.argv[3] ?? 300);
  const result = await runMemory(turns, (line) => console.error(`[bench] ${line}`));
  console.log(`Machine: ${describeMachine()}`);
  console.log(
    `Long campaign: ${turns} turns after the opening, one action each (three players in turn), through the table owner, the ` +
      'orchestrator, the openai SDK and the fake model without delays; SQLite store; the fake summariser keeps to the ' +
      "summary's target length, keeping the newest events.",
  );
  console.log('');
  console.log(formatMemoryTable(result));
  process.exit(0);
}

if (process.argv[2] === 'load') {
  // `npm run bench -- load [options]`: the sustained-load bench (run-load.ts), then nothing else.
  const settings = loadSettingsFromArguments(process.argv.slice(3));
  const result = await runLoad(settings, (line) => console.error(`[bench] ${line}`));
  console.log(formatLoadReport(result));
  process.exit(0);
}

const scales = scalesFromArguments(process.argv.slice(2), process.env['BENCH_SCALES']);
const results: ScaleResult[] = [];
const backToBackResults: BackToBackResult[] = [];
for (const channels of scales) {
  const progress = (line: string) => console.error(`[bench] ${line}`);
  results.push(await runScale(channels, progress));
  if (backToBack.scales.includes(channels)) backToBackResults.push(await runBackToBack(channels, progress));
}

const { firstTokenMs, wordIntervalMs, narrativeWords, responseWords } = modelTiming;
const answerAfterSeconds = backToBack.answerAfterFinalEditMs / 1000;
console.log(`Machine: ${describeMachine()}`);
console.log(
  `Model (fake OpenAI): first token after ${firstTokenMs} ms, then a word every ${wordIntervalMs} ms ` +
    `(~${Math.round(1000 / wordIntervalMs)} tokens/s); ` +
    `narrative ${narrativeWords} words, response ${responseWords} words, streamed; options and metadata as one JSON reply after ` +
    `${firstTokenMs} ms + ${wordIntervalMs} ms per estimated token.`,
);
console.log(
  `Discord (emulator): channel bucket 5 writes per 5 s; discord.js's own global limit 50 requests/s. One fresh bot process ` +
    `(node --max-semi-space-size=4 src/index.ts, SQLite store) per scale; campaigns opened, then ${BUCKET_RESET_WAIT_MS / 1000} s for the buckets to reset, ` +
    `then one player message per channel at the same moment. Percentiles by nearest rank over the channels.`,
);
console.log('');
console.log(formatTable(results));
if (backToBackResults.length > 0) {
  console.log('');
  console.log(
    `Back-to-back (scales ${backToBack.scales.join(' and ')} ch, each run after the single-turn scenario of its scale): another fresh bot ` +
      `process, emulator and fake model; campaigns opened, then in every channel the player answers ${answerAfterSeconds} s after the ` +
      `emulator recorded the previous turn's final edit (the write that first shows its enabled option buttons), starting from the ` +
      `opening scene, for ${backToBack.turns} turns in a row; no wait for the buckets to reset. Every figure is over all ` +
      `${backToBack.turns} × N turns; percentiles by nearest rank over those turns.`,
  );
  console.log('');
  console.log(formatBackToBackTable(backToBackResults));
}
console.log('');
console.log(
  [
    'overhead to first text: emulator arrival of the first POST/PATCH in the channel whose content shows narrative text,',
    `  minus the injection of the player's message, minus the model's ${firstTokenMs} ms to first token.`,
    "first write after the model's first token: emulator arrival of that same first write showing text, minus the moment",
    "  the fake model had sent the first content chunk of the turn's narrative (measured, where the \"first token due\" row",
    `  takes the narrative request + ${firstTokenMs} ms).`,
    'words shown by the first write: runs of non-space characters in the content of that first write, the writing mark',
    '  ("-# ✍️ the DM is writing…") left out; p50 over the turns and the minimum, which the target is judged on.',
    'final-text lag: emulator arrival of the first write showing the complete narrative and response, minus the moment the',
    "  fake model finished sending the response phase (its last content chunk; finish and usage chunks follow at once).",
    '  The bot completes the text with its final edit, which also carries the buttons and so waits for the options call.',
    'longest pause: the longest interval between two writes showing text, from the first text to the final edit, per turn.',
    ...(backToBackResults.length > 0
      ? [
          "back-to-back: a turn's writes and model calls are those from its player's message to that channel's next one;",
          `  "player's message after the previous final edit" shows how closely the ${answerAfterSeconds} s was kept; the 429s and`,
          "  400s are every request from the first player's message to the end of the last turn's scene metadata.",
        ]
      : []),
    'bot RSS from /proc/<pid>/status (VmRSS once connected, VmHWM after the turns); CPU time per turn = utime + stime',
    '  (/proc/<pid>/stat) after the turns minus before, divided by the turns; it includes whatever else the bot did meanwhile.',
  ].join('\n'),
);
const complaints = formatBotComplaints([
  ...results.map((result) => ({ label: `${result.channels} ch`, warnings: result.warnings, stderr: result.stderr })),
  ...backToBackResults.map((result) => ({ label: `back-to-back, ${result.channels} ch`, warnings: result.warnings, stderr: result.stderr })),
]);
if (complaints.length > 0) console.log(['', ...complaints].join('\n'));
