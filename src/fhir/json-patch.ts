// JSON Patch (RFC 6902) over a parsed resource: add, remove, replace, move, copy, test.
// The document is copied first, so a failing patch changes nothing.
import { FhirError } from './outcome.js';

type Json = unknown;

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/')))
    throw FhirError.invalid(`a JSON Patch path must be a JSON Pointer such as /name/0/family, got ${String(path)}`);
  return path === ''
    ? []
    : path
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function parentOf(
  doc: Json,
  tokens: string[],
  path: string,
): { container: Record<string, Json> | Json[]; key: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (FORBIDDEN.has(token)) throw FhirError.invalid(`JSON Patch path ${path} is not allowed`);
    if (node === null || typeof node !== 'object') throw FhirError.invalid(`JSON Patch path ${path} does not exist`);
    node = (node as Record<string, Json>)[token];
  }
  const key = tokens[tokens.length - 1];
  if (key === undefined || node === null || typeof node !== 'object')
    throw FhirError.invalid(`JSON Patch path ${path} does not exist`);
  if (FORBIDDEN.has(key)) throw FhirError.invalid(`JSON Patch path ${path} is not allowed`);
  return { container: node as Record<string, Json> | Json[], key };
}

function index(array: Json[], key: string, path: string, forAdd: boolean): number {
  if (forAdd && key === '-') return array.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw FhirError.invalid(`JSON Patch path ${path}: ${key} is not an array index`);
  const i = Number(key);
  if (i > array.length || (!forAdd && i === array.length))
    throw FhirError.invalid(`JSON Patch path ${path} is out of range`);
  return i;
}

function get(doc: Json, path: string): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return doc;
  const { container, key } = parentOf(doc, tokens, path);
  const value = Array.isArray(container) ? container[index(container, key, path, false)] : container[key];
  if (value === undefined) throw FhirError.invalid(`JSON Patch path ${path} does not exist`);
  return value;
}

function add(doc: Json, path: string, value: Json): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return value;
  const { container, key } = parentOf(doc, tokens, path);
  if (Array.isArray(container)) container.splice(index(container, key, path, true), 0, value);
  else container[key] = value;
  return doc;
}

function removeAt(doc: Json, path: string): Json {
  const tokens = pointer(path);
  const { container, key } = parentOf(doc, tokens, path);
  if (Array.isArray(container)) container.splice(index(container, key, path, false), 1);
  else {
    if (!(key in container)) throw FhirError.invalid(`JSON Patch path ${path} does not exist`);
    delete container[key];
  }
  return doc;
}

export function applyJsonPatch(document: Json, operations: readonly unknown[]): Json {
  let doc = structuredClone(document);
  operations.forEach((raw, i) => {
    if (raw === null || typeof raw !== 'object') throw FhirError.invalid(`JSON Patch operation ${i} is not an object`);
    const op = raw as { op?: unknown; path?: unknown; from?: unknown; value?: unknown };
    const path = op.path as string;
    switch (op.op) {
      case 'add':
        if (!('value' in op)) throw FhirError.invalid(`JSON Patch operation ${i} (add) has no value`);
        doc = add(doc, path, structuredClone(op.value));
        break;
      case 'remove':
        doc = removeAt(doc, path);
        break;
      case 'replace':
        if (!('value' in op)) throw FhirError.invalid(`JSON Patch operation ${i} (replace) has no value`);
        get(doc, path);
        doc = add(removeAt(doc, path), path, structuredClone(op.value));
        break;
      case 'move': {
        const value = get(doc, op.from as string);
        doc = add(removeAt(doc, op.from as string), path, value);
        break;
      }
      case 'copy':
        doc = add(doc, path, structuredClone(get(doc, op.from as string)));
        break;
      case 'test':
        if (JSON.stringify(get(doc, path)) !== JSON.stringify(op.value))
          throw FhirError.unprocessable([{ expression: path, diagnostics: `JSON Patch test at ${path} failed` }]);
        break;
      default:
        throw FhirError.invalid(`JSON Patch operation ${i} has an unknown op ${String(op.op)}`);
    }
  });
  return doc;
}
