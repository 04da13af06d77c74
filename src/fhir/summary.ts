// _summary and _elements (http://hl7.org/fhir/R4/search.html#summary): subsets of a rendering.
// Without either, the stored text is returned untouched (D13).
import type { ResourceMapping } from '../../mappings/types.js';
import { FhirError } from './outcome.js';

const ALWAYS = ['resourceType', 'id', 'meta'];
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

function markSubsetted(resource: Record<string, unknown>) {
  const meta = { ...((resource.meta as Record<string, unknown> | undefined) ?? {}) };
  meta.tag = [...((meta.tag as unknown[] | undefined) ?? []), SUBSETTED];
  resource.meta = meta;
}

export function subset(
  resource: Record<string, unknown>,
  mapping: ResourceMapping,
  summary?: string,
  elements?: string,
) {
  if (elements !== undefined) {
    const keep = new Set([
      ...ALWAYS,
      ...elements.split(',').map((e) => e.trim().replace(new RegExp(`^${mapping.resourceType}\\.`), '')),
    ]);
    const out = Object.fromEntries(Object.entries(resource).filter(([key]) => keep.has(key)));
    markSubsetted(out);
    return out;
  }
  switch (summary) {
    case undefined:
    case 'false':
      return resource;
    case 'true': {
      const keep = new Set([...ALWAYS, 'implicitRules', ...(mapping.summary ?? [])]);
      const out = Object.fromEntries(Object.entries(resource).filter(([key]) => keep.has(key)));
      markSubsetted(out);
      return out;
    }
    case 'text': {
      const out = Object.fromEntries(Object.entries(resource).filter(([key]) => [...ALWAYS, 'text'].includes(key)));
      markSubsetted(out);
      return out;
    }
    case 'data': {
      const { text: _text, ...out } = resource;
      markSubsetted(out);
      return out;
    }
    default:
      throw FhirError.invalid(`_summary must be true, false, text, data or count, got ${summary}`);
  }
}

export function shapeForRead(
  body: string,
  mapping: ResourceMapping,
  summary?: string,
  elements?: string,
): { text?: string; json?: unknown } {
  if (summary === undefined && elements === undefined) return { text: body };
  return { json: subset(JSON.parse(body) as Record<string, unknown>, mapping, summary, elements) };
}
