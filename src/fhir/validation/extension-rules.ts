// The server's own extension definitions applied wherever a resource carries them
// (http://hl7.org/fhir/R4/extensibility.html): allowed context, how often, and the definition's rules.
import type { CompiledProfile } from './profile-rules.js';
import { isObject, type ValidationIssue } from './issue.js';

/** Problems of every extension in `resource` whose url is one of `definitions` (by canonical URL). */
export function extensionIssues(
  resource: Record<string, unknown>,
  root: string,
  definitions: ReadonlyMap<string, CompiledProfile>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (definitions.size > 0) visit(resource, root, root, definitions, issues);
  return issues;
}

/** Walks one JSON object; `elementPath` is its path without indexes (Practitioner.name), as contexts say it. */
function visit(
  node: Record<string, unknown>,
  expression: string,
  elementPath: string,
  definitions: ReadonlyMap<string, CompiledProfile>,
  issues: ValidationIssue[],
): void {
  for (const [key, value] of Object.entries(node)) {
    const items = Array.isArray(value) ? value : [value];
    if ((key === 'extension' || key === 'modifierExtension') && Array.isArray(value)) {
      issues.push(...checkList(value, `${expression}.${key}`, elementPath, definitions));
    }
    items.forEach((item, i) => {
      if (!isObject(item)) return;
      const at = Array.isArray(value) ? `${expression}.${key}[${i}]` : `${expression}.${key}`;
      const path =
        typeof item.resourceType === 'string' ? item.resourceType : `${elementPath}.${key.replace(/^_/, '')}`;
      visit(item, at, path, definitions, issues);
    });
  }
}

function checkList(
  list: unknown[],
  at: string,
  elementPath: string,
  definitions: ReadonlyMap<string, CompiledProfile>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const counts = new Map<string, number>();
  list.forEach((extension, i) => {
    if (!isObject(extension) || typeof extension.url !== 'string') return;
    const definition = definitions.get(extension.url);
    if (!definition) return;
    counts.set(definition.url, (counts.get(definition.url) ?? 0) + 1);
    const here = `${at}[${i}]`;
    if (definition.contexts.length > 0 && !definition.contexts.includes(elementPath)) {
      const diagnostics = `The extension ${definition.url} is not allowed on ${elementPath} (its context: ${definition.contexts.join(', ')})`;
      issues.push({ severity: 'error', code: 'structure', diagnostics, expression: [here] });
    }
    issues.push(...definition.validate(extension, here));
  });
  for (const [url, count] of counts) {
    const max = definitions.get(url)!.max;
    if (count <= max) continue;
    const diagnostics = `The extension ${url} may appear at most ${max} time${max === 1 ? '' : 's'} on ${elementPath}, found ${count}`;
    issues.push({ severity: 'error', code: 'structure', diagnostics, expression: [at] });
  }
  return issues;
}
