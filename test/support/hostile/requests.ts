// Hostile HTTP requests, generated with fast-check: every method on every route the server has
// (derived from the mapping registry, so new resources are covered), with malformed, truncated,
// deeply nested, huge, mistyped, prototype-polluting and badly encoded bodies, SQL and JSONPath
// metacharacters in every search value, and absurd headers.
import fc from 'fast-check';
import type { ResourceMapping } from '../../../mappings/types.js';

export interface HostileRequest {
  method: string;
  /** Path and query, already encoded as it goes on the wire. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What the request attacks, for the report of a failure. */
  kind: string;
}

export interface Surface {
  fhirBase: string; // e.g. /fhir
  mappings: readonly ResourceMapping[];
  /** An existing id per resource type, so instance routes reach real rows too. */
  ids: Record<string, string>;
  /** The OAuth/SMART paths when AUTH_MODE=smart (e.g. /auth/token). */
  authPaths?: readonly string[];
}

export const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'MERGE',
  'SEARCH',
];

export const SQL_AND_JSONPATH = [
  "'",
  "''",
  "';--",
  "' or '1'='1",
  '1; drop table patients; --',
  "'); delete from users; --",
  '"',
  '\\',
  '\\\\x00',
  '%',
  '_',
  '%_%',
  '$1',
  '$$',
  '::text',
  '::jsonb',
  '@>',
  '?|',
  '#>>',
  '->>',
  '$.**',
  '$[*] ? (@ like_regex ".*")',
  'lax $.a',
  '@@ to_tsquery',
  "E'\\x41'",
  '/*',
  '*/',
  'null',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9999999999999999999999',
  'ge',
  'gt2026',
  'eq-',
  '|',
  '||',
  '|||',
  ',',
  ',,,',
  '$',
  ':',
  '.',
  '..',
  '../../etc/passwd',
  'ne%00',
];

const UNICODE = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  '\u202e',
  '\ufeff',
  '\uffff',
  'e\u0301',
  '\u0130',
  'ß',
  '𝔘𝔫𝔦',
  '\u2028\u2029',
  '\r\n',
];

const token = fc.constantFrom(...SQL_AND_JSONPATH, ...UNICODE);
const hostileText = fc.oneof(
  token,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.array(token, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('')),
);

/** Percent-encodes a string as UTF-8, with lone surrogates encoded as the raw bytes a hostile client might send. */
function encode(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) out += '%ED%A0%80';
    else out += encodeURIComponent(ch).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  }
  return out;
}

export function routesOf(surface: Surface): string[] {
  const b = surface.fhirBase;
  const routes = [`${b}`, `${b}/`, `${b}/metadata`, `${b}/_history`, `${b}/_search`, `${b}/$export`];
  for (const m of surface.mappings) {
    const t = m.resourceType;
    const id = surface.ids[t] ?? '00000000-0000-4000-8000-000000000000';
    routes.push(
      `${b}/${t}`,
      `${b}/${t}/_search`,
      `${b}/${t}/_history`,
      `${b}/${t}/$validate`,
      `${b}/${t}/${id}`,
      `${b}/${t}/${id}/_history`,
      `${b}/${t}/${id}/_history/1`,
      `${b}/${t}/${id}/$validate`,
      `${b}/Patient/${surface.ids.Patient ?? id}/${t}`,
      `${b}/${t}/not-a-uuid`,
      `${b}/${t}/${id}/_history/not-a-number`,
    );
  }
  routes.push(`${b}/Patient/$match`, '/healthz', '/readyz', '/nowhere', '/.well-known/openid-configuration');
  for (const p of surface.authPaths ?? []) routes.push(p);
  return routes;
}

const badPathSegments = fc.constantFrom(
  '%',
  '%zz',
  '%ED%A0%80',
  '%00',
  '..',
  '%2e%2e',
  '%2F',
  '$everything',
  '_history',
  'a'.repeat(5000),
  '%C0%AF',
  ';',
  '~',
);

