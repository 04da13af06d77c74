// The VARCHAR-size invariants of our profiles, decided without fhirpath.js (which takes 15-40 µs an
// expression, most of a write's validation). Only these exact forms are recognised; anything else,
// and any value outside the simple case (an element repeated where one is expected, a value that is
// not a string), is left to fhirpath, which stays the reference (a property test compares them).
//   X.empty() or X.length() <= N
//   X.empty() or X.join(' ').length() <= N
//   X.all(length() <= N)
//   system = 'S' implies value.length() <= N
// X is one element name; the node is the element the constraint sits on.

/** true: holds; false: violated; undefined: not decided here. */
export type FastInvariant = (node: unknown) => boolean | undefined;

const NAME = '([A-Za-z][A-Za-z0-9]*)';
const LIMIT = '(\\d+)';

const OPTIONAL_LENGTH = new RegExp(`^${NAME}\\.empty\\(\\) or \\1\\.length\\(\\) <= ${LIMIT}$`);
const JOINED_LENGTH = new RegExp(`^${NAME}\\.empty\\(\\) or \\1\\.join\\(' '\\)\\.length\\(\\) <= ${LIMIT}$`);
const EVERY_LENGTH = new RegExp(`^${NAME}\\.all\\(length\\(\\) <= ${LIMIT}\\)$`);
const SYSTEM_LENGTH = new RegExp(`^system = '([A-Za-z0-9-]+)' implies value\\.length\\(\\) <= ${LIMIT}$`);

const isRecord = (node: unknown): node is Record<string, unknown> =>
  typeof node === 'object' && node !== null && !Array.isArray(node);

/** The node's own value of `name` when it is plain: no primitive extension beside it. */
function plain(node: unknown, name: string): { value: unknown } | undefined {
  if (!isRecord(node) || node[`_${name}`] !== undefined) return undefined;
  return { value: node[name] };
}

const strings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

export function fastInvariant(expression: string): FastInvariant | undefined {
  const text = expression.trim();
  let match = OPTIONAL_LENGTH.exec(text);
  if (match) {
    const [, name, limit] = match as unknown as [string, string, string];
    const max = Number(limit);
    return (node) => {
      const own = plain(node, name);
      if (!own) return undefined;
      if (own.value === undefined) return true;
      return typeof own.value === 'string' ? own.value.length <= max : undefined;
    };
  }
  match = JOINED_LENGTH.exec(text);
  if (match) {
    const [, name, limit] = match as unknown as [string, string, string];
    const max = Number(limit);
    return (node) => {
      const own = plain(node, name);
      if (!own) return undefined;
      if (own.value === undefined) return true;
      return strings(own.value) && own.value.length > 0 ? own.value.join(' ').length <= max : undefined;
    };
  }
  match = EVERY_LENGTH.exec(text);
  if (match) {
    const [, name, limit] = match as unknown as [string, string, string];
    const max = Number(limit);
    return (node) => {
      const own = plain(node, name);
      if (!own) return undefined;
      if (own.value === undefined) return true;
      return strings(own.value) ? own.value.every((item) => item.length <= max) : undefined;
    };
  }
  match = SYSTEM_LENGTH.exec(text);
  if (match) {
    const [, system, limit] = match as unknown as [string, string, string];
    const max = Number(limit);
    return (node) => {
      const ownSystem = plain(node, 'system');
      const ownValue = plain(node, 'value');
      if (!ownSystem || !ownValue) return undefined;
      if (ownSystem.value === undefined || ownSystem.value !== system)
        return typeof ownSystem.value === 'string' || ownSystem.value === undefined ? true : undefined;
      if (ownValue.value === undefined) return true;
      return typeof ownValue.value === 'string' ? ownValue.value.length <= max : undefined;
    };
  }
  return undefined;
}
