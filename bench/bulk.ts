// The bulk scenario (issue 9's figures): `npm run bench -- bulk [--patients N] [--resources N]
// [--clients N] [--bundle N] [--keep] [--only export,ingest,import]`, in one run on PostgreSQL
// (BENCH_DATABASE_URL):
//   - export: a system $export of everything through our server (resources/s, MB/s, the server's
//     peak RSS) against COPY (SELECT <the same rows>) TO STDOUT through node-postgres into a file
//     (bench/bulk-export.ts), on a database of N seeded patients (the kept one with --keep);
//   - ingest: transaction Bundles of `--bundle` Patient creates from `--clients` clients, `--resources`
//     in all, into a fresh database, against multi-row INSERTs (1,000 rows each) of the rows our
//     server wrote (bench/bulk-ingest.ts);
//   - import: `npm run import` of the export's files into an empty database against COPY FROM of
//     the rows it wrote (bench/bulk-import.ts).
// Prints a markdown table and writes .bench/bulk.json (`export`, the export part alone: .bench/export.json).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../test/support/process.js';
import { measureExport, type ExportFigures } from './bulk-export.js';
import { measureImport } from './bulk-import.js';
import { measureIngest } from './bulk-ingest.js';
import { onCleanup, withCleanup } from './cleanup.js';
import { benchDatabase } from './postgres.js';
import { writeJson } from './report.js';
import { runSeed } from './seed-runner.js';

const DATABASE = 'fhir_bench_bulk';
const PARTS = ['export', 'ingest', 'import'] as const;
type Part = (typeof PARTS)[number];
const log = (message: string) => console.error(`[bench bulk ${new Date().toISOString().slice(11, 19)}] ${message}`);

function whole(name: string, raw: string, min = 1): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
  return Number(raw);
}

const loadAverage = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

export async function runBulkBench(args: string[], defaults: { only?: Part[]; report?: string } = {}): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      patients: { type: 'string', default: '100000' },
      resources: { type: 'string', default: '20000' },
      clients: { type: 'string', default: '4' },
      bundle: { type: 'string', default: '100' },
      keep: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const only = values.only ? values.only.split(',').map((p) => p.trim()) : (defaults.only ?? [...PARTS]);
  for (const part of only)
    if (!(PARTS as readonly string[]).includes(part))
      throw new Error(`--only: "${part}" is not one of ${PARTS.join(', ')}`);
  const parts = new Set(only as Part[]);
  if (parts.has('import')) parts.add('export'); // the import loads what the export wrote
  const options = {
    patients: whole('patients', values.patients),
    resources: whole('resources', values.resources),
    clients: whole('clients', values.clients),
    bundle: whole('bundle', values.bundle),
    keep: values.keep,
    parts: PARTS.filter((p) => parts.has(p)),
  };
  const notes = [`machine: ${os.cpus().length} CPUs, load average ${loadAverage()} at the start`];
  const report: Record<string, unknown> = { options, machine: { cpus: os.cpus().length, node: process.version } };
  await withCleanup(async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bulk-'));
    onCleanup(() => fs.rmSync(scratch, { recursive: true, force: true }));
    let exported: ExportFigures | undefined;
    if (parts.has('export')) {
      const { url, reused } = await benchDatabase(DATABASE, options.patients, options.keep);
      if (reused) notes.push(`reused the kept database of ${options.patients} patients`);
      else {
        log(`seeding ${options.patients} patients`);
        const seeded = await runSeed({ DATABASE_URL: url, DATA_DIR: scratch }, options.patients);
        notes.push(`seeded ${seeded.rows} rows in ${(seeded.ms / 1000).toFixed(1)} s`);
      }
      exported = await measureExport(url, scratch, log);
      const { files: _files, ...figures } = exported;
      report.export = figures;
    }
    if (parts.has('ingest')) report.ingest = await measureIngest({ ...options, insertRows: 1000 }, scratch, log);
    if (parts.has('import')) {
      const imported = await measureImport(exported!.files, scratch, log);
      report.import = imported;
      if (imported.ours.rejected)
        notes.push(`the import rejected ${imported.ours.rejected} resources: its figure is not comparable`);
    }
  });
  notes.push(`load average ${loadAverage()} at the end`);
  report.notes = notes;
  report.finishedAt = new Date().toISOString();
  const file = path.join(projectRoot, '.bench', defaults.report ?? 'bulk.json');
  writeJson(file, report);
  console.log(
    `\n${table(report)}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\nwritten to ${path.relative(projectRoot, file)}`,
  );
}

type Figures = { resourcesPerSecond: number; mbPerSecond?: number };
function table(report: Record<string, unknown>): string {
  const int = (n: number | undefined) => (n === undefined ? '' : Math.round(n).toLocaleString('en-US'));
  const lines = [
    '| part | ours resources/s | baseline resources/s | ratio | ours MB/s | baseline MB/s | MB/s ratio | server peak RSS MB |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const row = (name: string, ours: Figures, base: Figures, ratio: number, rss?: number, mbRatio?: number) =>
    lines.push(
      `| ${name} | ${int(ours.resourcesPerSecond)} | ${int(base.resourcesPerSecond)} | ${ratio.toFixed(3)} | ` +
        `${ours.mbPerSecond ?? ''} | ${base.mbPerSecond ?? ''} | ${mbRatio?.toFixed(2) ?? ''} | ${rss ?? ''} |`,
    );
  const e = report.export as Omit<ExportFigures, 'files'> | undefined;
  if (e) {
    const first = e.runs[0]!;
    row(
      `export, ${first.label}`,
      first,
      e.copy,
      first.resourcesPerSecond / e.copy.resourcesPerSecond,
      e.server.firstRunPeakRssMb,
    );
    row(
      `export, ${e.runs[1]!.label} vs COPY TO`,
      e.runs[1]!,
      e.copy,
      e.ratios.resourcesPerSecond,
      e.server.peakRssMb,
      e.ratios.mbPerSecond,
    );
  }
  const g = report.ingest as Awaited<ReturnType<typeof measureIngest>> | undefined;
  if (g)
    row(
      `ingest, Bundles of ${g.options.bundle} × ${g.options.clients} clients vs INSERT`,
      g.ours,
      g.baseline,
      g.ratio,
      g.ours.peakRssMb,
    );
  const i = report.import as Awaited<ReturnType<typeof measureImport>> | undefined;
  if (i) {
    row('import (its own timing) vs COPY FROM', i.ours, i.baseline, i.ratio);
    row(
      'import (CLI wall time)',
      { resourcesPerSecond: i.ours.wallResourcesPerSecond },
      i.baseline,
      i.ratioWithCliStart,
    );
  }
  return lines.join('\n');
}
