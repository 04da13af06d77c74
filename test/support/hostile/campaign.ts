// A fuzzing campaign against a running server: fast-check draws hostile requests, each is sent and
// judged (verdict.ts), and every refused request must leave the database as it was (one checksum
// of all tables around each request). Shared by the CI suite and `npm run fuzz`.
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import type pg from 'pg';
import type { ResourceMapping } from '../../../mappings/types.js';
import { changedTables, fingerprint, fingerprintQuery } from './fingerprint.js';
import { hostileRequests, METHODS, routesOf, type HostileRequest } from './requests.js';
import { sendRaw } from './send.js';
import { problemsOf } from './verdict.js';

export interface CampaignTarget {
  origin: string;
  fhirBase: string;
  sql: pg.Client;
  mappings: readonly ResourceMapping[];
  authPaths?: readonly string[];
  /** Tables a refused request may legitimately touch (audit rows, login failure counters). */
  volatileTables?: readonly string[];
}

export interface CampaignResult {
  requests: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  ms: number;
  heapGrowthMb: number;
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

export function heapUsedMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1048576;
}

async function idsOf(sql: pg.Client, mappings: readonly ResourceMapping[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const m of mappings) {
    const { rows } = await sql.query<{ id: string }>(
      'select id from fhir_resources where resource_type = $1 and not deleted order by id limit 1',
      [m.resourceType],
    );
    if (rows[0]) ids[m.resourceType] = rows[0].id;
  }
  return ids;
}

export async function runCampaign(
  target: CampaignTarget,
  options: { runs: number; seed: number; onProgress?: (done: number) => void },
): Promise<CampaignResult> {
  const started = Date.now();
  const ids = await idsOf(target.sql, target.mappings);
  const arb = hostileRequests({
    fhirBase: target.fhirBase,
    mappings: target.mappings,
    ids,
    authPaths: target.authPaths,
  });
  const query = await fingerprintQuery(target.sql, ['audit_logs', ...(target.volatileTables ?? [])]);
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  let requests = 0;
  const heapBefore = heapUsedMb();

  const check = async (request: HostileRequest) => {
    const before = await fingerprint(target.sql, query);
    const reply = await sendRaw(target.origin, request);
    requests++;
    options.onProgress?.(requests);
    byStatus[reply.status] = (byStatus[reply.status] ?? 0) + 1;
    byKind[request.kind] = (byKind[request.kind] ?? 0) + 1;
    const problems = problemsOf(request, reply, target.authPaths);
    if (reply.status >= 400) {
      const after = await fingerprint(target.sql, query);
      if (after !== before) problems.push(`a refused request changed ${changedTables(before, after).join(', ')}`);
    }
    const health = await sendRaw(target.origin, { method: 'GET', path: '/healthz' });
    if (health.status !== 200) problems.push(`the server stopped answering /healthz (${health.status})`);
    if (problems.length > 0) {
      const body = request.body ? request.body.subarray(0, 300).toString('utf8') : '';
      throw new Error(
        `${request.method} ${request.path.slice(0, 300)} (${request.kind}) ${JSON.stringify(request.headers).slice(0, 300)} ${body}\n → ${reply.status}: ${problems.join('; ')}`,
      );
    }
  };

  await fc.assert(fc.asyncProperty(arb, check), {
    numRuns: options.runs,
    seed: options.seed,
    endOnFailure: false,
    interruptAfterTimeLimit: undefined,
  });
  return { requests, byStatus, byKind, ms: Date.now() - started, heapGrowthMb: heapUsedMb() - heapBefore };
}

/**
 * Every method on every route once, without a body, at ids that do not exist: each answer judged,
 * and the database unchanged by the whole sweep (nothing in it is a valid write).
 */
export async function sweepRoutes(
  target: CampaignTarget,
): Promise<{ requests: number; byStatus: Record<string, number> }> {
  const query = await fingerprintQuery(target.sql, ['audit_logs', ...(target.volatileTables ?? [])]);
  const before = await fingerprint(target.sql, query);
  const routes = routesOf({
    fhirBase: target.fhirBase,
    mappings: target.mappings,
    ids: {},
    authPaths: target.authPaths,
  });
  const byStatus: Record<string, number> = {};
  const failures: string[] = [];
  let requests = 0;
  for (const path of routes)
    for (const method of METHODS) {
      const reply = await sendRaw(target.origin, { method, path, headers: { accept: 'application/fhir+json' } });
      requests++;
      byStatus[reply.status] = (byStatus[reply.status] ?? 0) + 1;
      const problems = problemsOf({ method, path }, reply, target.authPaths);
      if (problems.length > 0) failures.push(`${method} ${path} → ${reply.status}: ${problems.join('; ')}`);
    }
  const after = await fingerprint(target.sql, query);
  if (after !== before) failures.push(`the sweep changed ${changedTables(before, after).join(', ')}`);
  if (failures.length > 0) throw new Error(failures.slice(0, 20).join('\n'));
  return { requests, byStatus };
}
