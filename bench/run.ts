// The benchmark harness: `npm run bench [-- --patients N --only startup|seed]`.
// Cold start to the first /fhir/metadata answer and `npm run seed` throughput, on the embedded
// database and on PostgreSQL (BENCH_DATABASE_URL, default the local server), in one run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort, projectRoot, spawnServer, waitForOk } from '../test/support/process.js';

const { values } = parseArgs({ options: { patients: { type: 'string', default: '10000' }, only: { type: 'string' } } });
const patients = Number(values.patients);
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-bench-'));

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freshPostgres(name: string): Promise<string> {
  await admin(`drop database if exists "${name}" with (force)`);
  await admin(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

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

function runSeed(env: Record<string, string>): Promise<{ rows: number; ms: number; rowsPerSecond: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/seed.ts', '--patients', String(patients)], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`seed exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as { rows: number; ms: number; rowsPerSecond: number });
    });
  });
}

const results: Record<string, number | string> = {};
try {
  if (!values.only || values.only === 'startup') {
    const embeddedDir = path.join(scratch, 'startup');
    results['cold start, embedded, new data folder (ms)'] = await coldStart({ DATA_DIR: embeddedDir });
    results['cold start, embedded, existing data folder (ms)'] = await coldStart({ DATA_DIR: embeddedDir });
    const url = await freshPostgres('fhir_bench_startup');
    results['cold start, PostgreSQL, empty database (ms)'] = await coldStart({ DATABASE_URL: url, DATA_DIR: scratch });
    results['cold start, PostgreSQL, migrated database (ms)'] = await coldStart({
      DATABASE_URL: url,
      DATA_DIR: scratch,
    });
    await admin('drop database if exists "fhir_bench_startup" with (force)');
  }
  if (!values.only || values.only === 'seed') {
    const embedded = await runSeed({ DATA_DIR: path.join(scratch, 'seed') });
    results[`seed ${patients} patients, embedded (rows/s)`] = embedded.rowsPerSecond;
    results[`seed ${patients} patients, embedded (rows, s)`] = `${embedded.rows}, ${(embedded.ms / 1000).toFixed(1)}`;
    const url = await freshPostgres('fhir_bench_seed');
    const postgres = await runSeed({ DATABASE_URL: url, DATA_DIR: scratch });
    results[`seed ${patients} patients, PostgreSQL (rows/s)`] = postgres.rowsPerSecond;
    results[`seed ${patients} patients, PostgreSQL (rows, s)`] = `${postgres.rows}, ${(postgres.ms / 1000).toFixed(1)}`;
    results['seed throughput, embedded / PostgreSQL'] = (embedded.rowsPerSecond / postgres.rowsPerSecond).toFixed(2);
    await admin('drop database if exists "fhir_bench_seed" with (force)');
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

fs.mkdirSync(path.join(projectRoot, '.bench'), { recursive: true });
fs.writeFileSync(path.join(projectRoot, '.bench', 'foundation.json'), JSON.stringify(results, null, 2));
console.log('| measure | value |\n|---|---|');
for (const [name, value] of Object.entries(results)) console.log(`| ${name} | ${value} |`);
