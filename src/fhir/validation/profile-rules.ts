// A StructureDefinition's differential (http://hl7.org/fhir/R4/profiling.html#resources) compiled into
// rules: cardinality (min/max), allowed types of a choice element, required bindings and invariants.
import type { ElementDefinition, StructureDefinition } from 'fhir/r4.js';
import { canonicalUrl, requiredBindingRule, type ValueSetCodes } from './binding.js';
import { children, pathSegments, propertyNames, select } from './element-path.js';
import { invariantsRule, type Invariant } from './invariant.js';
import { isObject, type ElementRule, type ValidationIssue } from './issue.js';

export interface CompiledProfile {
  url: string;
  /** The type constrained: Patient, or Extension for an extension definition. */
  type: string;
  kind: StructureDefinition['kind'];
  /** The root element's max: how often an extension may repeat on one element. */
  max: number;
  /** Where an extension may be used (StructureDefinition.context expressions, e.g. Practitioner). */
  contexts: string[];
  /** All problems of one instance of `type` found at `expression`. */
  validate: ElementRule;
}

export function compileProfile(
  definition: StructureDefinition,
  valueSets: ReadonlyMap<string, ValueSetCodes>,
): CompiledProfile {
  const { url, type, kind } = definition;
  const elements = definition.differential?.element ?? [];
  if (definition.derivation !== 'constraint') throw new Error(`${url}: only constraint profiles are supported`);
  const rules: ElementRule[] = [];
  const invariants: Invariant[] = [];
  for (const element of elements) {
    const { path } = element;
    if (path !== type && !path.startsWith(`${type}.`)) throw new Error(`${url}: element ${path} is not in ${type}`);
    if (element.sliceName) throw new Error(`${url}: slicing (${path}:${element.sliceName}) is not supported`);
    if (path !== type) {
      rules.push(...[cardinalityRule(element, url), choiceTypeRule(element, url)].filter((rule) => rule !== undefined));
    }
    if (element.binding?.strength === 'required') {
      const reference = element.binding.valueSet;
      const valueSet = reference && valueSets.get(canonicalUrl(reference));
      if (!valueSet)
        throw new Error(`${url}: ${path} is bound to ${reference ?? 'no ValueSet'}, which is not in profiles/`);
      rules.push(requiredBindingRule(path, valueSet, url));
    }
    for (const constraint of element.constraint ?? []) invariants.push({ path, constraint });
  }
  const invariantRule = invariantsRule(invariants, url, kind === 'resource');
  if (invariantRule) rules.push(invariantRule);
  const root = elements.find((element) => element.path === type);
  return {
    url,
    type,
    kind,
    max: maxOf(root?.max),
    contexts: (definition.context ?? []).map((context) => context.expression),
    validate: (node, expression) => rules.flatMap((rule) => rule(node, expression)),
  };
}

const maxOf = (max: string | undefined): number => (max === undefined || max === '*' ? Infinity : Number(max));

/** min/max of an element, counted in each instance of its parent. */
function cardinalityRule(element: ElementDefinition, profile: string): ElementRule | undefined {
  const min = element.min ?? 0;
  const max = maxOf(element.max);
  if (min === 0 && max === Infinity) return undefined;
  const segments = pathSegments(element.path);
  const name = segments[segments.length - 1];
  const parents = segments.slice(0, -1);
  return (node, expression) =>
    select({ value: node, expression }, parents).flatMap((parent): ValidationIssue[] => {
      if (!isObject(parent.value)) return [];
      const count = children(parent, name).length;
      const at = `${parent.expression}.${name.replace('[x]', '')}`;
      if (count < min) {
        const diagnostics =
          count === 0
            ? `${at} is required by the profile ${profile} (min ${min})`
            : `${at} needs at least ${min} values in the profile ${profile}, found ${count}`;
        return [{ severity: 'error', code: 'required', diagnostics, expression: [at] }];
      }
      if (count > max) {
        const diagnostics =
          max === 0
            ? `${at} is not allowed by the profile ${profile}`
            : `${at} allows at most ${max} value${max === 1 ? '' : 's'} in the profile ${profile}, found ${count}`;
        return [{ severity: 'error', code: 'structure', diagnostics, expression: [at] }];
      }
      return [];
    });
}

/** A choice element (`value[x]`) narrowed to some types: any other `valueXxx` is an error. */
function choiceTypeRule(element: ElementDefinition, profile: string): ElementRule | undefined {
  if (!element.path.endsWith('[x]') || !element.type?.length) return undefined;
  const segments = pathSegments(element.path);
  const name = segments[segments.length - 1];
  const prefix = name.slice(0, -3);
  const allowed = element.type.map(({ code }) => prefix + code.charAt(0).toUpperCase() + code.slice(1));
  return (node, expression) =>
    select({ value: node, expression }, segments.slice(0, -1)).flatMap((parent): ValidationIssue[] => {
      if (!isObject(parent.value)) return [];
      return propertyNames(parent.value, name)
        .filter((key) => !allowed.includes(key))
        .map((key) => ({
          severity: 'error',
          code: 'structure',
          diagnostics: `${parent.expression}.${key} is not allowed: the profile ${profile} allows only ${allowed.join(' or ')} here`,
          expression: [`${parent.expression}.${key}`],
        }));
    });
}
