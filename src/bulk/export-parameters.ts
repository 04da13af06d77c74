// The kick-off parameters of $export (https://hl7.org/fhir/uv/bulkdata/STU2/export.html#query-parameters),
// from the query, a form or a Parameters body, checked at kick-off so a bad one is a 400 and a
// job never starts that cannot run: _outputFormat, _since, _type, _typeFilter, patient, _elements.
import type { Parameters } from 'fhir/r4.js';
import type { ResourceMapping } from '../../mappings/types.js';
import { FhirError } from '../fhir/outcome.js';
import { parseQuery, type FhirRequest, type Query } from '../fhir/request.js';
import type { SearchEngine } from '../search/engine.js';
import { parseSearchRequest } from '../search/parse.js';

export type ExportLevel = 'system' | 'patient' | 'group';

/** What a job exports; stored as the job's parameters (JSON). */
export interface ExportParameters {
  level: ExportLevel;
  groupId?: string;
  types: string[];
  /** FHIR instant: only resources changed after it. */
  since?: string;
  /** Per type, the search queries of _typeFilter (a resource matching any of them is exported). */
  typeFilters: Record<string, string[]>;
  /** Patient ids (patient parameter): only their compartments. */
  patients?: string[];
  elements?: string;
}

export const OUTPUT_FORMATS = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'];
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const KNOWN = new Set([
  '_outputFormat',
  '_since',
  '_type',
  '_typeFilter',
  'patient',
  '_elements',
  '_format',
  '_pretty',
]);

/** Parameters from a Parameters body (POST kick-off) as query values; patient references as ids. */
function fromParameters(body: unknown): { query: Query; patients: string[] } {
  const query: Query = {};
  const patients: string[] = [];
  const parameters = body as Parameters;
  if (parameters?.resourceType !== 'Parameters')
    throw FhirError.invalid('a POST $export takes a Parameters resource (or a form)');
  for (const p of parameters.parameter ?? []) {
    if (p.name === 'patient') {
      const reference = p.valueReference?.reference ?? '';
      const match = /^(?:.*\/)?Patient\/([^/]+)$/.exec(reference);
      if (!match) throw FhirError.invalid(`patient must be a Reference to a Patient, got "${reference}"`, ['patient']);
      patients.push(match[1]!);
      continue;
    }
    const value = p.valueString ?? p.valueInstant ?? p.valueDateTime ?? p.valueCode ?? p.valueUri;
    if (value === undefined) throw FhirError.invalid(`parameter ${p.name} has no value`, [p.name]);
    const existing = query[p.name];
    query[p.name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return { query, patients };
}

const values = (query: Query, name: string) => {
  const v = query[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

export function exportParameters(
  request: FhirRequest,
  level: ExportLevel,
  candidates: readonly ResourceMapping[],
  search: SearchEngine,
  /** With authorization on: whether the token may export a type (a named type it may not is a 403). */
  permitted: (mapping: ResourceMapping) => boolean = () => true,
): ExportParameters {
  let query = request.query;
  let patients: string[] | undefined;
  if (request.method === 'POST' && request.body !== undefined) {
    const parsed = fromParameters(request.body);
    query = { ...request.query, ...parsed.query };
    if (parsed.patients.length) patients = parsed.patients;
  }
  for (const name of Object.keys(query))
    if (!KNOWN.has(name)) throw FhirError.invalid(`$export does not support the parameter ${name}`, [name]);
  const format = values(query, '_outputFormat').at(-1);
  if (format !== undefined && !OUTPUT_FORMATS.includes(format))
    throw FhirError.invalid(`_outputFormat ${format} is not supported: use ${OUTPUT_FORMATS.join(', ')}`, [
      '_outputFormat',
    ]);
  const since = values(query, '_since').at(-1);
  if (since !== undefined && (!INSTANT.test(since) || Number.isNaN(Date.parse(since))))
    throw FhirError.invalid(`_since must be a FHIR instant such as 2026-01-31T12:00:00Z, got "${since}"`, ['_since']);
  if (patients && level === 'system')
    throw FhirError.invalid('patient applies to Patient/$export and Group/[id]/$export only', ['patient']);

  const byType = new Map(candidates.map((m) => [m.resourceType as string, m]));
  const named = values(query, '_type')
    .flatMap((v) => v.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  for (const type of named)
    if (!byType.has(type))
      throw FhirError.invalid(
        `_type: ${type} is not a resource type this server exports${level === 'system' ? '' : ' from a patient compartment'}`,
        ['_type'],
      );
  for (const type of named)
    if (!permitted(byType.get(type)!))
      throw new FhirError('forbidden', 'FHIR-0403', `the access token's scopes do not allow exporting ${type}`);
  // computed types (Slot: every doctor's planning horizon, worked out anew) only when _type names them
  const types = named.length
    ? [...new Set(named)]
    : candidates.filter((m) => permitted(m) && !m.source.appendOnly?.byId).map((m) => m.resourceType as string);

  const typeFilters: Record<string, string[]> = {};
  for (const filter of values(query, '_typeFilter')) {
    const match = /^([A-Z][A-Za-z]+)\?(.+)$/.exec(filter);
    if (!match) throw FhirError.invalid(`_typeFilter must be Type?search, got "${filter}"`, ['_typeFilter']);
    const [, type, text] = match as unknown as [string, string, string];
    const mapping = byType.get(type);
    if (!mapping || !types.includes(type))
      throw FhirError.invalid(`_typeFilter: ${type} is not one of the exported types`, ['_typeFilter']);
    // compiled once now, strictly, so an unknown parameter is a 400 at kick-off
    search.filter(mapping, parseSearchRequest(parseQuery(text)), { strict: true, baseUrl: request.baseUrl });
    (typeFilters[type] ??= []).push(text);
  }
  const elements = values(query, '_elements').join(',') || undefined;
  return {
    level,
    types,
    typeFilters,
    ...(since ? { since } : {}),
    ...(patients ? { patients } : {}),
    ...(elements ? { elements } : {}),
  };
}
