// Transport-free FHIR requests and responses (the REST layer's contract with src/http).
import type { OperationOutcome } from 'fhir/r4.js';
import type { ResourceMapping } from '../../mappings/types.js';
import type { SearchAccess } from '../search/access.js';
import type { SearchEngine } from '../search/engine.js';
import { FhirError } from './outcome.js';
import type { Repository, StoredVersion } from './repository.js';

export type Query = Record<string, string | string[]>;

export interface FhirRequest {
  method: string;
  /** The FHIR base URL as clients see it, e.g. https://fhir.example.org/fhir */
  baseUrl: string;
  query: Query;
  headers: Record<string, string | undefined>;
  body: unknown;
  /** Set by the authorization layer: the rows this request may see, in every search's SQL. */
  access?: SearchAccess;
}

export interface FhirResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON text sent as it is (stored renderings), or a value to serialise. */
  text?: string;
  json?: unknown;
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
