// The bulk scenario's export part: a system $export of everything through our server, twice (the
// first renders what was never read, the second streams the stored renderings), against
// `COPY (SELECT <the same rows>) TO STDOUT` through node-postgres (pg-copy-streams) into a file.
import fs from 'node:fs';
import path from 'node:path';
import { mappings } from '../mappings/index.js';
import type { ResourceMapping } from '../mappings/types.js';
import { appendOnlyColumns } from '../src/fhir/repository.js';
import { resourcesOf } from '../src/search/compile.js';
import { onCleanup } from './cleanup.js';
import { query } from './postgres.js';
import { startOurs, stop } from './processes.js';
import { copyQueryToFile } from './table-rows.js';

export const mbPerSecond = (bytes: number, ms: number) => Math.round((bytes / 1024 / 1024 / (ms / 1000)) * 100) / 100;
export const perSecond = (n: number, ms: number) => Math.round((n / Math.max(ms, 1)) * 1000);

/** Starts the process's VmHWM afresh at its current resident set (Linux clear_refs, as root); false if refused. */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak resident set of a process (VmHWM), or its current one (VmRSS), in MB. */
export function rssMb(pid: number, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number | undefined {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1];
  return kb ? Math.round(Number(kb) / 1024) : undefined;
}

export interface ExportRun {
  label: string;
  ms: number;
  resources: number;
  bytes: number;
  resourcesPerSecond: number;
  mbPerSecond: number;
  /** The job's folder of NDJSON files (until `remove` deletes the job). */
  dir: string;
  types: { type: string; count: number }[];
  /** DELETE of the status URL: the job and its files are gone. */
  remove: () => Promise<void>;
}

