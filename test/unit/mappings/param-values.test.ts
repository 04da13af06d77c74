// The implicit ranges of date and number search values (http://hl7.org/fhir/R4/search.html#prefix).
import { expect } from 'chai';
import { parseDateValue, parseNumberValue } from '../../../mappings/param-values.js';

const iso = (millis: number) => new Date(millis).toISOString();
const range = (value: string) => {
  const r = parseDateValue(value);
  return [r.prefix, iso(r.start), iso(r.end)];
};

describe('mappings › param-values (search.html#prefix)', () => {
  it('a partial date covers its whole year, month or day', () => {
    expect(range('2024')).to.deep.equal(['eq', '2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    expect(range('ge2024-02')).to.deep.equal(['ge', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
    expect(range('sa2024-12-31')).to.deep.equal(['sa', '2024-12-31T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
  });

  it('a dateTime covers its precision, in its time zone (UTC without one)', () => {
    expect(range('2024-03-05T10:00:00+02:00')).to.deep.equal([
      'eq',
      '2024-03-05T08:00:00.000Z',
      '2024-03-05T08:00:01.000Z',
    ]);
    expect(range('lt2024-03-05T10:00')).to.deep.equal(['lt', '2024-03-05T10:00:00.000Z', '2024-03-05T10:01:00.000Z']);
    expect(range('2024-03-05T10:00:00.5Z')).to.deep.equal([
      'eq',
      '2024-03-05T10:00:00.500Z',
      '2024-03-05T10:00:00.600Z',
    ]);
  });

  it('refuses what is no date, no such day, or an unknown prefix', () => {
    for (const bad of ['2024-13', '2023-02-29', '2024-02-30', 'xx2024', '24', '2024-1-1', '2024-01-01T24:00:00Z', ''])
      expect(() => parseDateValue(bad), bad).to.throw(RangeError);
    expect(range('2024-02-29')[1]).to.equal('2024-02-29T00:00:00.000Z');
  });

  it('a number covers its precision: 100 is [99.5, 100.5), 1e2 is [50, 150)', () => {
    expect(parseNumberValue('100')).to.deep.include({ prefix: 'eq', value: 100, low: 99.5, high: 100.5 });
    const decimal = parseNumberValue('gt5.40');
    expect(decimal).to.deep.include({ prefix: 'gt', value: 5.4 });
    expect(decimal.low).to.be.closeTo(5.395, 1e-12);
    expect(decimal.high).to.be.closeTo(5.405, 1e-12);
    expect(parseNumberValue('1e2')).to.deep.include({ value: 100, low: 50, high: 150 });
    for (const bad of ['abc', '1,5', 'zz5', '--1']) expect(() => parseNumberValue(bad), bad).to.throw(RangeError);
  });
});