function routeArb(surface: Surface) {
  const routes = routesOf(surface);
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...routes) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...routes), fc.array(badPathSegments, { minLength: 1, maxLength: 3 }))
        .map(([r, segs]) => `${r}/${segs.join('/')}`),
    },
  );
}

function searchParamsOf(surface: Surface): string[] {
  const names = new Set<string>([
    '_id',
    '_lastUpdated',
    '_count',
    '_sort',
    '_include',
    '_revinclude',
    '_elements',
    '_summary',
    '_total',
    '_format',
    '_pretty',
    '_type',
    '_since',
    '_at',
    '_has',
    '_cursor',
    '_page',
    '_offset',
    '__proto__',
    'constructor',
    'toString',
  ]);
  for (const m of surface.mappings)
    for (const [name, param] of Object.entries(m.search)) {
      names.add(name);
      for (const mod of param.modifiers ?? []) names.add(`${name}:${mod}`);
      names.add(`${name}:bogus`);
      if (param.type === 'reference') for (const t of Object.keys(param.targets ?? {})) names.add(`${name}:${t}.name`);
    }
  return [...names];
}

function queryArb(surface: Surface) {
  const names = searchParamsOf(surface);
  const pair = fc.tuple(
    fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: hostileText }),
    fc.oneof(
      { weight: 4, arbitrary: hostileText },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom('eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', ''), hostileText)
          .map(([p, v]) => p + v),
      },
      { weight: 1, arbitrary: fc.constantFrom('x'.repeat(70000), '1'.repeat(400), 'a|'.repeat(2000)) },
    ),
  );
  return fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'));
}

