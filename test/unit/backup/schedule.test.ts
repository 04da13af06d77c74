// Backup names, tiers and rotation (database-schema.md, Backup Strategy: daily kept 24 hours,
// weekly 4 weeks, monthly 12 months).
import { expect } from 'chai';
import { backupName, expiredBackups, parseBackupName, tierFor } from '../../../src/backup/schedule.js';

const at = (iso: string) => new Date(iso);
const named = (iso: string, tier: 'daily' | 'weekly' | 'monthly') =>
  parseBackupName(backupName(at(iso), tier, 'postgresql'))!;

describe('backup › schedule', function () {
  it('names a backup by its UTC time, tier and kind, and reads the name back', () => {
    const name = backupName(at('2026-12-02T02:30:05.123Z'), 'weekly', 'embedded');
    expect(name).to.equal('fhir-backup-20261202T023005Z-weekly.pglite.tar.gz');
    expect(parseBackupName(name)).to.deep.include({ tier: 'weekly', kind: 'embedded' });
    expect(parseBackupName(name)!.at.toISOString()).to.equal('2026-12-02T02:30:05.000Z');
    expect(parseBackupName('notes.txt')).to.equal(undefined);
  });

  it('monthly when the month has none, weekly when the ISO week has none, daily otherwise', () => {
    expect(tierFor(at('2026-12-02T10:00:00Z'), [])).to.equal('monthly');
    const december = [named('2026-12-01T01:00:00Z', 'monthly')];
    expect(tierFor(at('2026-12-02T10:00:00Z'), december)).to.equal('daily'); // same ISO week (Mon 30 Nov)
    expect(tierFor(at('2026-12-07T10:00:00Z'), december)).to.equal('weekly'); // next Monday
    expect(tierFor(at('2026-12-08T10:00:00Z'), [...december, named('2026-12-07T10:00:00Z', 'weekly')])).to.equal(
      'daily',
    );
    expect(tierFor(at('2027-01-01T00:30:00Z'), december)).to.equal('monthly');
  });

  it('expires daily after 24 hours, weekly after 4 weeks, monthly after 12 months, never the newest', () => {
    const now = at('2026-12-02T12:00:00Z');
    const backups = [
      named('2026-12-02T11:00:00Z', 'daily'),
      named('2026-12-01T11:00:00Z', 'daily'),
      named('2026-11-10T11:00:00Z', 'weekly'),
      named('2026-10-20T11:00:00Z', 'weekly'),
      named('2026-01-05T11:00:00Z', 'monthly'),
      named('2025-11-01T11:00:00Z', 'monthly'),
    ];
    expect(expiredBackups(backups, now).map((b) => b.at.toISOString().slice(0, 10))).to.deep.equal([
      '2026-12-01',
      '2026-10-20',
      '2025-11-01',
    ]);
    const onlyOld = [named('2020-01-01T00:00:00Z', 'daily')];
    expect(expiredBackups(onlyOld, now)).to.deep.equal([]);
  });
});
