// The values of date and number searches (http://hl7.org/fhir/R4/search.html#prefix): a prefix
// and the implicit range a value stands for (a partial date covers its whole year, month or day;
// a number covers its precision: 100 is [99.5, 100.5)).

export const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
export type Prefix = (typeof PREFIXES)[number];

function splitPrefix(value: string): { prefix: Prefix; rest: string } {
  const head = value.slice(0, 2);
  if (/^[a-z]{2}/.test(value)) {
    if (!(PREFIXES as readonly string[]).includes(head))
      throw new RangeError(`"${head}" is not a search prefix (eq, ne, gt, lt, ge, le, sa, eb, ap)`);
    return { prefix: head as Prefix, rest: value.slice(2) };
  }
  return { prefix: 'eq', rest: value };
}

/** An instant range [start, end) in milliseconds since the epoch. */
export interface DateRange {
  prefix: Prefix;
  start: number;
  end: number;
}

const DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** A FHIR date, dateTime or instant with an optional prefix; without a zone, UTC. */
export function parseDateValue(value: string): DateRange {
  const { prefix, rest } = splitPrefix(value);
  const m = DATE.exec(rest);
  if (!m) throw new RangeError(`"${value}" is not a date such as 2024, 2024-03, 2024-03-05 or 2024-03-05T10:00:00Z`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12) throw new RangeError(`"${value}" has no month ${mo}`);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) throw new RangeError(`"${value}" has no day ${d} in that month`);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (hour > 23 || minute > 59 || second > 59) throw new RangeError(`"${value}" is not a valid time of day`);
  let offsetMinutes = 0;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [zh, zm] = zone.slice(1).split(':').map(Number) as [number, number];
    if (zh > 14 || zm > 59) throw new RangeError(`"${value}" has no time zone ${zone}`);
    offsetMinutes = sign * (zh * 60 + zm);
  }
  const millis = frac ? Number(`0.${frac}`) * 1000 : 0;
  const start = Date.UTC(year, month - 1, day, hour, minute, second) + millis - offsetMinutes * 60_000;
  let end: number;
  if (mo === undefined) end = Date.UTC(year + 1, 0, 1);
  else if (d === undefined) end = Date.UTC(year, month, 1);
  else if (h === undefined) end = start + 86_400_000;
  else if (s === undefined) end = start + 60_000;
  else if (frac === undefined) end = start + 1000;
  else end = start + Math.max(1, 10 ** (3 - Math.min(frac.length, 3)));
  if (!Number.isFinite(start) || year < 1) throw new RangeError(`"${value}" is out of range`);
  return { prefix, start, end };
}

/** ap: the range widened by 10% of its distance from now (search.html#prefix), at least a day. */
export function approximately(range: DateRange, now = Date.now()): { start: number; end: number } {
  const gap = Math.max(86_400_000, Math.abs(now - range.start) * 0.1);
  return { start: range.start - gap, end: range.end + gap };
}

export interface NumberValue {
  prefix: Prefix;
  value: number;
  /** The implicit range of the value's precision. */
  low: number;
  high: number;
}

export function parseNumberValue(value: string): NumberValue {
  const { prefix, rest } = splitPrefix(value);
  const m = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(rest);
  if (!m) throw new RangeError(`"${value}" is not a number such as 100, ge5.5 or 1e3`);
  const number = Number(rest);
  const decimals = (m[3]?.length ?? 0) - Number(m[4] ?? 0);
  const half = 0.5 * 10 ** -decimals;
  return { prefix, value: number, low: number - half, high: number + half };
}

/** The UTC calendar day of an instant, as YYYY-MM-DD. */
export const utcDay = (millis: number) => new Date(millis).toISOString().slice(0, 10);

/** The first UTC day starting at or after the instant. */
export const ceilDay = (millis: number) => utcDay(Math.ceil(millis / 86_400_000) * 86_400_000);

/** The UTC day containing the instant. */
export const floorDay = (millis: number) => utcDay(Math.floor(millis / 86_400_000) * 86_400_000);

/** Case- and accent-folded text, as fhir_fold() does in SQL (for scoring, not for filtering). */
export const foldText = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
