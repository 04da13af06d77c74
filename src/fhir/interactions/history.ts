// history at instance, type and system level (http://hl7.org/fhir/R4/http.html#history), newest
// first, with _since, _at, _count and keyset paging that stays stable while versions are added.
import type { ResourceMapping } from '../../../mappings/types.js';
import { rawQuery } from '../../db/raw-query.js';
import { FhirError } from '../outcome.js';
import type { Repository, VersionRow } from '../repository.js';
import { single, type FhirRequest, type FhirResponse } from '../request.js';

interface HistoryRow extends VersionRow {
  resource_type: string;
  cursor_time: string;
}

const INSTANT = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function instant(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (!INSTANT.test(value) || Number.isNaN(Date.parse(value.length === 4 ? `${value}-01-01` : value)))
    throw FhirError.invalid(`${name} must be a date or instant such as 2026-12-01T10:00:00Z, got ${value}`);
  return new Date(value.length === 4 ? `${value}-01-01` : value).toISOString();
}

interface Cursor {
  t: string;
  k: string;
}

const encodeCursor = (row: HistoryRow): string =>
  Buffer.from(
    JSON.stringify({
      t: row.cursor_time,
      k: `${row.resource_type}/${row.id}/${String(row.version_id).padStart(10, '0')}`,
    }),
  ).toString('base64url');

function decodeCursor(text: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    if (typeof cursor.t === 'string' && typeof cursor.k === 'string') return cursor;
  } catch {
    // fall through
  }
  throw FhirError.invalid('_page is not a page token of this server');
}

export async function history(
  repository: Repository,
  mappings: ReadonlyMap<string, ResourceMapping>,
  request: FhirRequest,
  scope: { type?: string; id?: string },
): Promise<FhirResponse> {
  const since = instant(single(request.query, '_since'), '_since');
  const at = instant(single(request.query, '_at'), '_at');
  const countText = single(request.query, '_count') ?? '50';
  if (!/^\d+$/.test(countText)) throw FhirError.invalid(`_count must be a whole number, got ${countText}`);
  const count = Math.min(Number(countText), 500);
  const page = single(request.query, '_page');
  const types = scope.type ? [scope.type] : [...mappings.keys()];
  const where = ['true'];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (since) add('v.last_updated > ?', since);
  if (at) add('v.last_updated <= ? and (v.next_updated is null or v.next_updated > ?)', at, at);
  if (page) {
    const cursor = decodeCursor(page);
    add('(v.last_updated, v.sort_key) < (?::timestamptz, ?)', cursor.t, cursor.k);
  }
  const rows = await rawQuery<HistoryRow>(
    repository.reader,
    `select * from (
       select v.resource_type, v.id, v.version_id, v.last_updated, v.deleted, v.rendered,
              case when v.rendered is null then v.snapshot end as snapshot,
              v.last_updated::text as cursor_time,
              v.resource_type || '/' || v.id || '/' || lpad(v.version_id::text, 10, '0') as sort_key,
              lead(v.last_updated) over (partition by v.resource_type, v.id order by v.version_id) as next_updated
         from fhir_resource_versions v
        where v.resource_type in (${types.map(() => '?').join(', ')})${scope.id ? ' and v.id = ?' : ''}
     ) v where ${where.join(' and ')}
     order by v.last_updated desc, v.sort_key desc limit ?`,
    [...types, ...(scope.id ? [scope.id] : []), ...params, count + 1],
  );
  const more = rows.length > count;
  const pageRows = rows.slice(0, count);
  const entries: string[] = [];
  for (const row of pageRows) {
    const [version] = await repository.materialiseRows(mappings.get(row.resource_type)!, [row]);
    const first = row.version_id === 1;
    const method = version!.deleted ? 'DELETE' : first ? 'POST' : 'PUT';
    const status = version!.deleted ? '204 No Content' : first ? '201 Created' : '200 OK';
    const entry = {
      fullUrl: `${request.baseUrl}/${row.resource_type}/${row.id}`,
      request: { method, url: method === 'POST' ? row.resource_type : `${row.resource_type}/${row.id}` },
      response: { status, etag: `W/"${row.version_id}"`, lastModified: new Date(row.last_updated).toISOString() },
    };
    const text = JSON.stringify(entry);
    entries.push(version!.body ? `${text.slice(0, -1)},"resource":${version!.body}}` : text);
  }
  const self = new URL(
    `${request.baseUrl}/${[scope.type, scope.id].filter(Boolean).join('/')}${scope.type || scope.id ? '/' : ''}_history`,
  );
  for (const [key, value] of Object.entries(request.query))
    for (const v of Array.isArray(value) ? value : [value]) self.searchParams.append(key, v);
  const links = [{ relation: 'self', url: self.toString() }];
  if (more) {
    const next = new URL(self);
    next.searchParams.set('_page', encodeCursor(pageRows[pageRows.length - 1]!));
    links.push({ relation: 'next', url: next.toString() });
  }
  const head = JSON.stringify({ resourceType: 'Bundle', type: 'history', link: links });
  return { status: 200, text: entries.length ? `${head.slice(0, -1)},"entry":[${entries.join(',')}]}` : head };
}
