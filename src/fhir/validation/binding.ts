// Required terminology bindings (http://hl7.org/fhir/R4/terminologies.html#required) checked against the
// ValueSets in profiles/, whose codes are listed in compose.include[].concept[].
import type { Coding, ValueSet } from 'fhir/r4.js';
import { pathSegments, select } from './element-path.js';
import { isObject, type ElementRule, type ValidationIssue } from './issue.js';

/** The codes of one ValueSet: system → codes. */
export class ValueSetCodes {
  private readonly bySystem = new Map<string, Set<string>>();
  readonly url: string;

  constructor(valueSet: ValueSet) {
    if (!valueSet.url) throw new Error(`ValueSet ${valueSet.id ?? '?'} has no url`);
    this.url = valueSet.url;
    if (valueSet.compose?.exclude?.length) throw new Error(`ValueSet ${this.url}: compose.exclude is not supported`);
    for (const include of valueSet.compose?.include ?? []) {
      if (!include.system || !include.concept?.length || include.filter?.length || include.valueSet?.length) {
        throw new Error(`ValueSet ${this.url}: each compose.include needs a system and a concept list (nothing else)`);
      }
      const codes = this.bySystem.get(include.system) ?? new Set<string>();
      for (const concept of include.concept) codes.add(concept.code);
      this.bySystem.set(include.system, codes);
    }
    if (this.bySystem.size === 0) throw new Error(`ValueSet ${this.url} lists no codes`);
  }

  /** A bare `code` (the system is implied by the element, as for Patient.gender). */
  hasCode(code: string): boolean {
    return [...this.bySystem.values()].some((codes) => codes.has(code));
  }

  hasCoding(coding: Coding): boolean {
    return (
      coding.system !== undefined && coding.code !== undefined && !!this.bySystem.get(coding.system)?.has(coding.code)
    );
  }

  /** `male, female, other, unknown` or `A, D, M (…/v3-MaritalStatus); UNK (…/v3-NullFlavor)`. */
  describe(withSystems: boolean): string {
    const groups = [...this.bySystem].map(([system, codes]) => {
      const list = [...codes].join(', ');
      return withSystems ? `${list} (${system})` : list;
    });
    return groups.join(withSystems ? '; ' : ', ');
  }
}

/** Strips a `|version` from a canonical reference. */
export const canonicalUrl = (reference: string): string => reference.split('|')[0];

/** The check of one required binding on `path`: a code, a Coding or a CodeableConcept. */
export function requiredBindingRule(path: string, valueSet: ValueSetCodes, profile: string): ElementRule {
  const segments = pathSegments(path);
  const rule = `the required binding of ${path} to ${valueSet.url} (profile ${profile})`;
  return (node, expression) =>
    select({ value: node, expression }, segments).flatMap(({ value, expression: at }): ValidationIssue[] => {
      if (typeof value === 'string') {
        if (valueSet.hasCode(value)) return [];
        return [codeInvalid(`'${value}' is not allowed by ${rule}; expected one of ${valueSet.describe(false)}`, at)];
      }
      if (!isObject(value)) return []; // a wrong JSON type is the schema's issue
      if ('code' in value || 'system' in value) {
        const coding = value as Coding;
        if (valueSet.hasCoding(coding)) return [];
        return [
          codeInvalid(`${shownCoding(coding)} is not allowed by ${rule}; expected ${valueSet.describe(true)}`, at),
        ];
      }
      const codings = Array.isArray(value.coding) ? (value.coding as Coding[]) : [];
      if (codings.some((coding) => isObject(coding) && valueSet.hasCoding(coding))) return [];
      if (codings.length === 0) {
        const what = typeof value.text === 'string' ? `only a text ('${value.text}')` : 'no coding';
        return [codeInvalid(`${at} has ${what}, but ${rule} needs a coding from it: ${valueSet.describe(true)}`, at)];
      }
      const sent = codings.map(shownCoding).join(', ');
      return [
        codeInvalid(
          `None of the codings of ${at} (${sent}) is allowed by ${rule}; expected ${valueSet.describe(true)}`,
          at,
        ),
      ];
    });
}

const codeInvalid = (diagnostics: string, at: string): ValidationIssue => ({
  severity: 'error',
  code: 'code-invalid',
  diagnostics,
  expression: [at],
});

const shownCoding = (coding: Coding): string =>
  isObject(coding) ? `${coding.system ?? '(no system)'}|${coding.code ?? '(no code)'}` : 'a non-object coding';
