// The REST scenarios: `npm run bench [-- rest] [--patients N] [--duration S] [--rounds N]
// [--connections N] [--warmup S] [--embedded]`. Our server and a bare node:http baseline over the
// same database (bench/baseline-servers.ts), alternating rounds, for read and create of Patient.
// PostgreSQL always (BENCH_DATABASE_URL, database fhir_bench_rest, dropped after); with --embedded
// the embedded database as well. Prints a markdown table and writes .bench/rest.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readLock } from '../src/db/data-dir-lock.js';
import { projectRoot } from '../test/support/process.js';
import { onCleanup, withCleanup } from './cleanup.js';
import { createRequests, patientBody, readRequests, runLoad } from './load.js';
import { dropDatabase, freshDatabase, query } from './postgres.js';
import { startBaseline, startOurs, stop, type Running } from './processes.js';
import { markdownTable, serverMessages, summarize, writeJson, type Round, type Target } from './report.js';
import { runSeed } from './seed-runner.js';

const DATABASE = 'fhir_bench_rest';

interface Options {
  patients: number;
  durationSeconds: number;
  warmupSeconds: number;
  rounds: number;
  connections: number;
  embedded: boolean;
}

interface Setup {
  label: string;
  /** How our server and the seed reach the database (DATABASE_URL or DATA_DIR). */
  env: Record<string, string>;
  /** A SQL URL for the bench and the baseline, known once our server runs. */
  sqlUrl: () => string;
  baselinePoolMax: number;
  /** Named prepared statements in the baseline (not over PGlite's socket: one shared session). */
  baselinePrepared: boolean;
}

const log = (message: string) => console.error(`[bench rest ${new Date().toISOString().slice(11, 19)}] ${message}`);

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      patients: { type: 'string', default: '10000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '2' },
      connections: { type: 'string', default: '64' },
      embedded: { type: 'boolean', default: false },
    },
  });
  const whole = (name: string, raw: string, min: number) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
    return Number(raw);
  };
  return {
    patients: whole('patients', values.patients, 1),
    durationSeconds: whole('duration', values.duration, 1),
    warmupSeconds: whole('warmup', values.warmup, 0),
    rounds: whole('rounds', values.rounds, 2),
    connections: whole('connections', values.connections, 1),
    embedded: values.embedded,
  };
}

/** GETs every id once through our server, `concurrency` at a time; counts the statuses. */
async function warmRenderings(ours: Running, ids: string[], concurrency: number): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      let status: string;
      try {
        const res = await fetch(`${ours.base}/Patient/${id}`, { headers: { accept: 'application/fhir+json' } });
        await res.arrayBuffer();
        status = String(res.status);
      } catch (error) {
        status = `error ${(error as Error).message}`;
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

/** One read and one create through a server, before any load: what it answers. */
async function smoke(name: Target, target: Running, id: string): Promise<string> {
  const read = await fetch(`${target.base}/Patient/${id}`, { headers: { accept: 'application/fhir+json' } });
  const readBody = await read.text();
  const created = await fetch(`${target.base}/Patient`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    body: patientBody(),
  });
  const createdBody = await created.text();
  const problem = (status: number, expected: number, body: string) =>
    status === expected ? '' : ` (expected ${expected}: ${body.slice(0, 300)})`;
  return (
    `${name}: read ${read.status} ${read.headers.get('content-type')} ${readBody.length} bytes${problem(read.status, 200, readBody)}; ` +
    `create ${created.status} Location ${created.headers.get('location')}${problem(created.status, 201, createdBody)}`
  );
}

