// Retention periods (database-schema.md, Data Retention Policy): the policy's defaults, how a period
// is written, and refusals of bad ones.
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { cutoff, parsePeriod, retentionPeriods } from '../../../src/retention/periods.js';

describe('retention › periods', function () {
  it("defaults to the document's policy", () => {
    const periods = retentionPeriods();
    expect(Object.fromEntries(Object.entries(periods).map(([k, v]) => [k, v.text]))).to.deep.equal({
      'inactive-patients': '7y',
      'deleted-patients': '7y',
      'audit-errors': '1y',
      'audit-access': '3y',
      'audit-logs': '7y',
      sessions: '7d',
    });
  });

  it('counts years and months on the calendar, days and hours exactly', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(cutoff(parsePeriod('7y'), now).toISOString()).to.equal('2019-03-01T12:00:00.000Z');
    expect(cutoff(parsePeriod('18mo'), now).toISOString()).to.equal('2024-09-01T12:00:00.000Z');
    expect(cutoff(parsePeriod('7d'), now).toISOString()).to.equal('2026-02-22T12:00:00.000Z');
    expect(cutoff(parsePeriod('24h'), now).toISOString()).to.equal('2026-02-28T12:00:00.000Z');
  });

  it('refuses malformed periods, zero, unknown rules and periods under the policy minimum', () => {
    for (const bad of ['7', 'y', '0d', '-1y', '7 years', '1.5y', ''])
      expect(() => parsePeriod(bad), bad).to.throw(/is not a retention period/);
    expect(() => retentionPeriods({ 'audit-logs': '6y' })).to.throw(/shorter than the policy's minimum of 7y/);
    expect(() => retentionPeriods({ 'deleted-patients': '83mo' })).to.throw(/minimum of 7y/);
    expect(() => retentionPeriods({ cache: '1h' })).to.throw(/unknown retention rule "cache"/);
    expect(retentionPeriods({ 'audit-logs': '10y' })['audit-logs'].text).to.equal('10y');
  });

  it('RETENTION_INTERVAL is off by default, an interval, or a configuration error', () => {
    expect(loadConfig({}).retentionIntervalMs).to.equal(undefined);
    expect(loadConfig({ RETENTION_INTERVAL: 'off' }).retentionIntervalMs).to.equal(undefined);
    expect(loadConfig({ RETENTION_INTERVAL: '1d' }).retentionIntervalMs).to.equal(86_400_000);
    expect(loadConfig({ RETENTION_INTERVAL: '30m' }).retentionIntervalMs).to.equal(1_800_000);
    for (const bad of ['daily', '0h', '5s'])
      expect(() => loadConfig({ RETENTION_INTERVAL: bad })).to.throw(ConfigError, /RETENTION_INTERVAL/);
  });
});
