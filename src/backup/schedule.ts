// Backup names and rotation (database-schema.md, Backup Strategy): daily snapshots kept 24 hours,
// weekly 4 weeks, monthly 12 months. A backup is monthly when the month has none yet, weekly when
// its ISO week has none, daily otherwise; the name carries its time and tier.
export type Tier = 'daily' | 'weekly' | 'monthly';
export type BackupKind = 'postgresql' | 'embedded';

export const EXTENSION: Record<BackupKind, string> = { postgresql: 'pgdump', embedded: 'pglite.tar.gz' };
export const KEEP_MS: Record<Tier, number> = {
  daily: 24 * 3600e3,
  weekly: 28 * 86400e3,
  monthly: 365 * 86400e3,
};

export interface BackupName {
  file: string;
  at: Date;
  tier: Tier;
  kind: BackupKind;
}

const NAME = /^fhir-backup-(\d{8}T\d{6}Z)-(daily|weekly|monthly)\.(pgdump|pglite\.tar\.gz)$/;

const stamp = (at: Date) =>
  at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

export function parseBackupName(file: string): BackupName | undefined {
  const match = NAME.exec(file);
  if (!match) return undefined;
  const [, time, tier, ext] = match;
  const iso = `${time!.slice(0, 4)}-${time!.slice(4, 6)}-${time!.slice(6, 8)}T${time!.slice(9, 11)}:${time!.slice(11, 13)}:${time!.slice(13, 15)}Z`;
  return {
    file,
    at: new Date(iso),
    tier: tier as Tier,
    kind: ext === 'pgdump' ? 'postgresql' : 'embedded',
  };
}

function isoWeek(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  return `${day.getUTCFullYear()}-W${Math.ceil(((day.getTime() - yearStart) / 86400e3 + 1) / 7)}`;
}

export function tierFor(at: Date, existing: readonly BackupName[]): Tier {
  const month = at.toISOString().slice(0, 7);
  if (!existing.some((b) => b.tier === 'monthly' && b.at.toISOString().slice(0, 7) === month)) return 'monthly';
  const week = isoWeek(at);
  if (!existing.some((b) => b.tier !== 'daily' && isoWeek(b.at) === week)) return 'weekly';
  return 'daily';
}

export function backupName(at: Date, tier: Tier, kind: BackupKind): string {
  return `fhir-backup-${stamp(at)}-${tier}.${EXTENSION[kind]}`;
}

/** The backups past their tier's retention; the newest is always kept. */
export function expiredBackups(backups: readonly BackupName[], now: Date): BackupName[] {
  const newest = [...backups].sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  return backups.filter((b) => b !== newest && now.getTime() - b.at.getTime() > KEEP_MS[b.tier]);
}
