// batch and transaction (http://hl7.org/fhir/R4/http.html#transaction): a Bundle POSTed to the
// base. A batch runs each entry on its own; a transaction runs them all in one database
// transaction, DELETE, then POST (those an entry points at first), then PUT and PATCH, then GET,
// rewriting `urn:uuid:`/`urn:oid:` references to the ids the creates got and resolving conditional
// references (`Patient?identifier=...`). Any failing entry rolls the whole transaction back.
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import { FhirError } from '../outcome.js';
import type { Repository } from '../repository.js';
import { parseQuery, type AuditedEntry, type FhirRequest, type FhirResponse, type Query } from '../request.js';

/** A request with its path segments, as the router takes it. */
export type RoutedRequest = FhirRequest & { segments: string[] };

export interface BundleDeps {
  /** Routes one entry's request, with the given repository (the transaction's, for a transaction). */
  route(request: RoutedRequest, repository: Repository): Promise<FhirResponse>;
  newRepository(): Repository;
  /** Ids of `type` matching `query` (strict), two at most. */
  matching(type: string, query: Query, repository: Repository, request: FhirRequest): Promise<string[]>;
  maxEntries: number;
}

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const ORDER: Record<Method, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };
const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  422: 'Unprocessable Entity',
};

interface Entry {
  index: number;
  method: Method;
  url: string;
  fullUrl?: string;
  resource?: FhirResource;
  request: NonNullable<BundleEntry['request']>;
}

export async function processBundle(request: FhirRequest, deps: BundleDeps): Promise<FhirResponse> {
  const bundle = request.body as Bundle | undefined;
  if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle')
    throw FhirError.invalid('POST to the base takes a Bundle of type batch or transaction', ['resourceType']);
  if (bundle.type !== 'batch' && bundle.type !== 'transaction')
    throw FhirError.invalid(`a Bundle of type ${String(bundle.type)} cannot be processed; use batch or transaction`, [
      'Bundle.type',
    ]);
  const raw = bundle.entry ?? [];
  if (!Array.isArray(raw)) throw FhirError.invalid('Bundle.entry must be an array', ['Bundle.entry']);
  if (raw.length > deps.maxEntries)
    throw FhirError.tooLarge(`the Bundle has ${raw.length} entries; this server takes at most ${deps.maxEntries}`);
  const entries = raw.map((entry, index) => parseEntry(entry, index, request.baseUrl));
  if (bundle.type === 'batch') return batch(entries, request, deps);
  return transaction(entries, request, deps);
}

function parseEntry(entry: BundleEntry, index: number, baseUrl: string): Entry {
  const at = `Bundle.entry[${index}]`;
  const method = entry?.request?.method;
  if (!method || !(method in ORDER))
    throw FhirError.invalid(`${at}.request.method must be GET, HEAD, POST, PUT, PATCH or DELETE`, [
      `${at}.request.method`,
    ]);
  const url = entry.request!.url;
  if (typeof url !== 'string' || url.trim() === '')
    throw FhirError.invalid(`${at}.request.url is required`, [`${at}.request.url`]);
  const local = url.startsWith(`${baseUrl}/`) ? url.slice(baseUrl.length + 1) : url;
  if (/^[a-z][a-z0-9+.-]*:/i.test(local))
    throw FhirError.invalid(`${at}.request.url ${url} is not on this server`, [`${at}.request.url`]);
  if (['POST', 'PUT'].includes(method) && (!entry.resource || typeof entry.resource !== 'object'))
    throw FhirError.invalid(`${at}: a ${method} needs a resource`, [`${at}.resource`]);
  return {
    index,
    method: method as Method,
    url: local.replace(/^\//, ''),
    ...(typeof entry.fullUrl === 'string' ? { fullUrl: entry.fullUrl } : {}),
    ...(entry.resource ? { resource: entry.resource as FhirResource } : {}),
    request: entry.request!,
  };
}

/** The entry as the request the router takes. */
function entryRequest(entry: Entry, outer: FhirRequest, resource: unknown): RoutedRequest {
  const [path = '', search = ''] = entry.url.split('?', 2) as [string, string?];
  const query = parseQuery(`?${search ?? ''}`);
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/fhir+json',
    ...(outer.headers.prefer ? { prefer: outer.headers.prefer } : {}),
    ...(entry.request.ifMatch ? { 'if-match': entry.request.ifMatch } : {}),
    ...(entry.request.ifNoneMatch ? { 'if-none-match': entry.request.ifNoneMatch } : {}),
    ...(entry.request.ifNoneExist ? { 'if-none-exist': entry.request.ifNoneExist } : {}),
    ...(entry.request.ifModifiedSince ? { 'if-modified-since': entry.request.ifModifiedSince } : {}),
  };
  let body = resource;
  if (entry.method === 'PATCH') {
    const binary = resource as { resourceType?: string; contentType?: string; data?: string } | undefined;
    if (binary?.resourceType !== 'Binary' || !/json-patch\+json/.test(binary.contentType ?? '') || !binary.data)
      throw FhirError.invalid(
        `Bundle.entry[${entry.index}]: a PATCH carries a Binary of contentType application/json-patch+json`,
        [`Bundle.entry[${entry.index}].resource`],
      );
    try {
      body = JSON.parse(Buffer.from(binary.data, 'base64').toString('utf8'));
    } catch {
      throw FhirError.invalid(`Bundle.entry[${entry.index}]: the Binary's data is not a JSON Patch document`, [
        `Bundle.entry[${entry.index}].resource.data`,
      ]);
    }
    headers['content-type'] = 'application/json-patch+json';
  }
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { ...outer, method: entry.method, segments, query, headers, body };
}

