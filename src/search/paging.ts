// Sorting and keyset paging (http://hl7.org/fhir/R4/search.html#sort, http.html#paging): the
// page link carries the sort keys of the row it continues after, signed with the server's secret,
// so it works on any instance and after a restart, and stays right while rows are written.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ResourceMapping, SqlCondition } from '../../mappings/types.js';
import { FhirError } from '../fhir/outcome.js';
import { definitionOf } from './compile.js';
import { Unsupported } from './compile.js';

export interface SortKey {
  sql: string;
  descending: boolean;
}

/** The sort keys of a request; the id always ends them, so the order is total. */
export function sortKeys(mapping: ResourceMapping, sort: readonly { name: string; descending: boolean }[]): SortKey[] {
  return sort.map(({ name, descending }) => {
    const definition = definitionOf(mapping, name);
    if (!definition) throw FhirError.invalid(`_sort: ${mapping.resourceType} has no search parameter ${name}`);
    if (!definition.sort) throw new Unsupported(`_sort: ${mapping.resourceType}.${name} is not sortable`);
    return { sql: definition.sort, descending };
  });
}

/** ORDER BY for the keys then the id; `reverse` for the page before a cursor. */
export function orderBy(keys: readonly SortKey[], reverse: boolean): string {
  const parts = keys.map((k) => {
    const descending = k.descending !== reverse;
    return `${k.sql} ${descending ? 'desc' : 'asc'} nulls ${reverse ? 'first' : 'last'}`;
  });
  parts.push(`h.id ${reverse ? 'desc' : 'asc'}`, `h.resource_type ${reverse ? 'desc' : 'asc'}`);
  return parts.join(', ');
}

export interface Cursor {
  /** Continue after (next) or before (prev) the row whose keys these are. */
  direction: 'next' | 'prev';
  keys: (string | null)[];
  id: string;
  type: string;
  /** Hash of the query the cursor belongs to. */
  query: string;
}

/** The rows strictly after (or before) the cursor's row in the order of `keys` then id. */
export function keysetCondition(keys: readonly SortKey[], cursor: Cursor): SqlCondition {
  const reverse = cursor.direction === 'prev';
  const params: unknown[] = [];
  const build = (i: number): string => {
    if (i === keys.length) {
      // id then type: a Practitioner and its PractitionerRole share the doctors row's id (D3)
      const op = reverse ? '<' : '>';
      // the bound on h.id alone comes first so an index on the id can serve it
      params.push(cursor.id, cursor.id, cursor.type);
      return `(h.id ${op}= ?::uuid and (h.id ${op} ?::uuid or h.resource_type ${op} ?))`;
    }
    const key = keys[i]!;
    const value = cursor.keys[i] ?? null;
    const nullsLast = !reverse;
    const greater = key.descending !== reverse ? '<' : '>';
    if (value === null) {
      const rest = build(i + 1);
      return nullsLast
        ? `(${key.sql} is null and ${rest})`
        : `(${key.sql} is not null or (${key.sql} is null and ${rest}))`;
    }
    params.push(value);
    const beyond = `${key.sql} ${greater} ?`;
    params.push(value);
    const equal = `${key.sql} = ?`;
    const rest = build(i + 1);
    return nullsLast
      ? `(${beyond} or ${key.sql} is null or (${equal} and ${rest}))`
      : `(${beyond} or (${equal} and ${rest}))`;
  };
  const sql = build(0);
  return { sql, params };
}

const b64 = (buffer: Buffer) => buffer.toString('base64url');

export class CursorCodec {
  constructor(private readonly secret: string) {}

  private sign(payload: string): string {
    return b64(createHmac('sha256', this.secret).update(payload).digest().subarray(0, 18));
  }

  queryHash(canonicalQuery: string): string {
    return this.sign(`query:${canonicalQuery}`).slice(0, 12);
  }

  encode(cursor: Cursor): string {
    const payload = b64(
      Buffer.from(
        JSON.stringify([cursor.direction === 'prev' ? 1 : 0, cursor.keys, cursor.id, cursor.type, cursor.query]),
      ),
    );
    return `${payload}.${this.sign(payload)}`;
  }

  decode(token: string, queryHash: string): Cursor {
    const invalid = () => FhirError.invalid('_cursor is not a page link of this search (it may have been altered)');
    const [payload = '', signature = ''] = token.split('.');
    const expected = this.sign(payload);
    if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected)))
      throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    if (!Array.isArray(parsed) || parsed.length !== 5) throw invalid();
    const [direction, keys, id, type, query] = parsed as [number, (string | null)[], string, string, string];
    if (query !== queryHash || !Array.isArray(keys) || typeof id !== 'string' || typeof type !== 'string')
      throw invalid();
    return { direction: direction === 1 ? 'prev' : 'next', keys, id, type, query };
  }
}