async function benchDatabase(setup: Setup, options: Options, notes: string[]): Promise<Round[]> {
  log(`${setup.label}: starting our server`);
  const ours = await startOurs(setup.env);
  onCleanup(() => stop(ours.proc));
  log(`${setup.label}: seeding ${options.patients} patients`);
  const seeded = await runSeed(setup.env, options.patients);
  notes.push(`${setup.label}: seeded ${seeded.rows} rows in ${(seeded.ms / 1000).toFixed(1)} s`);
  const url = setup.sqlUrl();
  const ids = (await query<{ id: string }>(url, 'select id from patients')).map((r) => r.id);
  log(`${setup.label}: warming ${ids.length} renderings`);
  const warmed = await warmRenderings(ours, ids, 32);
  const [{ count: rendered }] = await query<{ count: string }>(
    url,
    'select count(*) from fhir_resource_versions v join fhir_resources h on h.resource_type = v.resource_type ' +
      "and h.id = v.id and h.version_id = v.version_id where h.resource_type = 'Patient' and v.rendered is not null",
  );
  notes.push(
    `${setup.label}: warm-up GET of ${ids.length} patients: ${JSON.stringify(warmed)}; ${rendered} current Patient renderings stored`,
  );
  const baseline = await startBaseline(url, setup.baselinePoolMax, setup.baselinePrepared);
  onCleanup(() => stop(baseline.proc));
  const targets: Record<Target, Running> = { ours, baseline };
  for (const name of ['ours', 'baseline'] as const)
    notes.push(`${setup.label}: ${await smoke(name, targets[name], ids[0])}`);

  const rounds: Round[] = [];
  const scenarios = {
    read: (t: Running) => readRequests(t.prefix, ids),
    create: (t: Running) => createRequests(t.prefix),
  };
  for (const [scenario, requests] of Object.entries(scenarios))
    for (let round = 1; round <= options.rounds; round++)
      for (const name of ['ours', 'baseline'] as const) {
        const target = targets[name];
        const load = (durationSeconds: number) =>
          runLoad({ url: target.base, connections: options.connections, durationSeconds, requests: requests(target) });
        log(`${setup.label}: ${scenario} round ${round}/${options.rounds}, ${name}`);
        const warmup = await load(options.warmupSeconds);
        const measured = await load(options.durationSeconds);
        rounds.push({ database: setup.label, scenario, target: name, round, warmup, measured });
        // Requests autocannon left in flight still run on the server: let them finish first.
        await new Promise((resolve) => setTimeout(resolve, Math.min(measured.maxLatencyMs, 30000) + 500));
        log(
          `  ${Math.round(measured.requestsPerSecond)} req/s, p99 ${measured.p99Ms} ms, non-2xx ${measured.non2xx + warmup.non2xx}, errors ${measured.errors + warmup.errors}`,
        );
      }

  for (const name of ['ours', 'baseline'] as const) {
    const failed = rounds.filter(
      (r) => r.target === name && r.measured.non2xx + r.warmup.non2xx + r.measured.errors + r.warmup.errors > 0,
    );
    const messages = serverMessages(targets[name].proc.output());
    if (failed.length || messages.length)
      notes.push(
        `${setup.label}: ${name} server output:\n${messages.map((m) => `    ${m}`).join('\n') || '    (none)'}`,
      );
  }
  return rounds;
}

function postgresSetup(scratch: string): () => Promise<Setup> {
  return async () => {
    const url = await freshDatabase(DATABASE);
    onCleanup(() => dropDatabase(DATABASE));
    return {
      label: 'PostgreSQL',
      env: { DATABASE_URL: url, DATA_DIR: scratch },
      sqlUrl: () => url,
      baselinePoolMax: 16,
      baselinePrepared: true,
    };
  };
}

function embeddedSetup(scratch: string): () => Promise<Setup> {
  return async () => {
    const dataDir = path.join(scratch, 'embedded');
    const sqlUrl = () => {
      const socket = readLock(dataDir)?.databaseSocket;
      if (!socket) throw new Error(`no running server announced a database socket in ${dataDir}`);
      return `postgresql://postgres@${socket}/postgres`;
    };
    // PGlite's socket runs every connection in its one session: named statements of two
    // connections (or of one that reconnects) collide, so the embedded baseline sends its queries
    // unnamed, on one connection (PGlite runs one query at a time anyway).
    return { label: 'embedded', env: { DATA_DIR: dataDir }, sqlUrl, baselinePoolMax: 1, baselinePrepared: false };
  };
}

export async function runRest(args: string[]): Promise<void> {
  const options = parseOptions(args);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-bench-rest-'));
  const rounds: Round[] = [];
  const notes: string[] = [];
  const load = () =>
    os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ');
  notes.push(`machine: ${os.cpus().length} CPUs, load average (1/5/15 min) at start ${load()}`);
  const setups = [postgresSetup(scratch), ...(options.embedded ? [embeddedSetup(scratch)] : [])];
  try {
    for (const setup of setups)
      await withCleanup(async () => {
        rounds.push(...(await benchDatabase(await setup(), options, notes)));
      });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    notes.push(`machine: load average (1/5/15 min) at the end ${load()}`);
    const summaries = summarize(rounds);
    const file = path.join(projectRoot, '.bench', 'rest.json');
    writeJson(file, { options, finishedAt: new Date().toISOString(), summaries, notes, rounds });
    console.log(
      `\nREST, ${options.patients} patients, ${options.connections} connections, ` +
        `${options.rounds} rounds of ${options.durationSeconds} s each (after ${options.warmupSeconds} s warm-up)\n`,
    );
    console.log(markdownTable(summaries));
    console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}\n\nwritten to ${path.relative(projectRoot, file)}`);
  }
}
