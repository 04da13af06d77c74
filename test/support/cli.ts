// Runs a command-line tool (`npm run <tool>`) as its own process against a test server's database.
import { spawn } from 'node:child_process';
import { projectRoot } from './process.js';
import type { TestServer } from './server.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment that points a tool at the server's database (embedded: through its socket). */
export function toolEnv(server: TestServer): Record<string, string> {
  return server.database.databaseUrl
    ? { DATABASE_URL: server.database.databaseUrl }
    : { DATA_DIR: server.database.dataDir };
}

export function runCli(script: string, args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
