// Search parameters of a query (http://hl7.org/fhir/R4/search.html): AND by repetition, OR by
// comma, with the spec's escaping of \, \$ and \|.
import type { SearchValue } from '../../mappings/types.js';
import type { Query } from '../fhir/request.js';

/** Splits on an unescaped separator and removes the escapes. */
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

const unescape = (value: string) => value.replace(/\\([,|$\\])/g, '$1');

export interface ParsedParam {
  name: string;
  modifier?: string;
  /** OR-ed values of one occurrence. */
  values: SearchValue[];
}

export const RESULT_PARAMS = new Set([
  '_count',
  '_sort',
  '_summary',
  '_elements',
  '_total',
  '_include',
  '_revinclude',
  '_format',
  '_pretty',
  '_offset',
  '_contained',
  '_containedType',
]);

export function parseSearch(query: Query): { params: ParsedParam[]; result: Record<string, string> } {
  const params: ParsedParam[] = [];
  const result: Record<string, string> = {};
  for (const [key, raw] of Object.entries(query)) {
    const occurrences = Array.isArray(raw) ? raw : [raw];
    if (RESULT_PARAMS.has(key)) {
      result[key] = occurrences[occurrences.length - 1]!;
      continue;
    }
    const [name, modifier] = key.split(':', 2) as [string, string | undefined];
    for (const occurrence of occurrences) {
      const values = splitEscaped(String(occurrence), ',').map((part) => {
        const pipe = splitEscaped(part, '|');
        const token =
          pipe.length > 1
            ? { system: unescape(pipe[0]!), code: unescape(pipe.slice(1).join('|')) }
            : { code: unescape(part) };
        return { raw: unescape(part), modifier, ...token };
      });
      params.push({ name, modifier, values });
    }
  }
  return { params, result };
}
