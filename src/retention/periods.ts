// The retention periods of the schema document's Data Retention Policy, and how a period is
// written (7y, 3y, 1y, 7d, 24h): a bad one, or one below the policy's minimum, is refused.

export type RetentionRuleName =
  'inactive-patients' | 'deleted-patients' | 'audit-errors' | 'audit-access' | 'audit-logs' | 'sessions';

export interface Period {
  amount: number;
  unit: 'y' | 'mo' | 'w' | 'd' | 'h';
  text: string;
}

export const DEFAULT_PERIODS: Record<RetentionRuleName, string> = {
  'inactive-patients': '7y', // 7 years after the last visit
  'deleted-patients': '7y', // HIPAA
  'audit-errors': '1y', // error logs
  'audit-access': '3y', // access logs
  'audit-logs': '7y', // all logs: 7 years minimum
  sessions: '7d',
};

/** Periods the policy sets as a floor: a shorter one is refused. */
const MINIMUM: Partial<Record<RetentionRuleName, string>> = { 'audit-logs': '7y', 'deleted-patients': '7y' };

export class RetentionPeriodError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetentionPeriodError';
  }
}

export function parsePeriod(text: string, name = 'period'): Period {
  const match = /^(\d{1,4})(y|mo|w|d|h)$/.exec(text.trim());
  if (!match || Number(match[1]) === 0)
    throw new RetentionPeriodError(
      `${name}: "${text}" is not a retention period such as 7y, 18mo, 4w, 7d or 24h (a whole number above 0 and a unit)`,
    );
  return { amount: Number(match[1]), unit: match[2] as Period['unit'], text: text.trim() };
}

/** The moment before which a row is past its period. */
export function cutoff(period: Period, now: Date): Date {
  const at = new Date(now);
  if (period.unit === 'y') at.setUTCFullYear(at.getUTCFullYear() - period.amount);
  else if (period.unit === 'mo') at.setUTCMonth(at.getUTCMonth() - period.amount);
  else at.setTime(at.getTime() - period.amount * { w: 7 * 86400e3, d: 86400e3, h: 3600e3 }[period.unit]);
  return at;
}

const days = (period: Period) => period.amount * { y: 365.25, mo: 30.44, w: 7, d: 1, h: 1 / 24 }[period.unit];

/** The periods to apply: the policy's, with `overrides` checked (format and minimums). */
export function retentionPeriods(overrides: Partial<Record<string, string>> = {}): Record<RetentionRuleName, Period> {
  const periods = {} as Record<RetentionRuleName, Period>;
  for (const name of Object.keys(overrides))
    if (!(name in DEFAULT_PERIODS))
      throw new RetentionPeriodError(`unknown retention rule "${name}" (${Object.keys(DEFAULT_PERIODS).join(', ')})`);
  for (const name of Object.keys(DEFAULT_PERIODS) as RetentionRuleName[]) {
    const period = parsePeriod(overrides[name] ?? DEFAULT_PERIODS[name], name);
    const minimum = MINIMUM[name];
    if (minimum && days(period) < days(parsePeriod(minimum)))
      throw new RetentionPeriodError(`${name}: ${period.text} is shorter than the policy's minimum of ${minimum}`);
    periods[name] = period;
  }
  return periods;
}
