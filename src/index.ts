import { startBot } from './app.ts';
import { loadConfigOrExit } from './config-problems.ts';
import { createLogger } from './logger.ts';

const config = loadConfigOrExit(process.env);
const logger = createLogger(config.logLevel);

// Nothing may reach stderr as an unhandled rejection: log it with context instead.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
process.on('uncaughtException', (error) => logger.fatal({ err: error }, 'uncaught exception'));

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
