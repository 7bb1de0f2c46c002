import { DEFAULT_SCALES } from './bench-settings.ts';

/** `npm run bench -- 1 10` or BENCH_SCALES=1,10 runs only those scales (numbers of channels); default 1, 10, 100. */
export function scalesFromArguments(argumentList: readonly string[], environmentValue: string | undefined): number[] {
  const given = argumentList.length > 0 ? argumentList : (environmentValue ?? '').split(',').filter((part) => part.trim() !== '');
  if (given.length === 0) return [...DEFAULT_SCALES];
  return given.map((text) => {
    const channels = Number(text.trim());
    if (!Number.isInteger(channels) || channels < 1 || channels > 500) {
      throw new Error(`"${text}" is not a number of channels (a whole number from 1 to 500)`);
    }
    return channels;
  });
}
