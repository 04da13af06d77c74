// Runs a command-line tool: one clear line and a non-zero exit on failure, no stack trace for
// expected errors (bad arguments, bad configuration, a data folder in use).
import { ConfigError } from '../config.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';

export async function runCommand(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof ConfigError) console.error(`configuration error: ${error.message}`);
    else if (error instanceof DataDirLockedError) console.error(`error: ${error.message}`);
    else if (error instanceof Error) console.error(`error: ${error.message}`);
    else console.error(`error: ${String(error)}`);
    process.exitCode = error instanceof ConfigError ? 2 : 1;
  }
}
