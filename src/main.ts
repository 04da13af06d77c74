// Process entry: check the configuration, start the server, stop gracefully on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { createLogger } from './log.js';
import { startServer } from './server.js';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(`configuration error: ${error.message}`, 2);
  throw error;
}

const logger = createLogger(config.logLevel);
let server;
try {
  server = await startServer(config, logger);
} catch (error) {
  if (error instanceof DataDirLockedError) fail(`error: ${error.message}`, 1);
  logger.fatal({ err: error }, 'the server could not start');
  fail(`error: the server could not start: ${error instanceof Error ? error.message : String(error)}`, 1);
}

const running = server;
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