function responseEntry(response: FhirResponse): BundleEntry {
  const headers = response.headers ?? {};
  const body =
    response.text !== undefined ? (JSON.parse(response.text) as FhirResource) : (response.json as FhirResource);
  const lastModified = headers['Last-Modified'] ? new Date(headers['Last-Modified']).toISOString() : undefined;
  return {
    ...(body ? { resource: body } : {}),
    response: {
      status: `${response.status} ${REASONS[response.status] ?? ''}`.trim(),
      ...(headers.Location ? { location: headers.Location } : {}),
      ...(headers.ETag ? { etag: headers.ETag } : {}),
      ...(lastModified ? { lastModified } : {}),
    },
  };
}

/** The entry's request for the audit trail when it could not even be made (a bad PATCH body). */
function attemptedRequest(entry: Entry, outer: FhirRequest): RoutedRequest {
  const [path = ''] = entry.url.split('?', 1);
  return { ...outer, method: entry.method, segments: path.split('/').filter(Boolean), query: {}, body: undefined };
}

async function batch(entries: Entry[], request: FhirRequest, deps: BundleDeps): Promise<FhirResponse> {
  const out: BundleEntry[] = [];
  const audited: AuditedEntry[] = [];
  for (const entry of entries) {
    let routed: RoutedRequest | undefined;
    try {
      routed = entryRequest(entry, request, entry.resource);
      const response = await deps.route(routed, deps.newRepository());
      audited.push({ request: routed, response });
      out.push(responseEntry(response));
    } catch (error) {
      if (!(error instanceof FhirError)) throw error;
      audited.push({ request: routed ?? attemptedRequest(entry, request), error });
      out.push({
        response: {
          status: `${error.status} ${REASONS[error.status] ?? ''}`.trim(),
          outcome: error.toOperationOutcome(),
        },
      });
    }
  }
  return {
    status: 200,
    json: { resourceType: 'Bundle', type: 'batch-response', entry: out } satisfies Bundle,
    audit: { entries: audited },
  };
}

const PLACEHOLDER = /^urn:(uuid|oid):/;
const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.+)$/;

/** Every `reference` string in a resource, with a way to replace it. */
function references(value: unknown, visit: (reference: string) => string | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => references(item, visit));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'reference' && typeof item === 'string') out[key] = visit(item) ?? item;
    else out[key] = references(item, visit);
  }
  return out;
}

/** POSTs whose resources point at other POSTs' fullUrls come after them (cycles keep Bundle order). */
function createOrder(posts: Entry[]): Entry[] {
  const byUrl = new Map(posts.filter((e) => e.fullUrl).map((e) => [e.fullUrl!, e]));
  const done = new Set<Entry>();
  const visiting = new Set<Entry>();
  const ordered: Entry[] = [];
  const visit = (entry: Entry) => {
    if (done.has(entry) || visiting.has(entry)) return;
    visiting.add(entry);
    references(entry.resource, (reference) => {
      const target = byUrl.get(reference);
      if (target && target !== entry) visit(target);
      return undefined;
    });
    visiting.delete(entry);
    done.add(entry);
    ordered.push(entry);
  };
  posts.forEach(visit);
  return ordered;
}

