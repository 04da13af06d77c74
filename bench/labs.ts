// The lab scenarios (issue 6): `npm run bench -- labs [--patients N] [--duration S] [--warmup S]
// [--labs N] [--results N] [--connections N] [--keep]`. PostgreSQL (BENCH_DATABASE_URL, database
// fhir_bench_labs, dropped after), N seeded patients:
//   - a lab's report transaction (one DiagnosticReport basedOn an open order + `--results`
//     Observations by urn:uuid) at `--labs` concurrent labs: p50, p99 and reports per second;
//   - `DiagnosticReport?patient=X&_include=DiagnosticReport:result` at `--connections` clients,
//     against a bare node:http baseline sending the same SQL (bench/labs-baseline.ts).
// Prints a markdown table and writes .bench/labs.json.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { freePort, projectRoot, spawnServer, waitForOk } from '../test/support/process.js';
import { onCleanup, withCleanup } from './cleanup.js';
import { runLoad, type LoadResult } from './load.js';
import { benchDatabase, query } from './postgres.js';
import { startOurs, stop, type Running } from './processes.js';
import { writeJson } from './report.js';
import { runSeed } from './seed-runner.js';

const DATABASE = 'fhir_bench_labs';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const log = (message: string) => console.error(`[bench labs ${new Date().toISOString().slice(11, 19)}] ${message}`);

/** The transaction a lab sends for one order: its report and `results` Observations. */
export function labBundle(order: { id: string; patient: string }, results: number): string {
  const urls = Array.from({ length: results }, () => `urn:uuid:${randomUUID()}`);
  const subject = { reference: `Patient/${order.patient}` };
  const basedOn = [{ reference: `ServiceRequest/${order.id}` }];
  return JSON.stringify({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        request: { method: 'POST', url: 'DiagnosticReport' },
        resource: {
          resourceType: 'DiagnosticReport',
          basedOn,
          status: 'final',
          category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
          code: { coding: [{ system: LOINC, code: '24323-8' }], text: 'Comprehensive metabolic panel' },
          subject,
          effectiveDateTime: new Date(Date.now() - 3600000).toISOString(),
          issued: new Date().toISOString(),
          performer: [{ display: 'Bench Lab, MLS' }],
          result: urls.map((reference) => ({ reference })),
          conclusion: 'Bench report.',
        },
      },
      ...urls.map((fullUrl, i) => ({
        fullUrl,
        request: { method: 'POST', url: 'Observation' },
        resource: {
          resourceType: 'Observation',
          basedOn,
          status: 'final',
          category: [
            { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] },
          ],
          code: { coding: [{ system: LOINC, code: '2345-7' }], text: `Analyte ${i + 1}` },
          subject,
          valueQuantity: { value: 80 + i, unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
          referenceRange: [
            { low: { value: 70, system: UCUM, code: 'mg/dL' }, high: { value: 99, system: UCUM, code: 'mg/dL' } },
          ],
        },
      })),
    ],
  });
}

