// The sustained-load bench (`npm run bench -- load`): its figures in one place, so the printed table can state them.

export type LoadSettings = {
  /** Tables (channels) the Poisson turns and the bursts play in, each with a campaign opened before measuring. */
  tables: number;
  /** Turns per second, one phase each. */
  rates: number[];
  /** How long turns arrive at each rate. */
  secondsPerRate: number;
  /** Turns started at once in each burst (by message, then by click), each in its own idle table. */
  burst: number;
  /** Tables that have played a turn when the bot's memory is read at the end (the rest are opened then). */
  totalTables: number;
  /** Seed of the arrivals' random numbers, so that runs are comparable. */
  seed: number;
};

export const DEFAULT_LOAD_SETTINGS: LoadSettings = {
  tables: 200,
  rates: [1, 4, 8],
  secondsPerRate: 60,
  burst: 100,
  totalTables: 1000,
  seed: 20_260_101,
};

/** Tables opened and played at once while bringing the count to `totalTables`: a pace the bot sustains. */
export const FILL_CONCURRENCY = 40;

/**
 * The fake model's request log is cut to its newest requests (bench-rig.ts): enough for a turn's phases to find the
 * previous phase's prompt (its cached-token count), and no quadratic cost over the run's thousands of requests.
 */
export const FAKE_MODEL_LOG_LIMIT = 64;

/** How often the bot's RSS is sampled for the peak. */
export const RSS_SAMPLE_INTERVAL_MS = 250;

export const loadTargets = {
  /** At the highest rate (8 turns/s ≈ 80 % of the 50 requests/s at ~5 writes a turn). */
  overheadP95Ms: 100,
  clickBurstFirstTextP95Ms: 250,
  rssAfterFillMb: 300,
} as const;

/**
 * `npm run bench -- load [--seconds 10] [--tables 50] [--rates 1,4,8] [--burst 20] [--total 200] [--seed 7]`:
 * shorter runs for development; without options the team's spec.
 */
export function loadSettingsFromArguments(argumentList: readonly string[]): LoadSettings {
  const settings: LoadSettings = { ...DEFAULT_LOAD_SETTINGS, rates: [...DEFAULT_LOAD_SETTINGS.rates] };
  const words = argumentList.flatMap((word) => (word.startsWith('--') && word.includes('=') ? word.split('=', 2) : [word]));
  for (let index = 0; index < words.length; index += 2) {
    const name = words[index] ?? '';
    const value = words[index + 1];
    if (value === undefined) throw new Error(`${name} needs a value`);
    const whole = (minimum: number, maximum: number) => {
      const number = Number(value);
      if (!Number.isInteger(number) || number < minimum || number > maximum) throw new Error(`${name} ${value}: a whole number from ${minimum} to ${maximum}`);
      return number;
    };
    switch (name) {
      case '--tables':
        settings.tables = whole(2, 1000);
        break;
      case '--seconds':
        settings.secondsPerRate = whole(1, 600);
        break;
      case '--burst':
        settings.burst = whole(1, 500);
        break;
      case '--total':
        settings.totalTables = whole(0, 2000);
        break;
      case '--seed':
        settings.seed = whole(0, 2 ** 31);
        break;
      case '--rates':
        settings.rates = value.split(',').map((part) => {
          const rate = Number(part);
          if (!Number.isFinite(rate) || rate <= 0 || rate > 50) throw new Error(`--rates ${value}: turns per second from 0 to 50`);
          return rate;
        });
        break;
      default:
        throw new Error(`unknown option ${name} (--tables, --seconds, --rates, --burst, --total, --seed)`);
    }
  }
  settings.burst = Math.min(settings.burst, Math.floor(settings.tables / 2));
  settings.totalTables = Math.max(settings.totalTables, settings.tables);
  return settings;
}
