// One problem found by validation, shaped like an OperationOutcome issue
// (http://hl7.org/fhir/R4/operationoutcome-definitions.html#OperationOutcome.issue).
import type { OperationOutcomeIssue } from 'fhir/r4.js';

export interface ValidationIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  /** 'structure' for schema problems, 'required', 'value', 'code-invalid', 'invariant', 'not-supported', ... */
  code: OperationOutcomeIssue['code'];
  /** A human sentence saying what is wrong. */
  diagnostics: string;
  /** FHIRPath-style location, e.g. ['Patient.name[0].given'] or ['Patient.gender']. */
  expression: string[];
}

/** A check that reads one element (the resource, or an extension inside it) at a known location. */
export type ElementRule = (node: Record<string, unknown>, expression: string) => ValidationIssue[];

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
