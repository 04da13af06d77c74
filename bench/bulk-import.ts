// The bulk scenario's import part: `npm run import` (the CLI, as a child process) of the export's
// NDJSON files into an empty migrated database, against `COPY FROM STDIN` (pg-copy-streams) of the
// rows that import wrote (dumped with COPY TO first) into another empty migrated database.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../test/support/process.js';
import { perSecond } from './bulk-export.js';
import { onCleanup } from './cleanup.js';
import { dropDatabase, freshDatabase } from './postgres.js';
import { copyTablesIn, copyTablesOut, tableCounts, writtenTables } from './table-rows.js';

const DATABASE = 'fhir_bench_bulk_import';
const COPY_DATABASE = 'fhir_bench_bulk_copy';

/** A CLI of src/cli as a child process: its exit code, stdout lines, wall time. */
function runCli(entry: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; lines: string[]; ms: number }>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    onCleanup(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
    child.on('error', reject);
    child.on('exit', (code) => {
      const lines = out.split('\n').filter(Boolean);
      if (code !== 0 && code !== 1) return reject(new Error(`${entry} exited with ${code}:\n${err}`));
      resolve({ code, lines, ms: Math.round(performance.now() - started) });
    });
  });
}

async function migrated(name: string, scratch: string): Promise<string> {
  const url = await freshDatabase(name);
  const run = await runCli('src/cli/migrate.ts', [], { DATABASE_URL: url, DATA_DIR: scratch });
  if (run.code !== 0) throw new Error(`migrate exited with ${run.code}`);
  return url;
}

interface ImportSummary {
  written: number;
  rejected: number;
  skipped: Record<string, number>;
  ms: number;
  resourcesPerSecond: number;
}

export async function measureImport(files: readonly string[], scratch: string, log: (message: string) => void) {
  // dropped when done; the cleanups cover an interrupted run (dropping again is harmless)
  onCleanup(() => dropDatabase(DATABASE));
  onCleanup(() => dropDatabase(COPY_DATABASE));
  try {
    const url = await migrated(DATABASE, scratch);
    const before = await tableCounts(url);
    log(`import: ${files.length} NDJSON files (${files.map((f) => path.basename(f, '.ndjson')).join(', ')})`);
    const run = await runCli('src/cli/import.ts', [...files], {
      DATABASE_URL: url,
      DATA_DIR: scratch,
      MIGRATE_ON_START: 'false',
    });
    const summary = JSON.parse(run.lines.pop()!) as ImportSummary;
    const rejected = run.lines.slice(0, 3);
    if (summary.rejected) log(`warning: the import rejected ${summary.rejected} resources, e.g. ${rejected[0]}`);
    const after = await tableCounts(url);
    const tables = writtenTables(before, after);
    const written = Object.fromEntries(tables.map((t) => [t, after[t]!]));
    log(
      `import: ${summary.written} written in ${summary.ms} ms (${run.ms} ms with the CLI's start); rows ${JSON.stringify(written)}`,
    );

    const dumps = path.join(scratch, 'copy-import');
    fs.mkdirSync(dumps, { recursive: true });
    const bytes = await copyTablesOut(url, tables, dumps);
    await dropDatabase(DATABASE);
    const target = await migrated(COPY_DATABASE, scratch);
    const copied = await copyTablesIn(target, tables, dumps);
    const again = await tableCounts(target);
    for (const t of tables)
      if (again[t] !== after[t])
        throw new Error(`COPY FROM baseline: ${t} has ${again[t]} rows, the import wrote ${after[t]}`);
    fs.rmSync(dumps, { recursive: true, force: true });
    log(
      `COPY FROM: ${Object.values(written).reduce((a, b) => a + b, 0)} rows, ${(bytes / 1048576).toFixed(1)} MB in ${copied.ms} ms`,
    );
    const baseline = {
      ms: copied.ms,
      bytes,
      resourcesPerSecond: perSecond(summary.written, copied.ms),
      tables: written,
    };
    const ours = {
      ...summary,
      wallMs: run.ms,
      wallResourcesPerSecond: perSecond(summary.written, run.ms),
      ...(rejected.length ? { firstRejected: rejected } : {}),
    };
    const ratio = (n: number) => Math.round((n / baseline.resourcesPerSecond) * 1000) / 1000;
    return {
      ours,
      baseline,
      ratio: ratio(ours.resourcesPerSecond),
      ratioWithCliStart: ratio(ours.wallResourcesPerSecond),
    };
  } finally {
    await dropDatabase(DATABASE);
    await dropDatabase(COPY_DATABASE);
  }
}
