// Runs export jobs (https://hl7.org/fhir/uv/bulkdata/STU2/export.html#bulk-data-output-file-request):
// each instance claims waiting jobs from PostgreSQL and writes one NDJSON file per type, reading
// the stored renderings in keyset batches ordered by id (so memory stays flat), renewing its
// lease with every batch. A job whose runner died is claimed again once the lease passes: the
// types already finished keep their files, the one under way starts over.
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ResourceMapping, SqlCondition } from '../../mappings/types.js';
import { rawQuery } from '../db/raw-query.js';
import type { Repository, VersionRow } from '../fhir/repository.js';
import { parseQuery } from '../fhir/request.js';
import { subset } from '../fhir/summary.js';
import type { Logger } from '../log.js';
import type { SearchEngine } from '../search/engine.js';
import { parseSearchRequest } from '../search/parse.js';
import { and, or } from '../search/sql.js';
import type { ExportJob, ExportJobs, OutputFile } from './export-jobs.js';
import type { ExportParameters } from './export-parameters.js';
import { findGroup } from './groups.js';

export interface ExportSettings {
  /** Folder of the output files, one sub-folder per job (EXPORT_DIR). */
  dir: string;
  leaseSeconds: number;
  batchSize: number;
  /** How long a finished job and its files are kept (EXPORT_RETENTION). */
  keepSeconds: number;
  pollMs: number;
}

export interface ExportWorkerDeps {
  em: EntityManager;
  jobs: ExportJobs;
  byType: ReadonlyMap<string, ResourceMapping>;
  search: SearchEngine;
  repository: () => Repository;
  baseUrl: string;
  owner: string;
  logger: Logger;
  stopping?: () => boolean;
}

/** The rows of one type a job exports: _since, _typeFilter and the patients of its level. */
export async function exportCondition(
  deps: Pick<ExportWorkerDeps, 'em' | 'search' | 'baseUrl'>,
  mapping: ResourceMapping,
  parameters: ExportParameters,
): Promise<SqlCondition> {
  const parts: SqlCondition[] = [];
  if (parameters.since) parts.push({ sql: 'h.last_updated > ?::timestamptz', params: [parameters.since] });
  const filters = parameters.typeFilters[mapping.resourceType] ?? [];
  if (filters.length)
    parts.push(
      or(
        filters.map(
          (text) =>
            deps.search.filter(mapping, parseSearchRequest(parseQuery(text)), { strict: true, baseUrl: deps.baseUrl })
              .where,
        ),
      ),
    );
  if (parameters.level !== 'system') {
    const column = mapping.compartment?.Patient;
    if (!column) return { sql: 'false', params: [] };
    parts.push({ sql: `${column} is not null`, params: [] });
    if (parameters.patients) parts.push({ sql: `${column} = any(?::uuid[])`, params: [parameters.patients] });
    if (parameters.level === 'group') {
      const group = parameters.groupId ? await findGroup(deps.em, parameters.groupId) : undefined;
      if (!group) throw new Error(`Group/${parameters.groupId ?? ''} no longer exists`);
      parts.push({ sql: `${column} in (${group.members.sql})`, params: group.members.params });
    }
  }
  return and(parts);
}

export const jobDir = (settings: ExportSettings, id: string) => path.join(settings.dir, id);

class LostJob extends Error {}
/** The server is stopping: the job is handed back (its lease ended now) for the next start or another instance. */
class Stopping extends Error {}