async function startBaseline(databaseUrl: string, connections: number): Promise<Running> {
  const port = await freePort();
  const proc = spawnServer(
    { DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', BASELINE_POOL_MAX: String(connections) },
    'bench/labs-baseline.ts',
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForOk(`${base}/healthz`, proc, 60000);
  return { base, prefix: '', proc };
}

/** Reads every DiagnosticReport and lab result Observation once, so each has its stored rendering (D13). */
async function renderAll(base: string): Promise<void> {
  // the include reaches lab results only, so the vital signs are left unrendered
  for (const [type, filter] of [
    ['DiagnosticReport', ''],
    ['Observation', 'category=laboratory&'],
  ]) {
    let url: string | undefined = `${base}/${type}?${filter}_count=1000`;
    while (url) {
      const res = await fetch(url, { headers: { accept: 'application/fhir+json' } });
      if (res.status !== 200) throw new Error(`${type} warm-up: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { link?: { relation: string; url: string }[] };
      const next = body.link?.find((l) => l.relation === 'next')?.url;
      url = next ? next.replace(/^https?:\/\/[^/]+/, new URL(base).origin) : undefined;
    }
  }
}

export async function runLabsBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      patients: { type: 'string', default: '100000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      labs: { type: 'string', default: '8' },
      results: { type: 'string', default: '20' },
      connections: { type: 'string', default: '16' },
      keep: { type: 'boolean', default: false },
    },
  });
  const options = {
    patients: Number(values.patients),
    durationSeconds: Number(values.duration),
    warmupSeconds: Number(values.warmup),
    labs: Number(values.labs),
    results: Number(values.results),
    connections: Number(values.connections),
  };
  const notes: string[] = [
    `machine: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  ];
  let transaction: LoadResult | undefined;
  const search: Partial<Record<'ours' | 'baseline', LoadResult>> = {};
  await withCleanup(async () => {
    const { url, reused } = await benchDatabase(DATABASE, options.patients, values.keep);
    const env = { DATABASE_URL: url, DATA_DIR: path.join(os.tmpdir(), `fhir-bench-labs-${process.pid}`) };
    log('starting our server');
    const ours = await startOurs(env);
    onCleanup(() => stop(ours.proc));
    if (reused) notes.push(`reused the kept database of ${options.patients} patients`);
    else {
      log(`seeding ${options.patients} patients`);
      const seeded = await runSeed(env, options.patients);
      notes.push(`seeded ${seeded.rows} rows in ${(seeded.ms / 1000).toFixed(1)} s`);
    }
    const [labs] = await query<{ n: number }>(url, 'select count(*)::int as n from lab_tests');
    notes.push(`lab_tests rows after the seed: ${labs!.n}`);

    // open orders for the labs to report on, as the hospital's application writes them: one per transaction
    const needed = Math.max(500, options.labs * 60 * (options.durationSeconds + options.warmupSeconds));
    const orders = await query<{ id: string; patient: string }>(
      url,
      `with ps as (select array_agg(id order by random()) as a from patients)
       insert into lab_tests ("patientId", "testName", "testCode", status, description, "orderedBy", "orderedDate")
       select ps.a[1 + g % array_length(ps.a, 1)], 'Comprehensive metabolic panel', '24323-8', 'ordered',
              'CMP - Serum or Plasma', 'Dr. Bench', now()
         from ps, generate_series(0, ${needed - 1}) g
       returning id, "patientId" as patient`,
    );
    await query(url, 'vacuum analyze');
    let next = 0;
    const request: autocannon.Request[] = [
      {
        method: 'POST',
        path: '/fhir',
        headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', prefer: 'return=minimal' },
        setupRequest: (r) => ({ ...r, body: labBundle(orders[next++ % orders.length]!, options.results) }),
      },
    ];
    const labLoad = (durationSeconds: number) =>
      runLoad({ url: ours.base.replace(/\/fhir$/, ''), connections: options.labs, durationSeconds, requests: request });
    log(`lab transactions: ${options.labs} labs, ${options.results} results each`);
    await labLoad(options.warmupSeconds);
    transaction = await labLoad(options.durationSeconds);
    notes.push(`orders used: ${next} of ${orders.length}${next > orders.length ? ' (some reported twice)' : ''}`);

    log('rendering every DiagnosticReport and lab result Observation once');
    await renderAll(ours.base);
    await query(url, 'vacuum analyze');
    const patients = (
      await query<{ id: string }>(
        url,
        `select distinct "patientId" as id from lab_tests where "testResults" is not null limit 5000`,
      )
    ).map((r) => r.id);
    const baseline = await startBaseline(url, options.connections);
    onCleanup(() => stop(baseline.proc));
    const pick = () => patients[Math.floor(Math.random() * patients.length)]!;
    for (const [name, target, path] of [
      ['ours', ours, (p: string) => `/fhir/DiagnosticReport?patient=${p}&_include=DiagnosticReport:result`],
      ['baseline', baseline, (p: string) => `/reports?patient=${p}`],
    ] as const) {
      log(`DiagnosticReport?patient=X&_include=DiagnosticReport:result: ${name}`);
      const load = (durationSeconds: number) =>
        runLoad({
          url: target.base.replace(/\/fhir$/, ''),
          connections: options.connections,
          durationSeconds,
          requests: [
            {
              method: 'GET',
              headers: { accept: 'application/fhir+json' },
              setupRequest: (r) => ({ ...r, path: path(pick()) }),
            },
          ],
        });
      await load(options.warmupSeconds);
      search[name] = await load(options.durationSeconds);
    }
  });
  const f = (n: number) => n.toFixed(1);
  const t = transaction!;
  const lines = [
    `Labs, ${options.patients} patients, PostgreSQL, ${options.durationSeconds} s per run (after ${options.warmupSeconds} s warm-up)`,
    '',
    '| scenario | clients | p50 ms | p99 ms | per second | non-2xx |',
    '|---|--:|--:|--:|--:|--:|',
    `| lab transaction: 1 report + ${options.results} results | ${options.labs} labs | ${f(t.p50Ms)} | ${f(t.p99Ms)} | ${f(t.requestsPerSecond)} reports | ${t.non2xx} |`,
    ...(['ours', 'baseline'] as const).map((name) => {
      const r = search[name]!;
      return `| DiagnosticReport?patient=X&_include=DiagnosticReport:result, ${name} | ${options.connections} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${Math.round(r.requestsPerSecond)} req | ${r.non2xx} |`;
    }),
    '',
    `search p99 ours/baseline: ${(search.ours!.p99Ms / search.baseline!.p99Ms).toFixed(2)}; throughput ours/baseline: ${(search.ours!.requestsPerSecond / search.baseline!.requestsPerSecond).toFixed(2)}`,
  ];
  notes.push(
    `load average at the end ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );
  const file = path.join(projectRoot, '.bench', 'labs.json');
  writeJson(file, { options, finishedAt: new Date().toISOString(), transaction, search, notes });
  console.log(
    `\n${lines.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\nwritten to ${path.relative(projectRoot, file)}`,
  );
}