function nested(depth: number, open: string, close: string, inner = '1'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

const resourceTypes = (surface: Surface) => [...surface.mappings.map((m) => m.resourceType as string), 'Bundle'];

/** Bodies: each one a known way to break a JSON API. */
function bodyArb(surface: Surface): fc.Arbitrary<{ kind: string; body: Buffer }> {
  const types = resourceTypes(surface);
  const utf8 = (kind: string, text: string) => ({ kind, body: Buffer.from(text, 'utf8') });
  const rt = fc.constantFrom(...types);
  return fc.oneof(
    fc
      .tuple(rt, fc.nat(200))
      .map(([t, cut]) =>
        utf8(
          'truncated JSON',
          JSON.stringify({ resourceType: t, name: [{ family: 'X' }], status: 'active' }).slice(0, cut % 60),
        ),
      ),
    fc.constantFrom(
      utf8('malformed JSON', '{"resourceType": "Patient",}'),
      utf8('malformed JSON', "{'resourceType': 'Patient'}"),
      utf8('malformed JSON', '{"a":1}{"b":2}'),
      utf8('malformed JSON', '\u0000'),
      utf8('malformed JSON', 'null'),
      utf8('malformed JSON', '"a string"'),
      utf8('malformed JSON', '12'),
      utf8('malformed JSON', 'true'),
      utf8('malformed JSON', '[]'),
    ),
    fc.constantFrom(
      utf8('10,000-level nesting', nested(10000, '[', ']')),
      utf8('10,000-level nesting', nested(10000, '{"a":', '}')),
      utf8('10,000-level nesting', `{"resourceType":"Patient","extension":${nested(10000, '[', ']')}}`),
      utf8(
        '10,000-level nesting',
        `{"resourceType":"Bundle","type":"transaction","entry":[{"resource":${nested(10000, '{"contained":[', ']}', '{"resourceType":"Patient"}')}}]}`,
      ),
    ),
    fc
      .tuple(rt, fc.constantFrom(100_000, 1_000_000))
      .map(([t, n]) =>
        utf8('huge string', JSON.stringify({ resourceType: t, id: 'x'.repeat(n), name: [{ family: 'y'.repeat(n) }] })),
      ),
    fc
      .tuple(rt, fc.constantFrom(10_000, 100_000))
      .map(([t, n]) =>
        utf8(
          'huge array',
          JSON.stringify({ resourceType: t, identifier: Array.from({ length: n }, (_, i) => ({ value: String(i) })) }),
        ),
      ),
    fc.tuple(fc.constantFrom(20_000), fc.constant(0)).map(([n]) =>
      utf8(
        'huge array',
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'batch',
          entry: Array.from({ length: n }, () => ({ request: { method: 'GET', url: 'Patient' } })),
        }),
      ),
    ),
    fc
      .tuple(rt, fc.anything({ maxDepth: 3, withNullPrototype: false }))
      .map(([t, v]) => utf8('wrong types', JSON.stringify({ resourceType: t, name: v, birthDate: v, id: v }) ?? '{}')),
    fc.tuple(rt, fc.jsonValue({ maxDepth: 3 })).map(([t, v]) =>
      utf8(
        'wrong types',
        JSON.stringify({
          resourceType: t,
          status: v,
          telecom: v,
          meta: v,
          extension: v,
          subject: v,
          entry: v,
          type: v,
          text: v,
        }),
      ),
    ),
    fc
      .tuple(rt, fc.constantFrom('__proto__', 'constructor', 'prototype'))
      .map(([t, key]) =>
        utf8(
          'prototype-pollution keys',
          `{"resourceType":"${t}","${key}":{"polluted":true,"isAdmin":true},"name":[{"family":"P","${key}":{"x":1}}],` +
            `"meta":{"${key}":{"toString":1}},"extension":[{"url":"http://x","${key}":{"valueString":"y"}}]}`,
        ),
      ),
    fc.constantFrom(
      { kind: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
      {
        kind: 'invalid UTF-8',
        body: Buffer.concat([
          Buffer.from('{"resourceType":"Patient","name":[{"family":"'),
          Buffer.from([0xed, 0xa0, 0x80, 0xc0, 0xaf]),
          Buffer.from('"}]}'),
        ]),
      },
      { kind: 'invalid UTF-8', body: Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]) },
      { kind: 'invalid UTF-8', body: Buffer.from('{"resourceType":"Patient"}', 'utf16le') },
    ),
    fc
      .tuple(rt, fc.constantFrom(...UNICODE))
      .map(([t, u]) =>
        utf8(
          'Unicode edge cases',
          `{"resourceType":"${t}","id":${JSON.stringify(u)},"name":[{"family":${JSON.stringify(`A${u}B`)}}],` +
            `"telecom":[{"system":"email","value":${JSON.stringify(`a${u}@example.org`)}}],"status":${JSON.stringify(u)}}`,
        ),
      ),
    fc
      .tuple(rt, fc.constantFrom(...SQL_AND_JSONPATH))
      .map(([t, s]) =>
        utf8(
          'SQL metacharacters in a body',
          JSON.stringify({ resourceType: t, id: s, name: [{ family: s }], identifier: [{ system: s, value: s }] }),
        ),
      ),
    fc.constantFrom(
      utf8('JSON Patch', '[{"op":"replace","path":"/__proto__/polluted","value":1}]'),
      utf8('JSON Patch', '[{"op":"add","path":"/constructor/prototype/x","value":1}]'),
      utf8('JSON Patch', '[{"op":"move","from":"/name","path":"/name/0"}]'),
      utf8('JSON Patch', '[{"op":"copy","from":"/x","path":"/y"},{"op":"bogus"}]'),
      utf8('JSON Patch', '[{"op":"replace","path":"/id","value":"other"}]'),
      utf8('JSON Patch', '[{"op":"test","path":"/resourceType","value":"Patient"},{"op":"remove","path":"/"}]'),
      utf8('JSON Patch', '{"op":"replace"}'),
    ),
    fc.constantFrom(
      utf8(
        'hostile Bundle',
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            {
              fullUrl: 'urn:uuid:1',
              resource: { resourceType: 'Patient' },
              request: { method: 'POST', url: 'Patient' },
            },
            {
              fullUrl: 'urn:uuid:1',
              resource: { resourceType: 'Patient' },
              request: { method: 'POST', url: 'Patient' },
            },
          ],
        }),
      ),
      utf8(
        'hostile Bundle',
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ request: { method: 'DELETE', url: "Patient?name='; drop table users; --" } }, { request: {} }],
        }),
      ),
      utf8(
        'hostile Bundle',
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            { request: { method: 'GET', url: '../../../etc/passwd' } },
            { request: { method: 'GET', url: 'http://evil/x' } },
            null,
            7,
          ],
        }),
      ),
      utf8('hostile Bundle', JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: 'no' })),
      utf8('hostile Bundle', JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [] })),
    ),
  );
}

