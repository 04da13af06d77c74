// Money ⇄ DECIMAL(10,2) columns and the money strings of the JSONB shapes. Amounts are counted in
// whole cents (bigint) parsed from decimal text, never through binary floating point; a FHIR
// decimal is written as the JSON number whose shortest text is the column's digits.
import type { Money } from 'fhir/r4.js';

export const CURRENCY = 'USD';

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** A decimal's text: a JSON number as its shortest round-trip text, a string as it is. */
const decimalText = (value: unknown): string | undefined =>
  typeof value === 'number' && Number.isFinite(value)
    ? String(value).includes('e')
      ? undefined
      : String(value)
    : typeof value === 'string'
      ? value
      : undefined;

/** Whole cents of a decimal with at most two places; undefined otherwise. */
export function toCents(value: unknown): bigint | undefined {
  const match = DECIMAL.exec(decimalText(value) ?? '');
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match;
  if (fraction.replace(/0+$/, '').length > 2) return undefined;
  const cents = BigInt(whole!) * 100n + BigInt((fraction + '00').slice(0, 2));
  return sign ? -cents : cents;
}

/** Cents as the column's text, e.g. 12550n → "125.50". */
export function centsText(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** A column's money text as FHIR Money. */
export function money(text: unknown): Money | undefined {
  const cents = toCents(text);
  return cents === undefined ? undefined : { value: Number(centsText(cents)), currency: CURRENCY };
}

/** cents × a decimal quantity, rounded half away from zero to whole cents. */
export function timesQuantity(cents: bigint, quantity: unknown): bigint | undefined {
  const match = DECIMAL.exec(decimalText(quantity) ?? '');
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match;
  const scale = 10n ** BigInt(fraction.length);
  const product = cents * (BigInt(whole!) * scale + BigInt(fraction || '0'));
  const rounded = (product * 2n + scale) / (2n * scale);
  return sign ? -rounded : rounded;
}

/** A decimal text with its point moved `places` to the left (8.25 → 0.0825 for −2 … ), exactly. */
export function shiftDecimal(text: string, places: number): string | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const [, sign = '', whole, fraction = ''] = match;
  let digits = `${whole}${fraction}`;
  let point = whole!.length + places;
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  }
  if (point > digits.length) digits = digits + '0'.repeat(point - digits.length);
  const int = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const frac = digits.slice(point).replace(/0+$/, '');
  return `${sign}${int}${frac ? `.${frac}` : ''}`;
}
