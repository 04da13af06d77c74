// The export jobs table (fhir_export_jobs, D11): every instance reads and writes job state here.
// A job is run by the instance holding its lease; `claim` takes a runnable one with
// FOR UPDATE SKIP LOCKED (so two instances never take the same), `renew` is its heartbeat and
// fails once the job was cancelled (deleted) or its lease passed to another instance.
import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../db/raw-query.js';
import type { ExportParameters } from './export-parameters.js';

export type JobStatus = 'accepted' | 'in-progress' | 'completed' | 'failed';

export interface OutputFile {
  type: string;
  /** File name under the job's folder. */
  file: string;
  count: number;
}

export interface ExportJob {
  id: string;
  status: JobStatus;
  request: string;
  parameters: ExportParameters;
  client_id: string | null;
  requires_access_token: boolean;
  transaction_time: Date;
  progress: string | null;
  output: OutputFile[];
  errors: string[];
  attempts: number;
  expires_at: Date | null;
}

const COLUMNS = `id, status, request, parameters, client_id, requires_access_token, transaction_time, progress,
  output, errors, attempts, expires_at`;

const parse = (row: ExportJob): ExportJob => ({
  ...row,
  parameters: typeof row.parameters === 'string' ? JSON.parse(row.parameters) : row.parameters,
  output: typeof row.output === 'string' ? JSON.parse(row.output) : row.output,
  errors: typeof row.errors === 'string' ? JSON.parse(row.errors) : row.errors,
  transaction_time: new Date(row.transaction_time),
  expires_at: row.expires_at === null ? null : new Date(row.expires_at),
});

export class ExportJobs {
  constructor(private readonly em: EntityManager) {}

  async create(job: {
    request: string;
    parameters: ExportParameters;
    clientId: string | undefined;
    requiresAccessToken: boolean;
  }): Promise<ExportJob> {
    const [row] = await rawQuery<ExportJob>(
      this.em,
      `insert into fhir_export_jobs (request, parameters, client_id, requires_access_token, transaction_time)
       values (?, ?::jsonb, ?, ?, now()) returning ${COLUMNS}`,
      [job.request, JSON.stringify(job.parameters), job.clientId ?? null, job.requiresAccessToken],
    );
    return parse(row!);
  }

  async find(id: string): Promise<ExportJob | undefined> {
    const [row] = await rawQuery<ExportJob>(
      this.em,
      `select ${COLUMNS} from fhir_export_jobs where id = ?::uuid and (expires_at is null or expires_at > now())`,
      [id],
    );
    return row ? parse(row) : undefined;
  }

  /** Cancels (or forgets) a job: its row goes, so its runner's next heartbeat fails and it stops. */
  async remove(id: string): Promise<boolean> {
    const rows = await rawQuery(this.em, 'delete from fhir_export_jobs where id = ?::uuid returning id', [id]);
    return rows.length > 0;
  }

  /** A job that is waiting, or whose runner's lease ran out (an instance that stopped or died), now ours. */
  async claim(owner: string, leaseSeconds: number): Promise<ExportJob | undefined> {
    const [row] = await rawQuery<ExportJob>(
      this.em,
      `update fhir_export_jobs set status = 'in-progress', lease_owner = ?,
         lease_until = now() + make_interval(secs => ?), attempts = attempts + 1
       where id = (select id from fhir_export_jobs
         where status = 'accepted' or (status = 'in-progress' and lease_until < now())
         order by created_at limit 1 for update skip locked)
       returning ${COLUMNS}`,
      [owner, leaseSeconds],
    );
    return row ? parse(row) : undefined;
  }

  /** The heartbeat: progress and finished files recorded, lease extended; false once the job is no longer ours. */
  async renew(
    id: string,
    owner: string,
    leaseSeconds: number,
    progress: string,
    output: OutputFile[],
  ): Promise<boolean> {
    const rows = await rawQuery(
      this.em,
      `update fhir_export_jobs set lease_until = now() + make_interval(secs => ?), progress = ?, output = ?::jsonb
       where id = ?::uuid and lease_owner = ? and status = 'in-progress' returning id`,
      [leaseSeconds, progress, JSON.stringify(output), id, owner],
    );
    return rows.length > 0;
  }

  /** Hands a job back (a graceful stop): runnable again at once, its finished files kept. */
  async release(id: string, owner: string, output: OutputFile[]): Promise<void> {
    await rawQuery(
      this.em,
      `update fhir_export_jobs set lease_until = now(), output = ?::jsonb, progress = 'interrupted; resumes'
       where id = ?::uuid and lease_owner = ?`,
      [JSON.stringify(output), id, owner],
    );
  }

  async finish(
    id: string,
    owner: string,
    result: { status: 'completed' | 'failed'; output: OutputFile[]; errors: string[]; keepSeconds: number },
  ): Promise<boolean> {
    const rows = await rawQuery(
      this.em,
      `update fhir_export_jobs set status = ?, output = ?::jsonb, errors = ?::jsonb, progress = null,
         lease_owner = null, lease_until = null, finished_at = now(), expires_at = now() + make_interval(secs => ?)
       where id = ?::uuid and lease_owner = ? returning id`,
      [result.status, JSON.stringify(result.output), JSON.stringify(result.errors), result.keepSeconds, id, owner],
    );
    return rows.length > 0;
  }

  /** Jobs past their time: their rows go; the caller removes their files. */
  async expire(): Promise<string[]> {
    const rows = await rawQuery<{ id: string }>(
      this.em,
      'delete from fhir_export_jobs where expires_at <= now() returning id',
      [],
    );
    return rows.map((r) => r.id);
  }

  /** Every job id still known (to tell a job folder left behind from one in use). */
  async knownIds(): Promise<Set<string>> {
    const rows = await rawQuery<{ id: string }>(this.em, 'select id from fhir_export_jobs', []);
    return new Set(rows.map((r) => r.id));
  }
}
