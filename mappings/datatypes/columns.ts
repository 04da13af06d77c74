// Reading and checking column values: text that fits its VARCHAR, dates a DATE column can hold.
import type { WriteProblem } from '../types.js';

export const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** The value when it fits VARCHAR(max); otherwise a problem naming the element. */
export function fits(problems: WriteProblem[], expression: string, value: string | undefined, max: number) {
  if (value !== undefined && value.length > max) {
    problems.push({ expression, diagnostics: `${expression} is longer than the ${max} characters its column holds` });
    return undefined;
  }
  return value ?? null;
}

const FULL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A FHIR date a DATE column can hold (a full date); partial dates are kept beside the row (D4). */
export const fullDate = (value: string | undefined): string | null =>
  value !== undefined && FULL_DATE.test(value) ? value : null;
