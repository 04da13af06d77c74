// UCUM units (https://ucum.org/ucum): a lab value's unit must be a valid UCUM expression, checked
// with the NLM's UCUM library (@lhncbc/ucum-lhc, the one fhirpath.js uses).
import { createRequire } from 'node:module';

export const UCUM = 'http://unitsofmeasure.org';

interface UcumUtils {
  validateUnitString(unit: string): { status: 'valid' | 'invalid' | 'error' };
}

const require = createRequire(import.meta.url);
const ucum = (require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } }).UcumLhcUtils.getInstance();
const known = new Map<string, boolean>();

/** True when `unit` is a valid UCUM unit expression (mg/dL, 10*3/uL, %, {ratio}). */
export function isUcumUnit(unit: string): boolean {
  let valid = known.get(unit);
  if (valid === undefined) {
    valid = unit.trim() !== '' && ucum.validateUnitString(unit).status === 'valid';
    if (known.size < 10000) known.set(unit, valid);
  }
  return valid;
}
