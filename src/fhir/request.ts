// Transport-free FHIR requests and responses (the REST layer's contract with src/http).
import type { OperationOutcome } from 'fhir/r4.js';
import type { ResourceMapping } from '../../mappings/types.js';
import type { SearchEngine } from '../search/engine.js';
import type { FhirAccess } from './access.js';
import { FhirError } from './outcome.js';
import type { Repository, StoredVersion } from './repository.js';

export type Query = Record<string, string | string[]>;

/** Who is calling, once authorization has established it (absent while auth is off). */
export interface Principal {
  /** users.id of the signed-in user. */
  userId?: string;
  email?: string;
  /** The OAuth client (SMART app or backend service). */
  clientId?: string;
  /** users.roles, e.g. admin, auditor, doctor, patient. */
  roles?: string[];
  /** The Patient id (patients.id) the user is, or the launch context's patient. */
  patientId?: string;
}

export interface FhirRequest {
  method: string;
  /** The FHIR base URL as clients see it, e.g. https://fhir.example.org/fhir */
  baseUrl: string;
  query: Query;
  headers: Record<string, string | undefined>;
  body: unknown;
  principal?: Principal;
  /** The client's address (Express req.ip, which honours TRUST_PROXY). */
  clientAddress?: string;
  /**
   * What the caller's token allows (D8); absent when authorization is off. Its `filter` is the
   * search engine's access hook (src/search/access.ts): ANDed into every match, count and include.
   */
  access?: FhirAccess;
}

/** What an interaction tells the audit trail beyond the request itself (D9). */
export interface AuditFacts {
  /** The resource written (create gives it its id). */
  entityId?: string;
  /** Patients whose data the response returned (searches). */
  patients?: string[];
  /** Elements an update changed: their values before and after. */
  changes?: { old: Record<string, unknown> | null; new: Record<string, unknown> | null };
  /** A Bundle's entries: each interaction it ran, audited as a row of its own besides the Bundle's. */
  entries?: AuditedEntry[];
}

/** One interaction a Bundle ran: its request, and its answer or its refusal. */
export interface AuditedEntry {
  request: FhirRequest & { segments: string[] };
  response?: FhirResponse;
  error?: unknown;
}

export interface FhirResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON text sent as it is (stored renderings), or a value to serialise. */
  text?: string;
  json?: unknown;
  /** A file sent as it is, streamed (bulk export output). */
  file?: { path: string; contentType: string };
  audit?: AuditFacts;
}

export interface InteractionContext {
  repository: Repository;
  mapping: ResourceMapping;
  request: FhirRequest;
  search: SearchEngine;
}

export const etag = (versionId: number) => `W/"${versionId}"`;

/** If-Match / If-None-Match: W/"3" or "3" → 3; anything else is a 400. */
export function parseETag(header: string, name: string): number {
  const match = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  if (!match) throw FhirError.invalid(`${name} must be an ETag such as W/"3", got ${header}`);
  return Number(match[1]);
}

export function versionHeaders(version: StoredVersion, baseUrl: string): Record<string, string> {
  return {
    ETag: etag(version.versionId),
    'Last-Modified': version.lastUpdated.toUTCString(),
    'Content-Location': `${baseUrl}/${version.resourceType}/${version.id}/_history/${version.versionId}`,
  };
}

export type ReturnPreference = 'minimal' | 'representation' | 'OperationOutcome';

export function returnPreference(request: FhirRequest): ReturnPreference {
  const prefer = request.headers.prefer ?? '';
  const match = /return=(minimal|representation|OperationOutcome)/.exec(prefer);
  return (match?.[1] as ReturnPreference | undefined) ?? 'representation';
}

/** The answer to a write, shaped by Prefer: return=... (http.html#ops). */
export function writeResponse(status: number, version: StoredVersion, request: FhirRequest): FhirResponse {
  const headers = {
    ...versionHeaders(version, request.baseUrl),
    Location: `${request.baseUrl}/${version.resourceType}/${version.id}/_history/${version.versionId}`,
  };
  const preference = returnPreference(request);
  if (preference === 'minimal') return { status, headers };
  if (preference === 'OperationOutcome') {
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'information',
          code: 'informational',
          diagnostics: `${version.resourceType}/${version.id} version ${version.versionId} stored`,
        },
      ],
    };
    return { status, headers, json: outcome };
  }
  return { status, headers, text: version.body };
}

export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** An empty Query with no prototype, so that keys such as `toString` or `__proto__` are just names. */
export function emptyQuery(): Query {
  return Object.create(null) as Query;
}

/** A query string (the part after `?` when there is one) as a Query: repeated keys become arrays. */
export function parseQuery(text: string): Query {
  const query = emptyQuery();
  for (const [key, value] of new URLSearchParams(text.replace(/^[^?]*\?/, ''))) {
    const existing = query[key];
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}
