// `npm run seed`: realistic synthetic data whose foreign keys hold, whose counts match the request
// and whose JSONB contents pass their schemas.
import { expect } from 'chai';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.js';
import { Doctor } from '../../src/db/entities/index.js';
import { jsonbProblems } from '../../src/db/jsonb/validate.js';
import type { JsonbShapeName } from '../../src/db/jsonb/shapes.js';
import { seed, type SeedResult } from '../../src/seed/seed.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe('seed (src/seed)', function () {
  let database: TestDatabase;
  let db: Database;
  let client: pg.Client;
  let first: SeedResult;
  const count = async (sql: string) => (await client.query(sql)).rows[0].n as number;

  before(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolMax: 2 });
    await db.migrate();
    client = new pg.Client({ connectionString: db.clientUrl });
    await client.connect();
    first = await seed(db.orm.em.fork(), { patients: 40, doctors: 4, seed: 7 });
  });
  after(async () => {
    await client?.end();
    await db?.close();
    await database?.drop();
  });

  it('inserts exactly the patients asked for, with a user each, and reports true counts', async () => {
    expect(first.inserted.patients).to.equal(40);
    expect(first.inserted.doctors).to.equal(4);
    expect(await count('select count(*)::int as n from patients')).to.equal(40);
    for (const [table, n] of Object.entries(first.inserted))
      expect(await count(`select count(*)::int as n from ${table}`), table).to.equal(n);
    for (const table of [
      'appointments',
      'medical_records',
      'prescriptions',
      'invoices',
      'lab_tests',
      'medicines',
      'audit_logs',
    ])
      expect(first.inserted[table as keyof typeof first.inserted], table).to.be.greaterThan(0);
  });

  it('uses PAT-/DOC- user ids, roles and bcrypt password hashes', async () => {
    expect(
      await count(
        `select count(*)::int as n from users u join patients p on p."userId" = u.id where u."userId" ~ '^PAT-[0-9]{6}$' and roles = '{patient}'`,
      ),
    ).to.equal(40);
    expect(
      await count(
        `select count(*)::int as n from users u join doctors d on d."userId" = u.id where u."userId" ~ '^DOC-[0-9]{6}$' and roles = '{doctor}'`,
      ),
    ).to.equal(4);
    expect(await count(`select count(*)::int as n from users where password !~ '^\\$2[aby]\\$10\\$.{53}$'`)).to.equal(
      0,
    );
  });

  it('keeps references that have no foreign key consistent too', async () => {
    expect(
      await count(
        `select count(*)::int as n from medical_records m where "doctorId" is not null and not exists (select 1 from doctors d where d.id = m."doctorId")`,
      ),
    ).to.equal(0);
    expect(
      await count(
        `select count(*)::int as n from appointments a where "cancelledBy" is not null and not exists (select 1 from users u where u.id = a."cancelledBy")`,
      ),
    ).to.equal(0);
    expect(
      await count(
        `select count(*)::int as n from prescriptions p, jsonb_array_elements(p.medicines) m where not exists (select 1 from medicines x where x.id::text = m->>'medicineId' and x."medicineCode" = m->>'medicineCode')`,
      ),
    ).to.equal(0);
    expect(
      await count(
        `select count(*)::int as n from audit_logs a where not exists (select 1 from users u where u.id::text = a."userId")`,
      ),
    ).to.equal(0);
    expect(
      await count(
        `select count(*)::int as n from appointments where status = 'cancelled' and ("cancelledBy" is null or "cancelledReason" is null)`,
      ),
    ).to.equal(0);
  });

  it('never books one doctor twice at the same time', async () => {
    expect(
      await count(
        `select count(*)::int as n from (select 1 from appointments group by "doctorId", "appointmentDate", "appointmentTime" having count(*) > 1) d`,
      ),
    ).to.equal(0);
  });

  it('writes JSONB that passes its schema in every row', async () => {
    const columns: [string, string, JsonbShapeName][] = [
      ['doctors', 'availableSlots', 'availableSlots'],
      ['prescriptions', 'medicines', 'medicines'],
      ['invoices', 'lineItems', 'lineItems'],
      ['invoices', 'payments', 'payments'],
      ['lab_tests', 'testResults', 'testResults'],
      ['audit_logs', 'changes', 'changes'],
    ];
    for (const [table, column, shape] of columns) {
      const { rows } = await client.query(`select "${column}" as value from ${table}`);
      for (const { value } of rows) expect(jsonbProblems(shape, value), `${table}.${column}`).to.deep.equal([]);
    }
  });

  it('keeps invoice money exact: line totals, subtotal, discount, tax, total, paid and due agree in numeric', async () => {
    const wrong = await count(`
      select count(*)::int as n from invoices i
       where i.subtotal <> (select sum((li->>'unitPrice')::numeric * (li->>'quantity')::numeric) from jsonb_array_elements(i."lineItems") li)
          or i."totalAmount" <> (select sum((li->>'total')::numeric) from jsonb_array_elements(i."lineItems") li)
          or i."totalAmount" <> i.subtotal - i.discount + i."taxAmount"
          or i."dueAmount" <> i."totalAmount" - i."paidAmount"
          or i."paidAmount" <> coalesce((select sum((p->>'amount')::numeric) from jsonb_array_elements(coalesce(i.payments, '[]')) p), 0)`);
    expect(wrong).to.equal(0);
  });

  it('continues the numbering when run again on a filled database', async () => {
    const again = await seed(db.orm.em.fork(), { patients: 5, doctors: 1, seed: 8 });
    expect(again.inserted.patients).to.equal(5);
    expect(again.inserted.medicines).to.equal(0); // the catalogue is reused
    expect(await count('select count(*)::int as n from patients')).to.equal(45);
    expect(await count(`select count(*)::int as n from users where "userId" = 'PAT-000045'`)).to.equal(1);
  });

  it('refuses to write JSONB that does not match its shape through the ORM', async () => {
    const em = db.orm.em.fork();
    const [{ id }] = (await client.query('select id from users limit 1')).rows;
    em.create(Doctor, {
      userId: id,
      specialization: 'Cardiology',
      availableSlots: { slots: [{ when: 'monday' }] } as never,
    });
    let error: unknown;
    try {
      await em.flush();
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/availableSlots does not match its JSON schema/);
  });
});
