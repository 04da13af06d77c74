// Locations as FHIRPath (http://hl7.org/fhir/R4/fhirpath.html): `Patient.name[0].given`, from an ajv
// JSON Pointer, and the instances of an ElementDefinition path (`Patient.name.family`, `Extension.value[x]`).
import { isObject } from './issue.js';

/** `/name/0/given` (RFC 6901) under `Patient` → `Patient.name[0].given`. */
export function pointerToExpression(root: string, pointer: string): string {
  if (pointer === '') return root;
  let expression = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    expression += /^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`;
  }
  return expression;
}

/** The value a JSON Pointer designates, or undefined. */
export function valueAtPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let value: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

export interface ElementNode {
  value: unknown;
  expression: string;
}

/** The JSON property names an element name stands for: `value[x]` → valueString, valueCodeableConcept... */
export function propertyNames(node: Record<string, unknown>, name: string): string[] {
  if (!name.endsWith('[x]')) return name in node ? [name] : [];
  const prefix = name.slice(0, -3);
  return Object.keys(node).filter((key) => key.startsWith(prefix) && /^[A-Z]/.test(key.slice(prefix.length)));
}

/** The children called `name` of one node, arrays flattened, each with its location. */
export function children(node: ElementNode, name: string): ElementNode[] {
  if (!isObject(node.value)) return [];
  const found: ElementNode[] = [];
  for (const key of propertyNames(node.value, name)) {
    const value = node.value[key];
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        if (item !== null) found.push({ value: item, expression: `${node.expression}.${key}[${i}]` });
      });
    } else {
      found.push({ value, expression: `${node.expression}.${key}` });
    }
  }
  return found;
}

/** The instances of the element path `segments` (without the type name) under a root node. */
export function select(root: ElementNode, segments: readonly string[]): ElementNode[] {
  let nodes = [root];
  for (const segment of segments) nodes = nodes.flatMap((node) => children(node, segment));
  return nodes;
}

/** `Patient.name.family` → ['name', 'family'] (the first segment is the type the profile constrains). */
export const pathSegments = (path: string): string[] => path.split('.').slice(1);
