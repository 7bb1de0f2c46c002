// Loaded into the bot process by the fail-fast test (NODE_OPTIONS=--import): SIGUSR2 makes the process throw from a
// timer, as a bug nobody planned for would, so the test can watch what the bot does with an uncaught exception.
process.on('SIGUSR2', () => {
  setImmediate(() => {
    throw new Error('a bug nobody planned for');
  });
});
