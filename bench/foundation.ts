// The foundation scenarios: `npm run bench -- foundation [--patients N --only startup|seed]`.
// Cold start to the first /fhir/metadata answer and `npm run seed` throughput, on the embedded
// database and on PostgreSQL (BENCH_DATABASE_URL, default the local server), in one run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, projectRoot, spawnServer, waitForOk } from '../test/support/process.js';
import { dropDatabase, freshDatabase } from './postgres.js';
import { runSeed } from './seed-runner.js';

async function coldStart(env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const proc = spawnServer({ ...env, PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false' });
  try {
    return await waitForOk(`http://127.0.0.1:${port}/fhir/metadata`, proc, 120000);
  } finally {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
}

export async function runFoundation(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { patients: { type: 'string', default: '10000' }, only: { type: 'string' } },
  });
  const patients = Number(values.patients);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-bench-'));
  const results: Record<string, number | string> = {};
  try {
    if (!values.only || values.only === 'startup') {
      const embeddedDir = path.join(scratch, 'startup');
      results['cold start, embedded, new data folder (ms)'] = await coldStart({ DATA_DIR: embeddedDir });
      results['cold start, embedded, existing data folder (ms)'] = await coldStart({ DATA_DIR: embeddedDir });
      const url = await freshDatabase('fhir_bench_startup');
      results['cold start, PostgreSQL, empty database (ms)'] = await coldStart({
        DATABASE_URL: url,
        DATA_DIR: scratch,
      });
      results['cold start, PostgreSQL, migrated database (ms)'] = await coldStart({
        DATABASE_URL: url,
        DATA_DIR: scratch,
      });
      await dropDatabase('fhir_bench_startup');
    }
    if (!values.only || values.only === 'seed') {
      const embedded = await runSeed({ DATA_DIR: path.join(scratch, 'seed') }, patients);
      results[`seed ${patients} patients, embedded (rows/s)`] = embedded.rowsPerSecond;
      results[`seed ${patients} patients, embedded (rows, s)`] = `${embedded.rows}, ${(embedded.ms / 1000).toFixed(1)}`;
      const url = await freshDatabase('fhir_bench_seed');
      const postgres = await runSeed({ DATABASE_URL: url, DATA_DIR: scratch }, patients);
      results[`seed ${patients} patients, PostgreSQL (rows/s)`] = postgres.rowsPerSecond;
      results[`seed ${patients} patients, PostgreSQL (rows, s)`] =
        `${postgres.rows}, ${(postgres.ms / 1000).toFixed(1)}`;
      results['seed throughput, embedded / PostgreSQL'] = (embedded.rowsPerSecond / postgres.rowsPerSecond).toFixed(2);
      await dropDatabase('fhir_bench_seed');
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  fs.mkdirSync(path.join(projectRoot, '.bench'), { recursive: true });
  fs.writeFileSync(path.join(projectRoot, '.bench', 'foundation.json'), JSON.stringify(results, null, 2));
  console.log('| measure | value |\n|---|---|');
  for (const [name, value] of Object.entries(results)) console.log(`| ${name} | ${value} |`);
}
