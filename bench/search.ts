// The search scenarios: `npm run bench -- search [--patients N] [--duration S] [--warmup S]
// [--connections N] [--only a,b] [--keep]`. PostgreSQL (BENCH_DATABASE_URL, database fhir_bench_search, dropped after):
// N seeded patients; p50/p99 and throughput of searches by name, identifier, birthdate range,
// gender + name, _lastUpdated range and one with _revinclude, and the rate of paging through all
// patients at _count=100, for our server and a bare node:http baseline running the same SQL
// (bench/search-baseline.ts). Prints a markdown table and writes .bench/search.json.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { projectRoot, freePort, spawnServer, waitForOk } from '../test/support/process.js';
import { onCleanup, withCleanup } from './cleanup.js';
import { runLoad, type LoadResult } from './load.js';
import { benchDatabase, KEPT_DATABASE, query } from './postgres.js';
import { startOurs, stop, type Running } from './processes.js';
import { writeJson } from './report.js';
import { runSeed } from './seed-runner.js';

const DATABASE = KEPT_DATABASE;
const NUMBER_SYSTEM = 'https://fhir-interop-server.dev/fhir/sid/patient-number';
const log = (message: string) => console.error(`[bench search ${new Date().toISOString().slice(11, 19)}] ${message}`);

interface Samples {
  /** Patients with appointments from `since` on, with active prescriptions; doctors with availability. */
  appointmentPatients: string[];
  prescriptionPatients: string[];
  doctors: string[];
  since: string;
  names: string[];
  numbers: string[];
  doctorNames: string[];
  months: string[];
  updated: { from: number; to: number };
}

/** One scenario: the same search as a FHIR URL for ours and a baseline path. */
type Pick = () => { ours: string; baseline: string };

const any = <T>(values: T[]) => values[Math.floor(Math.random() * values.length)]!;

function scenarios(s: Samples): Record<string, Pick> {
  const window = Math.max(1000, Math.round((s.updated.to - s.updated.from) / 500));
  return {
    name: () => {
      const v = any(s.names);
      return { ours: `/Patient?name=${encodeURIComponent(v)}`, baseline: `/search/name?a=${encodeURIComponent(v)}` };
    },
    identifier: () => {
      const v = any(s.numbers);
      return {
        ours: `/Patient?identifier=${encodeURIComponent(`${NUMBER_SYSTEM}|${v}`)}`,
        baseline: `/search/identifier?a=${v}`,
      };
    },
    'birthdate range': () => {
      const month = any(s.months);
      const [y, m] = month.split('-').map(Number) as [number, number];
      const end = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
      return {
        ours: `/Patient?birthdate=ge${month}&birthdate=lt${end}`,
        baseline: `/search/birthdate?a=${month}-01&b=${end}-01`,
      };
    },
    'gender + name': () => {
      const v = any(s.names);
      const g = Math.random() < 0.5 ? 'female' : 'male';
      return {
        ours: `/Patient?gender=${g}&name=${encodeURIComponent(v)}`,
        baseline: `/search/gender%2Bname?a=${g}&b=${encodeURIComponent(v)}`,
      };
    },
    '_lastUpdated range': () => {
      const from = s.updated.from + Math.floor(Math.random() * (s.updated.to - s.updated.from));
      const a = new Date(from).toISOString();
      const b = new Date(from + window).toISOString();
      return {
        ours: `/Patient?_lastUpdated=ge${a}&_lastUpdated=lt${b}`,
        baseline: `/search/lastUpdated?a=${a}&b=${b}`,
      };
    },
    'Appointment?patient&date': () => {
      const v = any(s.appointmentPatients);
      return {
        ours: `/Appointment?patient=${v}&date=ge${s.since}`,
        baseline: `/search/appointment?a=${v}&b=${s.since}`,
      };
    },
    'MedicationRequest?patient&status': () => {
      const v = any(s.prescriptionPatients);
      return { ours: `/MedicationRequest?patient=${v}&status=active`, baseline: `/search/medication-request?a=${v}` };
    },
    'Slot?schedule&status&start': () => {
      const v = any(s.doctors);
      const start = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
      return { ours: `/Slot?schedule=${v}&status=free&start=ge${start}`, baseline: `/search/slot?a=${v}&b=${start}` };
    },
    _revinclude: () => {
      const v = any(s.doctorNames);
      return {
        ours: `/Practitioner?name=${encodeURIComponent(v)}&_revinclude=PractitionerRole:practitioner`,
        baseline: `/search/revinclude?a=${encodeURIComponent(v)}`,
      };
    },
  };
}