async function transaction(entries: Entry[], request: FhirRequest, deps: BundleDeps): Promise<FhirResponse> {
  const urls = entries.filter((e) => e.fullUrl).map((e) => e.fullUrl!);
  if (new Set(urls).size !== urls.length) throw FhirError.invalid('two entries of the transaction share a fullUrl');
  const byMethod = (methods: Method[]) => entries.filter((e) => methods.includes(e.method));
  const order = [
    ...byMethod(['DELETE']),
    ...createOrder(byMethod(['POST'])),
    ...byMethod(['PUT', 'PATCH']),
    ...byMethod(['GET', 'HEAD']),
  ];
  const responses = new Map<Entry, BundleEntry>();
  /** fullUrl → the Type/id the entry's resource has now. */
  const resolved = new Map<string, string>();
  // audited only once committed: a rolled-back transaction is one failed interaction
  const audited: AuditedEntry[] = [];
  await deps.newRepository().inOneTransaction(async (repository) => {
    audited.length = 0;
    for (const entry of order) {
      const at = `Bundle.entry[${entry.index}]`;
      try {
        const resource = await rewrite(entry, resolved, repository, request, deps);
        const routed = entryRequest({ ...entry, url: rewriteUrl(entry.url, resolved) }, request, resource);
        const response = await deps.route(routed, repository);
        audited.push({ request: routed, response });
        const answer = responseEntry(response);
        responses.set(entry, answer);
        const location = answer.response?.location;
        if (entry.fullUrl && location) {
          const match = /([A-Z][A-Za-z]+)\/([^/]+)\/_history\//.exec(location);
          if (match) resolved.set(entry.fullUrl, `${match[1]}/${match[2]}`);
        } else if (entry.fullUrl && entry.method === 'PUT' && answer.resource?.id)
          resolved.set(entry.fullUrl, `${answer.resource.resourceType}/${answer.resource.id}`);
      } catch (error) {
        if (!(error instanceof FhirError)) throw error;
        throw named(error, `${at} (${entry.method} ${entry.url})`);
      }
    }
  });
  return {
    status: 200,
    json: {
      resourceType: 'Bundle',
      type: 'transaction-response',
      entry: entries.map((entry) => responses.get(entry)!),
    } satisfies Bundle,
    audit: { entries: audited },
  };
}

function rewriteUrl(url: string, resolved: Map<string, string>): string {
  return resolved.get(url) ?? url;
}

async function rewrite(
  entry: Entry,
  resolved: Map<string, string>,
  repository: Repository,
  request: FhirRequest,
  deps: BundleDeps,
): Promise<unknown> {
  if (!entry.resource) return undefined;
  const conditional: string[] = [];
  const unknown: string[] = [];
  references(entry.resource, (reference) => {
    if (CONDITIONAL.test(reference)) conditional.push(reference);
    else if (PLACEHOLDER.test(reference) && !resolved.has(reference)) unknown.push(reference);
    return undefined;
  });
  if (unknown.length)
    throw FhirError.invalid(`${unknown[0]} names no entry of this transaction that was processed before`);
  const found = new Map<string, string>();
  for (const reference of new Set(conditional)) {
    const [, type, search] = CONDITIONAL.exec(reference)!;
    const ids = await deps.matching(type!, parseQuery(`?${search!}`), repository, request);
    if (ids.length !== 1)
      throw FhirError.preconditionFailed(
        `the conditional reference ${reference} matches ${ids.length === 0 ? 'no' : 'more than one'} ${type}`,
      );
    found.set(reference, `${type}/${ids[0]}`);
  }
  return references(entry.resource, (reference) => resolved.get(reference) ?? found.get(reference));
}

/** The error, its message saying which entry failed. */
function named(error: FhirError, where: string): FhirError {
  const renamed = new FhirError(error.code, error.messageCode, `${where}: ${error.message}`, {
    status: error.status,
    ...(error.expression ? { expression: error.expression } : {}),
    headers: error.headers,
  });
  if (error.issues?.length)
    renamed.issues = error.issues.map((issue) => ({ ...issue, diagnostics: `${where}: ${issue.diagnostics ?? ''}` }));
  return renamed;
}