const CONTENT_TYPES = [
  'application/fhir+json',
  'application/json',
  'application/json-patch+json',
  'application/x-www-form-urlencoded',
  'application/fhir+json; charset=utf-16',
  'application/fhir+json; charset=latin1',
  'application/xml',
  'text/plain',
  'multipart/form-data; boundary=x',
  ';;;',
  'application/fhir+json; charset="',
];

function headersArb() {
  const absurd = fc.constantFrom<Record<string, string>>(
    {},
    { accept: 'application/fhir+xml' },
    { accept: '*/*;q=abc, ' + 'text/html,'.repeat(300) },
    { 'if-match': 'W/"not-a-number"' },
    { 'if-match': 'W/"99999999999999999999"' },
    { 'if-match': '*' },
    { 'if-none-match': '"' },
    { 'if-none-exist': "name='; drop table patients; --" },
    { 'if-none-exist': 'a=%ZZ&&&==' },
    { 'if-modified-since': 'yesterday' },
    { 'if-modified-since': 'Sat, 01 Jan 99999 00:00:00 GMT' },
    { prefer: 'return=' + 'x'.repeat(2000) },
    { prefer: 'handling=strict, return=OperationOutcome, respond-async' },
    { authorization: 'Bearer ' + 'A'.repeat(7000) },
    { authorization: 'Bearer a.b.c' },
    { authorization: 'Basic %%%' },
    { authorization: 'Basic ' + Buffer.from('\u0000:\u0000').toString('base64') },
    { 'x-request-id': '\u00ff'.repeat(10) },
    { 'x-request-id': 'r'.repeat(4000) },
    { 'x-forwarded-for': '1.1.1.1, ' + '2.2.2.2, '.repeat(500) },
    { 'x-forwarded-proto': 'https' },
    { 'x-http-method-override': 'DELETE' },
    { cookie: 'fhir_interaction=' + "'".repeat(200) },
    { 'content-encoding': 'gzip' },
    { 'content-encoding': 'br, deflate, identity, x' },
    { range: 'bytes=0-1,2-3,' + '4-5,'.repeat(300) },
    { origin: 'https://evil.example' },
    { 'x-huge': 'h'.repeat(12000) },
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/fhir+json') },
    { weight: 1, arbitrary: fc.constant('application/json-patch+json') },
    { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  );
  const headers = fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: absurd });
  return fc.tuple(headers, contentType).map(([h, ct]) => ({ 'content-type': ct, ...h }));
}

export function hostileRequests(surface: Surface): fc.Arbitrary<HostileRequest> {
  const body = fc.option(bodyArb(surface), { freq: 3, nil: undefined });
  return fc
    .record({
      method: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE') },
        { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
      ),
      route: routeArb(surface),
      query: fc.option(queryArb(surface), { freq: 2, nil: undefined }),
      headers: headersArb(),
      body,
    })
    .map(({ method, route, query, headers, body }) => {
      const kinds = [body?.kind, query ? 'search values' : undefined, Object.keys(headers).slice(1).join(',')];
      return {
        method,
        path: query ? `${route}?${query}` : route,
        headers,
        ...(body && method !== 'GET' && method !== 'HEAD' ? { body: body.body } : {}),
        kind: kinds.filter(Boolean).join(' + ') || 'method/route',
      };
    });
}