async function exportType(
  deps: ExportWorkerDeps,
  settings: ExportSettings,
  job: ExportJob,
  mapping: ResourceMapping,
  output: OutputFile[],
): Promise<OutputFile | undefined> {
  const { parameters } = job;
  const where = await exportCondition(deps, mapping, parameters);
  const file = `${mapping.resourceType}.ndjson`;
  // made again per type: a cancel may have removed it meanwhile (the next heartbeat then stops the job)
  fs.mkdirSync(jobDir(settings, job.id), { recursive: true });
  const stream = fs.createWriteStream(path.join(jobDir(settings, job.id), file));
  let failed: Error | undefined;
  stream.on('error', (error) => (failed = error));
  const repository = deps.repository();
  let count = 0;
  let after: { id: string } | undefined;
  try {
    for (;;) {
      const cursor = after && {
        direction: 'next' as const,
        keys: [],
        id: after.id,
        type: mapping.resourceType,
        query: '',
      };
      const page = deps.search.pageQuery(mapping, where, [], settings.batchSize, cursor);
      const rows = await rawQuery<VersionRow>(deps.em, page.sql, page.params);
      for (const version of await repository.materialiseRows(mapping, rows)) {
        if (!version.body) continue;
        const line = parameters.elements
          ? JSON.stringify(subset(JSON.parse(version.body), mapping, undefined, parameters.elements))
          : version.body;
        // a stream that failed (its folder removed by a cancel) never drains: stop at its error
        if (!stream.write(`${line}\n`) && !stream.destroyed) await once(stream, 'drain');
        if (failed) throw failed;
        count++;
      }
      if (rows.length < settings.batchSize) break;
      if (deps.stopping?.()) throw new Stopping();
      after = rows[rows.length - 1]!;
      const progress = `${mapping.resourceType}: ${count} resources`;
      if (!(await deps.jobs.renew(job.id, deps.owner, settings.leaseSeconds, progress, output))) throw new LostJob();
    }
  } finally {
    if (!stream.closed) {
      stream.end();
      await once(stream, 'close');
    }
  }
  if (failed) throw failed;
  return count > 0 ? { type: mapping.resourceType, file, count } : undefined;
}

async function runJob(deps: ExportWorkerDeps, settings: ExportSettings, job: ExportJob): Promise<void> {
  const dir = jobDir(settings, job.id);
  fs.mkdirSync(dir, { recursive: true });
  const output = [...job.output];
  try {
    for (const type of job.parameters.types) {
      if (output.some((o) => o.type === type)) continue; // finished before a restart
      const mapping = deps.byType.get(type);
      if (!mapping) continue;
      const written = await exportType(deps, settings, job, mapping, output);
      if (written) output.push(written);
      else fs.rmSync(path.join(dir, `${type}.ndjson`), { force: true });
      const progress = `${output.length} of ${job.parameters.types.length} types`;
      if (!(await deps.jobs.renew(job.id, deps.owner, settings.leaseSeconds, progress, output))) throw new LostJob();
    }
    await deps.jobs.finish(job.id, deps.owner, {
      status: 'completed',
      output,
      errors: [],
      keepSeconds: settings.keepSeconds,
    });
  } catch (error) {
    if (error instanceof Stopping) return void (await deps.jobs.release(job.id, deps.owner, output));
    if (error instanceof LostJob) {
      // cancelled (the row is gone) or taken over: the files are no longer ours to keep
      if (!(await deps.jobs.find(job.id))) fs.rmSync(dir, { recursive: true, force: true });
      return;
    }
    deps.logger.error({ err: error, job: job.id }, 'export job failed');
    await deps.jobs.finish(job.id, deps.owner, {
      status: 'failed',
      output: [],
      errors: [error instanceof Error ? error.message : String(error)],
      keepSeconds: settings.keepSeconds,
    });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface ExportWorker {
  /** Looks for work now (after a kick-off) rather than at the next poll. */
  wake(): void;
  stop(): Promise<void>;
}

export function startExportWorker(base: ExportWorkerDeps, settings: ExportSettings): ExportWorker {
  let stopped = false;
  const deps = { ...base, stopping: () => stopped };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function sweep() {
    for (const id of await deps.jobs.expire()) fs.rmSync(jobDir(settings, id), { recursive: true, force: true });
  }

  async function tick() {
    try {
      await sweep();
      for (;;) {
        if (stopped) return;
        const job = await deps.jobs.claim(deps.owner, settings.leaseSeconds);
        if (!job) return;
        await runJob(deps, settings, job);
      }
    } catch (error) {
      if (!stopped) deps.logger.error({ err: error }, 'export worker: a pass failed; it tries again');
    }
  }

  function schedule(ms: number) {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (running) return schedule(settings.pollMs);
      running = tick().finally(() => {
        running = undefined;
        schedule(settings.pollMs);
      });
    }, ms);
    timer.unref();
  }
  schedule(settings.pollMs);

  return {
    wake: () => {
      if (!running) schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
