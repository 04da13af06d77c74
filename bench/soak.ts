// `npm run soak [-- --minutes N | --seconds N] [--connections C] [--embedded]`: a bounded load and
// soak test over loopback. Our server runs as its own process (on a fresh PostgreSQL database of
// BENCH_DATABASE_URL's server, or with --embedded a fresh data folder); autocannon drives a mix of
// reads by id, searches and creates for the fixed duration, in slices, and each slice reports
// requests, p99, the server's RSS and its open database connections, so a leak shows as a trend.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { onCleanup, withCleanup } from './cleanup.js';
import { patientBody, runLoad, type LoadResult } from './load.js';
import { dropDatabase, freshDatabase, query } from './postgres.js';
import { startOurs, stop } from './processes.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    seconds: { type: 'string' },
    connections: { type: 'string', default: '16' },
    embedded: { type: 'boolean', default: false },
    patients: { type: 'string', default: '200' },
  },
});
const seconds = values.seconds ? Number(values.seconds) : Number(values.minutes ?? '1') * 60;
const connections = Number(values.connections);
if (!(seconds >= 1 && seconds <= 24 * 3600) || !(connections >= 1 && connections <= 1000)) {
  console.error('usage: npm run soak -- [--minutes N | --seconds N] [--connections C] [--embedded] [--patients N]');
  process.exit(2);
}

interface Sample {
  atSeconds: number;
  rssMb: number;
  /** Open connections of the server's pool (used + free). */
  poolConnections: number;
  databaseConnections?: number;
}

async function sample(base: string, started: number, databaseUrl?: string): Promise<Sample> {
  const metrics = await (await fetch(`${base.replace(/\/fhir$/, '')}/metrics`)).text();
  const rss = Number(/^process_resident_memory_bytes (\S+)/m.exec(metrics)?.[1] ?? NaN);
  const pool = [...metrics.matchAll(/^db_pool_connections\{state="(?:used|free)"\} (\S+)/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
  const out: Sample = {
    atSeconds: Math.round((Date.now() - started) / 1000),
    rssMb: rss / 1048576,
    poolConnections: pool,
  };
  if (databaseUrl) {
    const name = new URL(databaseUrl).pathname.slice(1);
    const [row] = await query<{ n: number }>(
      databaseUrl,
      `select count(*)::int as n from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`,
    );
    out.databaseConnections = row!.n;
  }
  return out;
}

function mixedRequests(prefix: string, ids: string[], families: string[]): autocannon.Request[] {
  const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;
  const read: autocannon.Request = {
    method: 'GET',
    setupRequest: (r) => ({ ...r, path: `${prefix}/Patient/${pick(ids)}` }),
  };
  const search: autocannon.Request = {
    method: 'GET',
    setupRequest: (r) => ({ ...r, path: `${prefix}/Patient?family=${pick(families)}&_count=10` }),
  };
  const create: autocannon.Request = {
    method: 'POST',
    path: `${prefix}/Patient`,
    headers: { 'content-type': 'application/fhir+json' },
    setupRequest: (r) => ({ ...r, body: patientBody() }),
  };
  return [read, read, read, search, search, create]; // 50% reads, 33% searches, 17% writes
}

await withCleanup(async () => {
  let env: Record<string, string>;
  let databaseUrl: string | undefined;
  if (values.embedded) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-soak-'));
    onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
    env = { DATA_DIR: dir };
  } else {
    const name = `fhir_soak_${process.pid}`;
    databaseUrl = await freshDatabase(name);
    onCleanup(() => dropDatabase(name));
    env = { DATABASE_URL: databaseUrl };
  }
  const ours = await startOurs({ ...env, AUDIT_ENABLED: 'true' });
  onCleanup(() => stop(ours.proc));

  const ids: string[] = [];
  for (let i = 0; i < Number(values.patients); i++) {
    const res = await fetch(`${ours.base}/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: patientBody(),
    });
    ids.push(((await res.json()) as { id: string }).id);
  }
  const families = ['Garcia', 'Nguyen', 'Okafor', 'Schmidt', 'Nobody'];
  const started = Date.now();
  const samples: Sample[] = [await sample(ours.base, started, databaseUrl)];
  const slices: LoadResult[] = [];
  const slice = Math.min(seconds, 60);
  console.log(`soak: ${seconds} s, ${connections} connections, ${values.embedded ? 'embedded' : 'PostgreSQL'}`);
  console.log('start', JSON.stringify(samples[0]));
  for (let left = seconds; left > 0; left -= slice) {
    const result = await runLoad({
      url: `http://127.0.0.1:${new URL(ours.base).port}`,
      connections,
      durationSeconds: Math.min(slice, left),
      requests: mixedRequests(ours.prefix, ids, families),
    });
    slices.push(result);
    const s = await sample(ours.base, started, databaseUrl).catch((error: unknown) => {
      console.error(`the server stopped answering; its last output:\n${ours.proc.output().slice(-4000)}`);
      throw error;
    });
    samples.push(s);
    console.log(
      `${String(s.atSeconds).padStart(5)} s: ${result.requests} requests, ${result.requestsPerSecond.toFixed(0)}/s, p99 ${result.p99Ms} ms, ` +
        `statuses ${JSON.stringify(result.statusCodes)}, errors ${result.errors}, RSS ${s.rssMb.toFixed(0)} MB, ` +
        `pool ${s.poolConnections}${s.databaseConnections === undefined ? '' : `, database connections ${s.databaseConnections}`}`,
    );
  }
  const total = slices.reduce((n, r) => n + r.requests, 0);
  const failed = slices.reduce((n, r) => n + r.errors + (r.statusCodes['500'] ?? 0) + (r.statusCodes['503'] ?? 0), 0);
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  console.log(
    JSON.stringify(
      {
        seconds,
        connections,
        requestsServed: total,
        failures: failed,
        p99MsPerSlice: slices.map((r) => r.p99Ms),
        rssMb: { start: Math.round(first.rssMb), end: Math.round(last.rssMb) },
        poolConnections: { start: first.poolConnections, end: last.poolConnections },
        databaseConnections: { start: first.databaseConnections, end: last.databaseConnections },
      },
      null,
      2,
    ),
  );
  if (failed > 0) process.exitCode = 1;
});
