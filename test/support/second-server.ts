// A second server process (src/main.ts, as `npm start` runs it) on the same PostgreSQL database as
// an in-process test server: two instances sharing one database (D11).
import { freePort, spawnServer, waitForOk, type ServerProcess } from './process.js';

export interface SecondServer {
  url: string;
  proc: ServerProcess;
  stop(): Promise<void>;
}

export async function startSecondServer(databaseUrl: string, env: Record<string, string> = {}): Promise<SecondServer> {
  const port = await freePort();
  const proc = spawnServer({
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}/readyz`, proc);
  return {
    url,
    proc,
    async stop() {
      if (proc.child.exitCode === null) {
        proc.child.kill('SIGTERM');
        await proc.exited;
      }
    },
  };
}