async function exportOnce(base: string, exportDir: string, label: string): Promise<ExportRun> {
  const started = performance.now();
  const kick = await fetch(`${base}/$export`, {
    headers: { prefer: 'respond-async', accept: 'application/fhir+json' },
  });
  if (kick.status !== 202) throw new Error(`kick-off: ${kick.status} ${await kick.text()}`);
  const status = kick.headers.get('content-location')!.replace(/^https?:\/\/[^/]+\/fhir/, base);
  const remove = async () => {
    const res = await fetch(status, { method: 'DELETE' });
    if (res.status !== 202 && res.status !== 404) throw new Error(`DELETE ${status}: ${res.status}`);
  };
  for (;;) {
    const res = await fetch(status);
    if (res.status === 200) {
      const manifest = (await res.json()) as { output: { type: string; count: number }[] };
      const ms = Math.round(performance.now() - started);
      const dir = path.join(exportDir, status.split('/').pop()!);
      const bytes = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
      const resources = manifest.output.reduce((n, o) => n + o.count, 0);
      const types = manifest.output.map(({ type, count }) => ({ type, count }));
      return {
        label,
        ms,
        resources,
        bytes,
        resourcesPerSecond: perSecond(resources, ms),
        mbPerSecond: mbPerSecond(bytes, ms),
        dir,
        types,
        remove,
      };
    }
    if (res.status !== 202) {
      await remove();
      throw new Error(`poll: ${res.status} ${await res.text()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The mapping's SQL with its `?` parameters written in as literals (COPY takes no parameters). */
function inline(sql: string, params: readonly unknown[]): string {
  let i = 0;
  const out = sql.replace(/\?/g, () => `'${String(params[i++]).replace(/'/g, "''")}'`);
  if (i !== params.length) throw new Error(`expected ${params.length} parameters, found ${i}`);
  return out;
}

/**
 * What the export streams, per type, as one SELECT: the stored rendering of each current version;
 * for an append-only type (AuditEvent), which is rendered anew on every read and stores no
 * rendering, the snapshot (the row's JSON) it is rendered from.
 */
export function renderedRowsSql(mapping: ResourceMapping): string {
  const from = resourcesOf(mapping);
  if (mapping.source.appendOnly) {
    const columns = appendOnlyColumns(mapping);
    return inline(`select (s.snapshot)::text from (select ${columns} from ${from.sql}) s`, from.params);
  }
  return inline(
    `select v.rendered from ${from.sql}
       join fhir_resource_versions v on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id
      where v.rendered is not null`,
    from.params,
  );
}

export interface ExportFigures {
  runs: Omit<ExportRun, 'dir' | 'remove'>[];
  /** Versions without a stored rendering before the first run (what it had to render). */
  unrenderedBefore: number;
  /** The server's resident set: at start, the peak of the first run, the peak of the second (when it could be reset between). */
  server: { rssAtStartMb?: number; firstRunPeakRssMb?: number; peakRssMb?: number; peakReset: boolean };
  copy: { ms: number; bytes: number; rows: number; mbPerSecond: number; resourcesPerSecond: number };
  /** ours / COPY, the second (stored renderings) run. */
  ratios: { mbPerSecond: number; resourcesPerSecond: number };
  /** The second run's NDJSON files, moved out of its job (deleted) for the import part. */
  files: string[];
}

/**
 * `url` is a seeded database. The server runs with AUDIT_ENABLED=false: its audit rows (kick-off,
 * polls) would otherwise be exported as AuditEvents mid-run and stay in a kept database.
 */
export async function measureExport(
  url: string,
  scratch: string,
  log: (message: string) => void,
): Promise<ExportFigures> {
  const exportDir = path.join(scratch, 'exports');
  const [{ n: unrenderedBefore } = { n: 0 }] = await query<{ n: number }>(
    url,
    `select count(*)::int as n from fhir_resources h join fhir_resource_versions v
      on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id
      where not h.deleted and v.rendered is null`,
  );
  const ours = await startOurs({
    DATABASE_URL: url,
    DATA_DIR: scratch,
    EXPORT_DIR: exportDir,
    EXPORT_POLL_MS: '100',
    AUDIT_ENABLED: 'false',
  });
  onCleanup(() => stop(ours.proc));
  const runs: ExportRun[] = [];
  try {
    const pid = ours.proc.child.pid!;
    const rssAtStartMb = rssMb(pid, 'VmRSS');
    let firstRunPeakRssMb: number | undefined;
    let peakReset = false;
    for (const label of [`first (renders ${unrenderedBefore} versions)`, 'second (stored renderings)']) {
      if (runs.length === 1) {
        firstRunPeakRssMb = rssMb(pid);
        peakReset = resetPeakRss(pid);
      }
      const run = await exportOnce(ours.base, exportDir, label);
      runs.push(run);
      log(`export ${label}: ${run.resources} resources, ${(run.bytes / 1048576).toFixed(1)} MB in ${run.ms} ms`);
    }
    const first = runs[0];
    const peakRssMb = rssMb(pid);
    const kept = runs[1]!;
    const filesDir = path.join(scratch, 'exported');
    fs.mkdirSync(filesDir, { recursive: true });
    // in the manifest's order (the registry's), so what a resource references is imported before it
    const files = kept.types.map(({ type }) => {
      fs.renameSync(path.join(kept.dir, `${type}.ndjson`), path.join(filesDir, `${type}.ndjson`));
      return path.join(filesDir, `${type}.ndjson`);
    });
    for (const run of runs.splice(0)) await run.remove();
    const byType = new Map(mappings.map((m) => [m.resourceType as string, m]));
    const select = kept.types.map((t) => renderedRowsSql(byType.get(t.type)!)).join('\nunion all\n');
    const copied = await copyQueryToFile(url, select, path.join(scratch, 'copy-export.txt'));
    const [{ n: rows } = { n: 0 }] = await query<{ n: number }>(url, `select count(*)::int as n from (${select}) r`);
    const copy = {
      ...copied,
      rows,
      mbPerSecond: mbPerSecond(copied.bytes, copied.ms),
      resourcesPerSecond: perSecond(rows, copied.ms),
    };
    fs.rmSync(path.join(scratch, 'copy-export.txt'), { force: true });
    log(`COPY TO: ${rows} rows, ${(copied.bytes / 1048576).toFixed(1)} MB in ${copied.ms} ms`);
    if (rows !== kept.resources) log(`warning: the export wrote ${kept.resources} resources, COPY ${rows} rows`);
    const round = (n: number) => Math.round(n * 100) / 100;
    return {
      runs: [first!, kept].map(({ dir: _dir, remove: _remove, ...figures }) => figures),
      unrenderedBefore,
      server: { rssAtStartMb, firstRunPeakRssMb, peakRssMb, peakReset },
      copy,
      ratios: {
        mbPerSecond: round(kept.mbPerSecond / copy.mbPerSecond),
        resourcesPerSecond: round(kept.resourcesPerSecond / copy.resourcesPerSecond),
      },
      files,
    };
  } catch (error) {
    for (const run of runs) await run.remove().catch(() => undefined);
    throw error;
  } finally {
    await stop(ours.proc);
  }
}
