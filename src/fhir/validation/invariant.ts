// Invariants: ElementDefinition.constraint[] FHIRPath expressions (http://hl7.org/fhir/R4/conformance-rules.html#constraints),
// compiled once with fhirpath.js and the R4 model, evaluated on each instance of their element.
// fhirpath.js takes some 15-40 µs an expression, so the invariants are most of a profile's cost.
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import type { ElementDefinitionConstraint } from 'fhir/r4.js';
import { pathSegments, select } from './element-path.js';
import { fastInvariant } from './length-invariant.js';
import type { ElementRule, ValidationIssue } from './issue.js';

export interface Invariant {
  /** The element the constraint is on: Patient, Patient.name, Extension. */
  path: string;
  constraint: ElementDefinitionConstraint;
}

type Evaluator = (data: unknown) => unknown[];

/**
 * All invariants of one profile as one rule. `rootIsResource` says the profile constrains a resource
 * (Patient), evaluated as itself, rather than a datatype (Extension), which fhirpath types by a base path.
 */
export function invariantsRule(
  invariants: readonly Invariant[],
  profile: string,
  rootIsResource: boolean,
): ElementRule | undefined {
  if (invariants.length === 0) return undefined;
  const rules = invariants.map(({ path, constraint }) => invariantRule(path, constraint, profile, rootIsResource));
  return (node, expression) => rules.flatMap((rule) => rule(node, expression));
}

/** One constraint: it holds when its expression gives true, or nothing (an empty result tests nothing). */
function invariantRule(
  path: string,
  constraint: ElementDefinitionConstraint,
  profile: string,
  rootIsResource: boolean,
): ElementRule {
  const { key, human, expression } = constraint;
  if (!expression) throw new Error(`${profile}: constraint ${key} on ${path} has no expression`);
  const segments = pathSegments(path);
  let evaluate: Evaluator;
  try {
    evaluate = (
      segments.length === 0 && rootIsResource
        ? fhirpath.compile(expression, r4model)
        : fhirpath.compile({ base: path, expression }, r4model)
    ) as Evaluator;
  } catch (error) {
    const reason = (error as Error).message;
    throw new Error(`${profile}: constraint ${key} on ${path} does not compile: ${reason}`, { cause: error });
  }
  const severity = constraint.severity === 'warning' ? 'warning' : 'error';
  const fast = fastInvariant(expression);
  return (node, expression) =>
    select({ value: node, expression }, segments).flatMap(({ value, expression: at }): ValidationIssue[] => {
      const decided = fast?.(value);
      if (decided === true) return [];
      if (decided === false)
        return [{ severity, code: 'invariant', diagnostics: `${at} fails ${key}: ${human}`, expression: [at] }];
      let result: unknown[];
      try {
        result = evaluate(value);
      } catch (error) {
        const diagnostics = `${key} could not be evaluated on ${at}: ${(error as Error).message}`;
        return [{ severity: 'error', code: 'processing', diagnostics, expression: [at] }];
      }
      if (result.length === 0 || (result.length === 1 && result[0] === true)) return [];
      return [{ severity, code: 'invariant', diagnostics: `${at} fails ${key}: ${human}`, expression: [at] }];
    });
}
