// Search parameters of a query (http://hl7.org/fhir/R4/search.html): AND by repetition, OR by
// comma, with the spec's escaping of \, \$ and \|; the result parameters apart.
import type { SearchValue } from '../../mappings/types.js';
import { FhirError } from '../fhir/outcome.js';

/** Query parameters by name (the same shape as the FHIR request's query). */
export type Query = Record<string, string | string[]>;

/** Splits on an unescaped separator and keeps the escapes (split again, then unescape). */
export function splitEscaped(value: string, separator: ',' | '|' | '$'): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length && [',', '|', '$', '\\'].includes(value[i + 1]!)) {
      current += c + value[++i];
      continue;
    }
    if (c === separator) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

export const unescape = (value: string) => value.replace(/\\([,|$\\])/g, '$1');

export interface ParsedParam {
  /** The whole key: name, modifier, chain or _has (`subject:Patient.name`, `_has:X:ref:code`). */
  key: string;
  /** The OR-ed values of one occurrence. */
  values: SearchValue[];
}

export interface IncludeSpec {
  source: string;
  /** The reference parameter, or '*' for all of them. */
  param: string;
  target?: string;
  iterate: boolean;
  /** As the client wrote it, for messages. */
  text: string;
}

export type TotalMode = 'none' | 'estimate' | 'accurate';
export type SummaryMode = 'true' | 'false' | 'text' | 'data' | 'count';

export interface ResultParams {
  count?: number;
  sort: { name: string; descending: boolean }[];
  total?: TotalMode;
  summary?: SummaryMode;
  elements?: string;
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  cursor?: string;
  types?: string[];
}

export interface SearchRequest {
  params: ParsedParam[];
  result: ResultParams;
}

/** Query parameters that shape the response rather than select resources. */
const FORMAT_PARAMS = new Set(['_format', '_pretty']);

export function parseValues(occurrence: string): SearchValue[] {
  return splitEscaped(occurrence, ',').map((part) => {
    const pipe = splitEscaped(part, '|');
    const token =
      pipe.length > 1
        ? { system: unescape(pipe[0]!), code: unescape(pipe.slice(1).join('|')) }
        : { code: unescape(part) };
    return { raw: unescape(part), ...token };
  });
}

function include(value: string, iterate: boolean): IncludeSpec {
  const [source = '', param = '', target] = value.split(':');
  if (value === '*') return { source: '*', param: '*', iterate, text: value };
  if (!source || !param || value.split(':').length > 3)
    throw FhirError.invalid(`_include and _revinclude take Type:parameter[:TargetType], got "${value}"`);
  return { source, param, ...(target ? { target } : {}), iterate, text: value };
}

const last = (values: string[]) => values[values.length - 1]!;

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw FhirError.invalid(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

export function parseSearchRequest(query: Query): SearchRequest {
  const params: ParsedParam[] = [];
  const result: ResultParams = { sort: [], include: [], revinclude: [] };
  for (const [key, raw] of Object.entries(query)) {
    const occurrences = Array.isArray(raw) ? raw : [raw];
    if (FORMAT_PARAMS.has(key)) continue;
    // PostgreSQL text holds no NUL character: such a value can match nothing a column holds.
    if (key.includes('\u0000') || occurrences.some((o) => o.includes('\u0000')))
      throw FhirError.invalid(`the search parameter ${key.split('\u0000').join('')} holds a NUL character`);
    switch (key) {
      case '_count': {
        const text = last(occurrences);
        if (!/^\d{1,9}$/.test(text)) throw FhirError.invalid(`_count must be a whole number, got "${text}"`);
        result.count = Number(text);
        continue;
      }
      case '_sort':
        for (const name of last(occurrences).split(',')) {
          if (!name.trim()) throw FhirError.invalid('_sort has an empty key');
          const descending = name.startsWith('-');
          result.sort.push({ name: descending ? name.slice(1) : name, descending });
        }
        continue;
      case '_total':
        result.total = oneOf('_total', last(occurrences), ['none', 'estimate', 'accurate'] as const);
        continue;
      case '_summary':
        result.summary = oneOf('_summary', last(occurrences), ['true', 'false', 'text', 'data', 'count'] as const);
        continue;
      case '_elements':
        result.elements = occurrences.join(',');
        continue;
      case '_cursor':
        result.cursor = last(occurrences);
        continue;
      case '_type':
        result.types = occurrences.flatMap((o) => o.split(',')).filter(Boolean);
        continue;
      case '_include':
      case '_include:iterate':
      case '_include:recurse':
        for (const o of occurrences) result.include.push(include(o, key !== '_include'));
        continue;
      case '_revinclude':
      case '_revinclude:iterate':
      case '_revinclude:recurse':
        for (const o of occurrences) result.revinclude.push(include(o, key !== '_revinclude'));
        continue;
    }
    for (const occurrence of occurrences) params.push({ key, values: parseValues(String(occurrence)) });
  }
  return { params, result };
}
