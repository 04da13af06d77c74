// The export scenario: `npm run bench -- export [--patients N]`. A seeded PostgreSQL database;
// a system $export of everything through our server (twice: the first renders what was never
// read, the second streams the stored renderings), against `COPY (SELECT ...) TO STDOUT` of the
// same renderings written to a file (psql's \copy: node-postgres has no COPY stream without an
// extra package). Resources/s, MB/s and the server's peak RSS; writes .bench/export.json.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../test/support/process.js';
import { onCleanup, withCleanup } from './cleanup.js';
import { dropDatabase, freshDatabase, query } from './postgres.js';
import { startOurs, stop } from './processes.js';
import { writeJson } from './report.js';
import { runSeed } from './seed-runner.js';

const log = (message: string) => console.error(`[bench export ${new Date().toISOString().slice(11, 19)}] ${message}`);

/** Peak resident set of a process (VmHWM), in MB. */
function peakRssMb(pid: number): number | undefined {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Math.round(Number(kb) / 1024) : undefined;
}

async function exportOnce(base: string, dir: string) {
  const started = performance.now();
  const kick = await fetch(`${base}/$export`, {
    headers: { prefer: 'respond-async', accept: 'application/fhir+json' },
  });
  if (kick.status !== 202) throw new Error(`kick-off: ${kick.status} ${await kick.text()}`);
  const status = kick.headers.get('content-location')!.replace(/^https?:\/\/[^/]+\/fhir/, base);
  for (;;) {
    const res = await fetch(status);
    if (res.status === 200) {
      const manifest = (await res.json()) as { output: { type: string; count: number }[] };
      const ms = performance.now() - started;
      const job = path.join(dir, status.split('/').pop()!);
      const bytes = fs.readdirSync(job).reduce((n, f) => n + fs.statSync(path.join(job, f)).size, 0);
      const resources = manifest.output.reduce((n, o) => n + o.count, 0);
      return { ms: Math.round(ms), resources, bytes };
    }
    if (res.status !== 202) throw new Error(`poll: ${res.status} ${await res.text()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function copyBaseline(url: string, file: string): Promise<{ ms: number; bytes: number }> {
  const sql = `\\copy (select v.rendered from fhir_resources h join fhir_resource_versions v
    on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id
    where not h.deleted and v.rendered is not null) to stdout`;
  const started = performance.now();
  const out = fs.createWriteStream(file);
  const child = spawn('psql', [url, '-X', '-q', '-c', sql.replace(/\s+/g, ' ')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.pipe(out);
  const [code] = (await once(child, 'exit')) as [number | null];
  if (!out.closed) await once(out, 'close');
  if (code !== 0) throw new Error(`psql exited with ${code}`);
  return { ms: Math.round(performance.now() - started), bytes: fs.statSync(file).size };
}

export async function runExportBench(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, strict: true, options: { patients: { type: 'string', default: '500' } } });
  if (!/^\d+$/.test(values.patients)) throw new Error('--patients must be a whole number');
  const patients = Number(values.patients);
  await withCleanup(async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-export-'));
    onCleanup(() => fs.rmSync(scratch, { recursive: true, force: true }));
    const url = await freshDatabase('fhir_bench_export');
    onCleanup(() => dropDatabase('fhir_bench_export'));
    const exportDir = path.join(scratch, 'exports');
    const ours = await startOurs({
      DATABASE_URL: url,
      DATA_DIR: scratch,
      EXPORT_DIR: exportDir,
      EXPORT_POLL_MS: '100',
    });
    onCleanup(() => stop(ours.proc));
    log(`seeding ${patients} patients`);
    await runSeed({ DATABASE_URL: url, DATA_DIR: scratch }, patients);
    const mb = (bytes: number, ms: number) => Math.round((bytes / 1024 / 1024 / (ms / 1000)) * 100) / 100;
    const runs = [];
    for (const label of ['first (renders)', 'second (stored renderings)']) {
      const r = await exportOnce(ours.base, exportDir);
      const perSecond = Math.round((r.resources / r.ms) * 1000);
      log(`${label}: ${r.resources} resources, ${(r.bytes / 1024 / 1024).toFixed(1)} MB in ${r.ms} ms`);
      runs.push({ label, ...r, resourcesPerSecond: perSecond, mbPerSecond: mb(r.bytes, r.ms) });
    }
    const rss = peakRssMb(ours.proc.child.pid!);
    const copy = await copyBaseline(url, path.join(scratch, 'copy.ndjson'));
    const [{ n } = { n: '0' }] = await query<{ n: string }>(
      url,
      'select count(*) as n from fhir_resources where not deleted',
    );
    const baseline = { ...copy, rows: Number(n), mbPerSecond: mb(copy.bytes, copy.ms) };
    log(`COPY baseline: ${baseline.rows} rows, ${(copy.bytes / 1024 / 1024).toFixed(1)} MB in ${copy.ms} ms`);
    const report = {
      patients,
      machine: { cpus: os.cpus().length, node: process.version },
      runs,
      baseline,
      serverPeakRssMb: rss,
      ratioToCopy: Math.round((runs[1]!.mbPerSecond / baseline.mbPerSecond) * 100) / 100,
    };
    writeJson(path.join(projectRoot, '.bench', 'export.json'), report);
    console.log(JSON.stringify(report, null, 2));
  });
}
