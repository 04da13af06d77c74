// Times ⇄ columns: the hospital's local wall-clock times (appointmentDate + appointmentTime, in
// HOSPITAL_TIME_ZONE) and TIMESTAMP columns, which hold UTC without a zone (the ORM's convention).

const WALL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's wall clock at an instant, as milliseconds of a UTC clock showing the same digits. */
function wallClock(ms: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
}

const offsetAt = (ms: number, timeZone: string) =>
  wallClock(Math.floor(ms / 1000) * 1000, timeZone) - Math.floor(ms / 1000) * 1000;

function offsetText(offsetMs: number): string {
  if (offsetMs === 0) return 'Z';
  const minutes = Math.abs(offsetMs) / 60000;
  const sign = offsetMs < 0 ? '-' : '+';
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

const pad = (n: number) => String(n).padStart(2, '0');
const isoWall = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/** A FHIR instant (with the zone's offset) of a local date and HH:MM; a time in a DST gap moves forward. */
export function localToInstant(date: string, time: string, timeZone: string): string | undefined {
  const match = WALL.exec(`${date}T${time}`);
  if (!match) return undefined;
  const [, y, mo, d, h, mi] = match;
  const wall = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!);
  const before = offsetAt(wall - 43200000, timeZone);
  const after = offsetAt(wall + 43200000, timeZone);
  const valid = [wall - before, wall - after].filter((t) => wallClock(t, timeZone) === wall);
  // twice in autumn: the earlier; never in spring (a DST gap): the offset before the change, moving forward
  const instant = valid.length > 0 ? Math.min(...valid) : wall - before;
  return `${isoWall(instant + offsetAt(instant, timeZone))}${offsetText(offsetAt(instant, timeZone))}`;
}

/** The local date (YYYY-MM-DD), time (HH:MM) and seconds of a FHIR instant in a zone. */
export function instantToLocal(
  instant: string,
  timeZone: string,
): { date: string; time: string; wholeMinute: boolean } | undefined {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return undefined;
  const wall = new Date(wallClock(ms, timeZone));
  return {
    date: wall.toISOString().slice(0, 10),
    time: `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}`,
    wholeMinute: ms % 60000 === 0,
  };
}

/** An instant `minutes` later, in the zone's offset at that time. */
export function addMinutes(instant: string, minutes: number, timeZone: string): string {
  const ms = Date.parse(instant) + minutes * 60000;
  return `${isoWall(ms + offsetAt(ms, timeZone))}${offsetText(offsetAt(ms, timeZone))}`;
}

/** A TIMESTAMP column's text (UTC, as to_jsonb gives it) as a FHIR dateTime/instant. */
export const timestampToFhir = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? `${value.replace(' ', 'T')}Z` : undefined;

const ZONED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A FHIR dateTime as a TIMESTAMP column value (UTC text, fraction kept); a date alone is midnight
 * UTC. Undefined when it has no time zone or is partial, so the caller can name the element.
 */
export function fhirToTimestamp(value: string | undefined): string | null | undefined {
  if (value === undefined) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}T00:00:00`;
  const match = ZONED.exec(value);
  if (!match) return undefined;
  const [, wall, fraction = '', zone] = match;
  if (zone === 'Z' || zone === '+00:00' || zone === '-00:00') return `${wall}${fraction}`;
  const ms = Date.parse(`${wall}${zone}`);
  return `${new Date(ms).toISOString().slice(0, 19)}${fraction}`;
}

/** Minutes between two instants. */
export const minutesBetween = (start: string, end: string) => (Date.parse(end) - Date.parse(start)) / 60000;
