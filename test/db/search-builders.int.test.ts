// The SQL of the number, quantity, uri and dateTime builders (mappings/params.ts) run against a
// real database over a few values: each prefix finds exactly the rows search.html#prefix says.
import { expect } from 'chai';
import pg from 'pg';
import { dateParam, numberParam, quantityParam, uriParam } from '../../mappings/params.js';
import type { MapContext, SearchParamDefinition } from '../../mappings/types.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { parseValues } from '../../src/search/parse.js';
import { numbered } from '../../src/search/sql.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const ctx = {} as MapContext;

describe('search › builders over real SQL (search.html#prefix)', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let db: Database;
  let client: pg.Client;

  before(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolMax: 2 });
    client = new pg.Client({ connectionString: db.clientUrl });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await db?.close();
    await database?.drop();
  });

  async function found(values: string, param: SearchParamDefinition, raw: string, modifier?: string) {
    const value = { ...parseValues(raw)[0]!, ...(modifier ? { modifier } : {}) };
    const where = param.where(value, ctx);
    const { rows } = await client.query(
      `select t.label from (values ${values}) t(label, x) where ${numbered(where.sql)} order by t.label`,
      where.params,
    );
    return rows.map((r) => r.label as string);
  }

  const NUMBERS = `('a', 99.4), ('b', 99.5), ('c', 100), ('d', 100.49), ('e', 100.5), ('f', null::numeric)`;
  const number = numberParam('', 't.x');
  const ROWS: [string, string[]][] = [
    ['100', ['b', 'c', 'd']],
    ['ne100', ['a', 'e']],
    ['gt100', ['d', 'e']],
    ['ge100', ['c', 'd', 'e']],
    ['lt100', ['a', 'b']],
    ['le100', ['a', 'b', 'c']],
    ['sa100', ['d', 'e']],
    ['eb100', ['a', 'b']],
    ['ap100', ['a', 'b', 'c', 'd', 'e']],
    ['100.0', ['c']],
  ];
  for (const [raw, expected] of ROWS)
    it(`number ${raw} finds ${expected.join(', ')}`, async () => {
      expect(await found(NUMBERS, number, raw)).to.deep.equal(expected);
    });

  it('quantity: value|system|code in the column unit; another unit matches nothing', async () => {
    const q = quantityParam('', 't.x', { system: 'http://unitsofmeasure.org', code: 'mg' });
    expect(await found(NUMBERS, q, 'ge100|http://unitsofmeasure.org|mg')).to.deep.equal(['c', 'd', 'e']);
    expect(await found(NUMBERS, q, 'lt100||mg')).to.deep.equal(['a', 'b']);
    expect(await found(NUMBERS, q, '100|http://unitsofmeasure.org|g')).to.deep.equal([]);
    expect(() => q.where(parseValues('x||mg')[0]!, ctx)).to.throw(RangeError);
  });

  it('uri: exact, :below and :above', async () => {
    const values = `('a', 'http://x.org/fhir'), ('b', 'http://x.org/fhir/ValueSet/1'), ('c', 'http://y.org')`;
    const uri = uriParam('', 't.x');
    expect(await found(values, uri, 'http://x.org/fhir')).to.deep.equal(['a']);
    expect(await found(values, uri, 'http://x.org/fhir', 'below')).to.deep.equal(['a', 'b']);
    expect(await found(values, uri, 'http://x.org/fhir/ValueSet/1/x', 'above')).to.deep.equal(['a', 'b']);
  });

  it('dateTime over a timestamptz column: a point in the range, zones honoured', async () => {
    const values = `('a', '2024-03-05T09:59:59Z'::timestamptz), ('b', '2024-03-05T10:00:00Z'::timestamptz),
      ('c', '2024-03-05T23:30:00Z'::timestamptz), ('d', '2024-03-06T00:00:00Z'::timestamptz)`;
    const date = dateParam('', 't.x', { kind: 'timestamptz' });
    expect(await found(values, date, '2024-03-05')).to.deep.equal(['a', 'b', 'c']);
    expect(await found(values, date, 'ge2024-03-05T12:00:00+02:00')).to.deep.equal(['b', 'c', 'd']);
    expect(await found(values, date, 'lt2024-03-05T10:00:00Z')).to.deep.equal(['a']);
    expect(await found(values, date, 'gt2024-03-05')).to.deep.equal(['d']);
    expect(await found(values, date, 'ne2024-03-05')).to.deep.equal(['d']);
  });
});