function requests(prefix: string, pick: Pick, target: 'ours' | 'baseline'): autocannon.Request[] {
  return [
    {
      method: 'GET',
      headers: { accept: 'application/fhir+json' },
      setupRequest: (request) => ({ ...request, path: `${prefix}${pick()[target]}` }),
    },
  ];
}

/** Follows next links from `first` to the end; resources per second. */
async function pageThrough(
  base: string,
  first: string,
): Promise<{ resources: number; seconds: number; pages: number }> {
  const started = performance.now();
  let url: string | undefined = `${base}${first}`;
  let resources = 0;
  let pages = 0;
  while (url) {
    const res = await fetch(url, { headers: { accept: 'application/fhir+json' } });
    if (res.status !== 200) throw new Error(`paging: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { entry?: unknown[]; link?: { relation: string; url: string }[] };
    resources += body.entry?.length ?? 0;
    pages++;
    const next = body.link?.find((l) => l.relation === 'next')?.url;
    url = next
      ? next.startsWith('http')
        ? next.replace(/^https?:\/\/[^/]+/, new URL(base).origin)
        : `${base}${next}`
      : undefined;
  }
  return { resources, pages, seconds: (performance.now() - started) / 1000 };
}

/** GETs every path once, four at a time. */
async function warm(base: string, paths: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const res = await fetch(`${base}${paths[next++]}`, { headers: { accept: 'application/fhir+json' } });
      await res.arrayBuffer();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

async function startSearchBaseline(databaseUrl: string): Promise<Running> {
  const port = await freePort();
  const proc = spawnServer(
    { DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', BASELINE_POOL_MAX: '16' },
    'bench/search-baseline.ts',
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForOk(`${base}/healthz`, proc, 60000);
  return { base, prefix: '', proc };
}

async function samples(url: string): Promise<Samples> {
  const names = await query<{ v: string }>(
    url,
    `select distinct left("lastName", 4) as v from users where 'patient' = any(roles) and length("lastName") >= 4 limit 500`,
  );
  const numbers = await query<{ v: string }>(
    url,
    `select "userId" as v from users where "userId" like 'PAT-%' limit 5000`,
  );
  const doctors = await query<{ v: string }>(
    url,
    `select distinct left("lastName", 3) as v from users where 'doctor' = any(roles) and length("lastName") >= 3 limit 200`,
  );
  const months = await query<{ v: string }>(
    url,
    `select distinct to_char("dateOfBirth", 'YYYY-MM') as v from users where "dateOfBirth" is not null limit 2000`,
  );
  const [updated] = await query<{ a: Date; b: Date }>(
    url,
    `select min(last_updated) as a, max(last_updated) as b from fhir_resources where resource_type = 'Patient'`,
  );
  const since = new Date(Date.now() - 90 * 86400000).toISOString().slice(0, 10);
  const appointmentPatients = await query<{ v: string }>(
    url,
    `select distinct "patientId" as v from appointments where "appointmentDate" >= '${since}' limit 1000`,
  );
  const prescriptionPatients = await query<{ v: string }>(
    url,
    `select distinct "patientId" as v from prescriptions where status in ('active', 'issued') limit 1000`,
  );
  const doctorIds = await query<{ v: string }>(url, `select id as v from doctors where "deletedAt" is null limit 2000`);
  return {
    appointmentPatients: appointmentPatients.map((r) => r.v),
    prescriptionPatients: prescriptionPatients.map((r) => r.v),
    doctors: doctorIds.map((r) => r.v),
    since,
    names: names.map((r) => r.v),
    numbers: numbers.map((r) => r.v),
    doctorNames: doctors.map((r) => r.v),
    months: months.map((r) => r.v),
    updated: { from: new Date(updated!.a).getTime(), to: new Date(updated!.b).getTime() },
  };
}

export async function runSearchBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      patients: { type: 'string', default: '100000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '16' },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const only = values.only?.split(',').map((name) => name.trim().toLowerCase());
  const wanted = (scenario: string) => !only || only.some((name) => scenario.toLowerCase().includes(name));
  const options = {
    patients: Number(values.patients),
    durationSeconds: Number(values.duration),
    warmupSeconds: Number(values.warmup),
    connections: Number(values.connections),
  };
  const rows: { scenario: string; ours: LoadResult; baseline: LoadResult }[] = [];
  const paging: Record<string, { resources: number; seconds: number; pages: number }> = {};
  const notes: string[] = [
    `machine: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  ];
  await withCleanup(async () => {
    const { url, reused } = await benchDatabase(DATABASE, options.patients, values.keep);
    const scratch = path.join(os.tmpdir(), `fhir-bench-search-${process.pid}`);
    const env = { DATABASE_URL: url, DATA_DIR: scratch };
    log('starting our server');
    const ours = await startOurs(env);
    onCleanup(() => stop(ours.proc));
    if (reused) notes.push(`reused the kept database of ${options.patients} patients`);
    else {
      log(`seeding ${options.patients} patients`);
      const seeded = await runSeed(env, options.patients);
      notes.push(`seeded ${seeded.rows} rows in ${(seeded.ms / 1000).toFixed(1)} s`);
    }
    await query(url, 'analyze');
    log('rendering every Patient, Practitioner and PractitionerRole once (paging through them)');
    for (const type of ['Patient', 'Practitioner', 'PractitionerRole']) {
      const warm = await pageThrough(ours.base, `/${type}?_count=1000`);
      notes.push(
        `warm-up: ${type} ${warm.resources} resources in ${warm.pages} pages, ${warm.seconds.toFixed(1)} s (renders lazily)`,
      );
    }
    // the warm-up's renderings leave dead tuples: clean up before measuring, not during
    await query(url, 'vacuum analyze');
    const baseline = await startSearchBaseline(url);
    onCleanup(() => stop(baseline.proc));
    const sampled = await samples(url);
    const picks = scenarios(sampled);
    // the clinical searches' resources render on first read: read each sampled patient's once
    const warmPaths = [
      ...(wanted('Appointment?')
        ? sampled.appointmentPatients.map((p) => `/Appointment?patient=${p}&date=ge${sampled.since}`)
        : []),
      ...(wanted('MedicationRequest?')
        ? sampled.prescriptionPatients.map((p) => `/MedicationRequest?patient=${p}&status=active`)
        : []),
    ];
    if (warmPaths.length) {
      const started = performance.now();
      await warm(ours.base, warmPaths);
      notes.push(
        `warm-up: ${warmPaths.length} clinical searches of the sampled patients, ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    const chosen = Object.entries(picks).filter(([scenario]) => wanted(scenario));
    for (const [scenario, pick] of chosen) {
      const result: Partial<Record<'ours' | 'baseline', LoadResult>> = {};
      for (const [name, target] of [
        ['ours', ours],
        ['baseline', baseline],
      ] as const) {
        log(`${scenario}: ${name}`);
        const load = (durationSeconds: number) =>
          runLoad({
            url: target.base,
            connections: options.connections,
            durationSeconds,
            requests: requests(target.prefix, pick, name),
          });
        await load(options.warmupSeconds);
        result[name] = await load(options.durationSeconds);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      rows.push({ scenario, ours: result.ours!, baseline: result.baseline! });
    }
    if (!only || only.includes('paging')) {
      log('paging through all patients at _count=100');
      paging.ours = await pageThrough(ours.base, '/Patient?_count=100');
      paging.baseline = await pageThrough(baseline.base, '/page');
    }
  });
  const f = (n: number) => n.toFixed(1);
  const lines = [
    `Search, ${options.patients} patients, ${options.connections} connections, ${options.durationSeconds} s per scenario (after ${options.warmupSeconds} s warm-up), PostgreSQL`,
    '',
    '| scenario | ours p50 ms | ours p99 ms | ours req/s | baseline p50 ms | baseline p99 ms | baseline req/s | p99 ours/baseline | throughput ours/baseline | non-2xx ours / baseline |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${f(r.ours.p50Ms)} | ${f(r.ours.p99Ms)} | ${Math.round(r.ours.requestsPerSecond)} | ${f(r.baseline.p50Ms)} | ${f(r.baseline.p99Ms)} | ${Math.round(r.baseline.requestsPerSecond)} | ${(r.ours.p99Ms / r.baseline.p99Ms).toFixed(2)} | ${(r.ours.requestsPerSecond / r.baseline.requestsPerSecond).toFixed(2)} | ${r.ours.non2xx} / ${r.baseline.non2xx} |`,
    ),
  ];
  if (paging.ours && paging.baseline) {
    const rate = (p: { resources: number; seconds: number }) => p.resources / p.seconds;
    lines.push(
      '',
      `paging through all patients at _count=100 (one client): ours ${Math.round(rate(paging.ours))} resources/s ` +
        `(${paging.ours.resources} in ${paging.ours.pages} pages), baseline ${Math.round(rate(paging.baseline))} resources/s; ` +
        `ratio ${(rate(paging.ours) / rate(paging.baseline)).toFixed(2)}`,
    );
  }
  notes.push(
    `load average at the end ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );
  const file = path.join(projectRoot, '.bench', 'search.json');
  writeJson(file, { options, finishedAt: new Date().toISOString(), rows, paging, notes });
  console.log(
    `\n${lines.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\nwritten to ${path.relative(projectRoot, file)}`,
  );
}
