import { startBot } from './app.ts';
import { loadConfigOrExit } from './config-problems.ts';
import { createLogger } from './logger.ts';

const config = loadConfigOrExit(process.env);
const logger = createLogger(config.logLevel, { secrets: [config.discord.token, config.llm.apiKey] });

// After an uncaught exception or an unhandled rejection the process is in a state nobody planned for: it is logged
// once (never printed raw to stderr) and the process exits non-zero, so its supervisor restarts it. Every action a
// player was told about is already stored, and the next start recovers as it does after a kill.
let failing = false;
function failFast(kind: string, error: unknown): void {
  if (failing) return;
  failing = true;
  logger.fatal({ err: error }, kind);
  logger.flush();
  process.exit(1);
}
process.on('unhandledRejection', (reason) => failFast('unhandled rejection', reason));
process.on('uncaughtException', (error) => failFast('uncaught exception', error));

let bot: Awaited<ReturnType<typeof startBot>>;
try {
  bot = await startBot(config, logger);
} catch (error) {
  logger.fatal({ err: error }, 'could not start');
  process.exit(1);
}

const HARD_EXIT_AFTER_MS = 9500;
let shuttingDown = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    // Service managers kill after about 10 s; whatever still hangs by then must not turn a clean stop into a kill.
    setTimeout(() => {
      logger.warn('shutdown took too long; exiting anyway');
      process.exit(0);
    }, HARD_EXIT_AFTER_MS).unref();
    bot
      .stop()
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      });
  });
}
