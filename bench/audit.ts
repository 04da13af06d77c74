// The audit scenario: `npm run bench -- audit [--patients N] [--duration S] [--rounds N]
// [--connections N] [--backup-patients N] [--keep]`. Patient read by id with auditing on and off, two
// of our servers over one PostgreSQL database, alternating rounds in the same run; then, with
// --backup-patients, backup, verified restore and restore times for a seeded dataset of that size
// (with --keep, the kept database of the other scenarios, reused when it holds that many patients).
// Writes .bench/audit.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCli } from '../test/support/cli.js';
import { projectRoot } from '../test/support/process.js';
import { onCleanup, withCleanup } from './cleanup.js';
import { readRequests, runLoad, type LoadResult } from './load.js';
import { benchDatabase, dropDatabase, freshDatabase, query } from './postgres.js';
import { startOurs, stop } from './processes.js';
import { writeJson } from './report.js';
import { runSeed } from './seed-runner.js';

const log = (message: string) => console.error(`[bench audit ${new Date().toISOString().slice(11, 19)}] ${message}`);

function options(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      patients: { type: 'string', default: '2000' },
      duration: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      'backup-patients': { type: 'string', default: '0' },
      keep: { type: 'boolean', default: false },
    },
  });
  const whole = (name: string, raw: string) => {
    if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be a whole number`);
    return Number(raw);
  };
  return {
    patients: whole('patients', values.patients),
    durationSeconds: whole('duration', values.duration),
    rounds: whole('rounds', values.rounds),
    connections: whole('connections', values.connections),
    backupPatients: whole('backup-patients', values['backup-patients']),
    keep: values.keep,
  };
}

async function readBench(o: ReturnType<typeof options>, scratch: string) {
  const url = await freshDatabase('fhir_bench_audit');
  onCleanup(() => dropDatabase('fhir_bench_audit'));
  const on = await startOurs({
    DATABASE_URL: url,
    DATA_DIR: scratch,
    AUDIT_ENABLED: 'true',
    ...(process.env.AUDIT_FLUSH_MS ? { AUDIT_FLUSH_MS: process.env.AUDIT_FLUSH_MS } : {}),
  });
  onCleanup(() => stop(on.proc));
  const off = await startOurs({ DATABASE_URL: url, DATA_DIR: scratch, AUDIT_ENABLED: 'false' });
  onCleanup(() => stop(off.proc));
  log(`seeding ${o.patients} patients`);
  await runSeed({ DATABASE_URL: url, DATA_DIR: scratch }, o.patients);
  const ids = (await query<{ id: string }>(url, 'select id from patients')).map((r) => r.id);
  for (const id of ids) await (await fetch(`${off.base}/Patient/${id}`)).arrayBuffer(); // renderings stored
  const before = Number((await query<{ n: string }>(url, 'select count(*) as n from audit_logs'))[0]!.n);
  const rounds: { audit: 'on' | 'off'; result: LoadResult; warmupRequests: number }[] = [];
  for (let round = 0; round < o.rounds; round++)
    for (const audit of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const target = audit === 'on' ? on : off;
      const warm = await runLoad({
        url: target.base,
        connections: o.connections,
        durationSeconds: 2,
        requests: readRequests('/fhir', ids),
      });
      const result = await runLoad({
        url: target.base,
        connections: o.connections,
        durationSeconds: o.durationSeconds,
        requests: readRequests('/fhir', ids),
      });
      log(`round ${round + 1} audit ${audit}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms`);
      rounds.push({ audit, result, warmupRequests: warm.requests });
    }
  await stop(on.proc); // graceful: the queue is flushed
  const audited = Number((await query<{ n: string }>(url, 'select count(*) as n from audit_logs'))[0]!.n) - before;
  const mean = (audit: 'on' | 'off', pick: (r: LoadResult) => number) => {
    const values = rounds.filter((r) => r.audit === audit).map((r) => pick(r.result));
    return values.reduce((a, b) => a + b, 0) / values.length;
  };
  const requestsOn = rounds
    .filter((r) => r.audit === 'on')
    .reduce((n, r) => n + r.result.requests + r.warmupRequests, 0);
  return {
    onRps: Math.round(mean('on', (r) => r.requestsPerSecond)),
    offRps: Math.round(mean('off', (r) => r.requestsPerSecond)),
    onP99: mean('on', (r) => r.p99Ms),
    offP99: mean('off', (r) => r.p99Ms),
    auditRowsWritten: audited,
    measuredRequestsWithAuditOn: requestsOn,
    rounds,
  };
}

async function backupBench(patients: number, keep: boolean, scratch: string) {
  const { url, reused } = await benchDatabase('fhir_bench_backup', patients, keep);
  let seededRows: number | undefined;
  if (reused) log(`backing up the kept database of ${patients} patients`);
  else {
    log(`seeding ${patients} patients for the backup figures`);
    seededRows = (await runSeed({ DATABASE_URL: url, DATA_DIR: scratch }, patients)).rows;
  }
  const [size] = await query<{ bytes: string }>(url, 'select pg_database_size(current_database()) as bytes');
  const dir = path.join(scratch, 'backups');
  const env = { DATABASE_URL: url, DATA_DIR: scratch, BACKUP_DIR: dir };
  const timed = async (args: string[], script = 'src/cli/backup.ts', extra: Record<string, string> = {}) => {
    const started = performance.now();
    const result = await runCli(script, args, { ...env, ...extra });
    if (result.code !== 0) throw new Error(`${script} ${args.join(' ')} failed: ${result.stderr}`);
    return { ms: Math.round(performance.now() - started), out: JSON.parse(result.stdout.trim().split('\n').pop()!) };
  };
  log('backup');
  const backup = await timed([]);
  log('backup --verify');
  const verify = await timed(['--verify']);
  const target = await freshDatabase('fhir_bench_restore');
  onCleanup(() => dropDatabase('fhir_bench_restore'));
  log('restore');
  const restore = await timed([backup.out.file], 'src/cli/restore.ts', { DATABASE_URL: target });
  return {
    patients,
    reusedKeptDatabase: reused,
    seededRows,
    databaseBytes: Number(size!.bytes),
    backupMs: backup.ms,
    backupBytes: backup.out.bytes,
    verifyMs: verify.ms,
    verifyOk: verify.out.ok,
    restoreMs: restore.ms,
  };
}

export async function runAudit(args: string[]): Promise<void> {
  const o = options(args);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-bench-audit-'));
  const load = () =>
    os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ');
  const report: Record<string, unknown> = { options: o, loadAtStart: load() };
  try {
    await withCleanup(async () => {
      report.read = await readBench(o, scratch);
    });
    if (o.backupPatients > 0)
      await withCleanup(async () => {
        report.backup = await backupBench(o.backupPatients, o.keep, scratch);
      });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    report.loadAtEnd = load();
    const file = path.join(projectRoot, '.bench', 'audit.json');
    writeJson(file, report);
    const read = report.read as Awaited<ReturnType<typeof readBench>> | undefined;
    if (read) {
      const slower = ((read.offRps - read.onRps) / read.offRps) * 100;
      console.log(
        `\nPatient read by id, PostgreSQL, ${o.patients} patients, ${o.connections} connections, ${o.rounds} rounds of ${o.durationSeconds} s`,
      );
      console.log(`| audit | req/s | p99 ms |\n| --- | --- | --- |`);
      console.log(
        `| on | ${read.onRps} | ${read.onP99.toFixed(1)} |\n| off | ${read.offRps} | ${read.offP99.toFixed(1)} |`,
      );
      console.log(
        `auditing on is ${slower.toFixed(1)}% slower; ${read.auditRowsWritten} audit rows written for the on-server's requests`,
      );
    }
    if (report.backup) console.log(`\nbackup: ${JSON.stringify(report.backup)}`);
    console.log(
      `load average ${report.loadAtStart} → ${report.loadAtEnd}; written to ${path.relative(projectRoot, file)}`,
    );
  }
}
