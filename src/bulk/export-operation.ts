// $export kick-off, status, cancel and file requests (https://hl7.org/fhir/uv/bulkdata/STU2/export.html):
// kick-off checks the parameters and the token and stores a job (202 + Content-Location); the
// status URL answers 202 with X-Progress while it runs and 200 with the manifest when it is done;
// DELETE cancels; files are served only to the client that started the export.
import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ResourceMapping } from '../../mappings/types.js';
import { isUuid } from '../fhir/repository.js';
import { FhirError, operationOutcome } from '../fhir/outcome.js';
import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import type { SearchEngine } from '../search/engine.js';
import type { ExportJob, ExportJobs } from './export-jobs.js';
import { exportParameters, type ExportLevel } from './export-parameters.js';
import { jobDir, type ExportSettings } from './export-worker.js';
import { findGroup } from './groups.js';

export const EXPORT_STATUS = '$export-status';
export const EXPORT_FILE = '$export-file';

export interface BulkExportDeps {
  em: EntityManager;
  jobs: ExportJobs;
  mappings: readonly ResourceMapping[];
  search: SearchEngine;
  settings: ExportSettings;
  wake(): void;
}

const forbidden = (diagnostics: string) => new FhirError('forbidden', 'FHIR-0403', diagnostics);

/**
 * With authorization on, only a SMART Backend Services token (no user) exports, and only the
 * types its system scopes let it read in full (a scope restricted by search parameters does not).
 */
function permission(request: FhirRequest): ((mapping: ResourceMapping) => boolean) | undefined {
  const { access, principal } = request;
  if (!access) return undefined;
  if (!principal?.clientId || principal.userId)
    throw forbidden('$export needs a SMART Backend Services token (client_credentials) with system/ scopes');
  return (mapping) => {
    try {
      access.check(mapping, 'search-type');
    } catch {
      return false;
    }
    return access.filter(mapping, 'search-type') === undefined;
  };
}

export class BulkExport {
  constructor(private readonly deps: BulkExportDeps) {}

  private candidates(level: ExportLevel): ResourceMapping[] {
    return this.deps.mappings.filter(
      (m) => m.interactions.includes('search-type') && (level === 'system' || m.compartment !== undefined),
    );
  }

  async kickOff(request: FhirRequest, level: ExportLevel, groupId?: string): Promise<FhirResponse> {
    if (!/respond-async/.test(request.headers.prefer ?? ''))
      throw FhirError.invalid('$export runs asynchronously: send Prefer: respond-async');
    const permitted = permission(request);
    if (level === 'group' && !(groupId && (await findGroup(this.deps.em, groupId))))
      throw FhirError.notFound(`Group/${groupId ?? ''} is not known`);
    const parameters = exportParameters(request, level, this.candidates(level), this.deps.search, permitted);
    if (parameters.types.length === 0) throw forbidden("the access token's scopes allow no type to be exported");
    for (const id of parameters.patients ?? [])
      if (!isUuid(id)) throw FhirError.invalid(`patient: Patient/${id} is not known`, ['patient']);
    const job = await this.deps.jobs.create({
      request: requestUrl(request),
      parameters: { ...parameters, ...(groupId ? { groupId } : {}) },
      clientId: request.principal?.clientId,
      requiresAccessToken: request.access !== undefined,
    });
    this.deps.wake();
    return {
      status: 202,
      headers: { 'Content-Location': `${request.baseUrl}/${EXPORT_STATUS}/${job.id}` },
      json: operationOutcome('information', 'informational', `export ${job.id} accepted`),
    };
  }

  /** The job, if it exists and belongs to the caller (anyone else gets the 404 a stranger would). */
  private async owned(request: FhirRequest, id: string): Promise<ExportJob> {
    const job = isUuid(id) ? await this.deps.jobs.find(id) : undefined;
    if (!job || (job.client_id !== null && job.client_id !== request.principal?.clientId))
      throw FhirError.notFound(`export ${id} is not known (it may have been cancelled or expired)`);
    return job;
  }

  async status(request: FhirRequest, id: string): Promise<FhirResponse> {
    const job = await this.owned(request, id);
    if (job.status === 'accepted' || job.status === 'in-progress')
      return {
        status: 202,
        headers: { 'X-Progress': job.progress ?? job.status, 'Retry-After': '1' },
      };
    if (job.status === 'failed')
      return {
        status: 500,
        json: {
          resourceType: 'OperationOutcome',
          issue: job.errors.map((diagnostics) => ({ severity: 'error', code: 'exception', diagnostics })),
        },
      };
    return {
      status: 200,
      headers: job.expires_at ? { Expires: job.expires_at.toUTCString() } : {},
      json: {
        transactionTime: job.transaction_time.toISOString(),
        request: job.request,
        requiresAccessToken: job.requires_access_token,
        output: job.output.map((o) => ({
          type: o.type,
          url: `${request.baseUrl}/${EXPORT_FILE}/${job.id}/${o.file}`,
          count: o.count,
        })),
        error: [],
      },
    };
  }

  async cancel(request: FhirRequest, id: string): Promise<FhirResponse> {
    await this.owned(request, id);
    await this.deps.jobs.remove(id);
    fs.rmSync(jobDir(this.deps.settings, id), { recursive: true, force: true });
    return { status: 202, json: operationOutcome('information', 'informational', `export ${id} cancelled`) };
  }

  async file(request: FhirRequest, id: string, name: string): Promise<FhirResponse> {
    const job = await this.owned(request, id);
    const output = job.status === 'completed' ? job.output.find((o) => o.file === name) : undefined;
    if (!output) throw FhirError.notFound(`export ${id} has no file ${name}`);
    return {
      status: 200,
      file: { path: path.join(jobDir(this.deps.settings, id), output.file), contentType: 'application/fhir+ndjson' },
    };
  }
}

function requestUrl(request: FhirRequest & { segments?: string[] }): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(request.query))
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  const text = params.toString();
  return `${request.baseUrl}/${(request.segments ?? []).join('/')}${text ? `?${text}` : ''}`;
}
