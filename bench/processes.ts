// The servers under load, as child processes: ours (`src/main.ts`) and the node:http baseline.
import { freePort, spawnServer, waitForOk, type ServerProcess } from '../test/support/process.js';

export interface Running {
  /** Base URL of the REST endpoints, e.g. http://127.0.0.1:1234/fhir (no trailing slash). */
  base: string;
  /** The path prefix of `base` (`/fhir` for ours, '' for the baseline). */
  prefix: string;
  proc: ServerProcess;
}

/** Our server on a free port, with the database named by `env` (DATABASE_URL or DATA_DIR). */
export async function startOurs(env: Record<string, string>): Promise<Running> {
  const port = await freePort();
  const proc = spawnServer({
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    DB_POOL_MAX: '16',
  });
  const base = `http://127.0.0.1:${port}/fhir`;
  await waitForOk(`${base}/metadata`, proc, 120000).catch(async (error: unknown) => {
    await stop(proc);
    throw error;
  });
  return { base, prefix: '/fhir', proc };
}

/** The bare node:http baseline (bench/baseline-servers.ts) over `databaseUrl`. */
export async function startBaseline(databaseUrl: string, poolMax: number, prepared: boolean): Promise<Running> {
  const port = await freePort();
  const env = {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASELINE_POOL_MAX: String(poolMax),
    BASELINE_PREPARED: String(prepared),
  };
  const proc = spawnServer(env, 'bench/baseline-servers.ts');
  const base = `http://127.0.0.1:${port}`;
  await waitForOk(`${base}/healthz`, proc, 60000).catch(async (error: unknown) => {
    await stop(proc);
    throw error;
  });
  return { base, prefix: '', proc };
}

/** SIGTERM, then SIGKILL when the process has not exited within `graceMs`. */
export async function stop(proc: ServerProcess, graceMs = 15000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      proc.child.kill('SIGKILL');
      resolve();
    }, graceMs);
  });
  await Promise.race([proc.exited, killed]);
  clearTimeout(timer);
  await proc.exited;
}
