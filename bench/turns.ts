import { BUCKET_RESET_WAIT_MS, modelTiming } from './bench-settings.ts';
import { describeMachine } from './machine-description.ts';
import { formatBotComplaints, formatTable } from './report-table.ts';
import { runScale, type ScaleResult } from './run-scale.ts';
import { scalesFromArguments } from './scales-from-arguments.ts';

// `npm run bench [-- 1 10 100]`: one turn in each of N channels at once, through the Discord emulator and the fake
// OpenAI server, against the bot running as its own process. Prints a table; it asserts nothing.

const scales = scalesFromArguments(process.argv.slice(2), process.env['BENCH_SCALES']);
const results: ScaleResult[] = [];
for (const channels of scales) {
  results.push(await runScale(channels, (line) => console.error(`[bench] ${line}`)));
}

const { firstTokenMs, wordIntervalMs, narrativeWords, responseWords } = modelTiming;
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
console.log('');
console.log(
  [
    'overhead to first text: emulator arrival of the first POST/PATCH in the channel whose content shows narrative text,',
    `  minus the injection of the player's message, minus the model's ${firstTokenMs} ms to first token.`,
    'final-text lag: emulator arrival of the first write showing the complete narrative and response, minus the moment the',
    "  fake model finished sending the response phase (its last content chunk; finish and usage chunks follow at once).",
    '  The bot completes the text with its final edit, which also carries the buttons and so waits for the options call.',
    'longest pause: the longest interval between two writes showing text, from the first text to the final edit.',
    'bot RSS from /proc/<pid>/status (VmRSS once connected, VmHWM after the turns); CPU time per turn = utime + stime',
    '  (/proc/<pid>/stat) after the turns minus before, divided by the turns; it includes whatever else the bot did meanwhile.',
  ].join('\n'),
);
const complaints = formatBotComplaints(results);
if (complaints.length > 0) console.log(['', ...complaints].join('\n'));
