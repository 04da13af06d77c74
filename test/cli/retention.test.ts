// `npm run retention` (database-schema.md, Data Retention Policy), by time travel: rows dated in the
// past, and exactly those past their period go; the audit rows about a removed patient survive,
// anonymised; --dry-run touches nothing; a bad period is refused.
import { expect } from 'chai';
import pg from 'pg';
import { runCli, toolEnv } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/server.js';

const AGO = (interval: string) => `(now() at time zone 'UTC') - interval '${interval}'`;

describe('retention (npm run retention)', function () {
  let server: TestServer;
  let sql: pg.Client;
  const connect = async () => {
    const client = new pg.Client({ connectionString: server.db.clientUrl });
    await client.connect();
    return client;
  };
  /** The tool needs the embedded database's one spare connection: ours is closed meanwhile. */
  async function retention(args: string[]) {
    await sql.end();
    try {
      return await runCli('src/cli/retention.ts', args, toolEnv(server));
    } finally {
      sql = await connect();
    }
  }
  const patients: Record<string, string> = {};
  const audit: Record<string, string> = {};
  let number = 0;

  async function patient(name: string, o: { status?: string; created: string; deleted?: string }) {
    number++;
    const { rows } = await sql.query(
      `with u as (insert into users ("userId", email, "firstName", "lastName", password, status, "isDeleted", "deletedAt", "createdAt")
                  values ($1, $2, 'Old', $3, 'x', $4, $5, ${o.deleted ? AGO(o.deleted) : 'null'}, ${AGO(o.created)}) returning id)
       insert into patients ("userId", "createdAt", "deletedAt") select id, ${AGO(o.created)}, ${o.deleted ? AGO(o.deleted) : 'null'} from u returning id`,
      [
        `PAT-9${String(number).padStart(5, '0')}`,
        `${name}.${number}@example.org`,
        name,
        o.status ?? 'inactive',
        !!o.deleted,
      ],
    );
    patients[name] = rows[0].id;
    return rows[0].id as string;
  }
  async function auditRow(name: string, action: string, success: boolean, age: string, extra = '') {
    const { rows } = await sql.query(
      `insert into audit_logs ("userId", "userEmail", action, "entityType", success, "createdAt", description${extra ? ', "entityId", changes' : ''})
       values ('u', 'u@example.org', $1, 'system', $2, ${AGO(age)}, 'time travel'${extra}) returning id`,
      [action, success],
    );
    audit[name] = rows[0].id;
  }
  const ids = async (table: string, where = 'true') =>
    (await sql.query(`select id::text from ${table} where ${where} order by id`)).rows.map((r) => r.id);
  const snapshot = async () => ({
    patients: await ids('patients'),
    users: await ids('users'),
    appointments: await ids('appointments'),
    medical_records: await ids('medical_records'),
    audit_logs: await ids('audit_logs', `action <> 'RETENTION'`),
    fhir_resources: await ids('fhir_resources'),
    refreshTokens: await ids('users', `"refreshToken" is not null`),
  });

  before(async () => {
    server = await startTestServer();
    await server.sql.end();
    sql = await connect();
    const a = await patient('A', { created: '10 years' });
    await sql.query(
      `insert into appointments ("patientId", "appointmentDate", "appointmentTime") values ($1, ${AGO('8 years')}, '10:00')`,
      [a],
    );
    const b = await patient('B', { created: '10 years' });
    await sql.query(
      `insert into appointments ("patientId", "appointmentDate", "appointmentTime") values ($1, ${AGO('6 years')}, '10:00')`,
      [b],
    );
    await patient('C', { status: 'active', created: '10 years' });
    await patient('D', { created: '12 years', deleted: '8 years' });
    await patient('E', { created: '12 years', deleted: '6 years' });
    await patient('F', { created: '8 years' });
    const g = await patient('G', { created: '10 years' });
    await sql.query(
      `insert into medical_records ("patientId", "recordType", title, description, "visitDate") values ($1, 'consultation', 't', 'd', (${AGO('2 years')})::date)`,
      [g],
    );
    await sql.query(
      `update users set "refreshToken" = 'rt-old', "lastLoginAt" = ${AGO('10 days')} where id = (select "userId" from patients where id = $1)`,
      [patients.C],
    );
    await sql.query(
      `update users set "refreshToken" = 'rt-new', "lastLoginAt" = ${AGO('2 days')} where id = (select "userId" from patients where id = $1)`,
      [b],
    );
    await auditRow('error-2y', 'READ', false, '2 years');
    await auditRow('error-6mo', 'UPDATE', false, '6 months');
    await auditRow('read-4y', 'READ', true, '4 years');
    await auditRow('read-2y', 'READ', true, '2 years');
    await auditRow('login-4y', 'LOGIN', true, '4 years');
    await auditRow('update-4y', 'UPDATE', true, '4 years');
    await auditRow('update-8y', 'UPDATE', true, '8 years');
    await auditRow('about-A', 'UPDATE', true, '1 day', `, '${a}', '{"old":{"name":"Old A"},"new":{"name":"New A"}}'`);
    await sql.query(`update audit_logs set "entityType" = 'Patient' where id = $1`, [audit['about-A']]);
    await sql.query(
      `update audit_logs set "userId" = (select "userId"::text from patients where id = $1) where id = $2`,
      [a, audit['about-A']],
    );
  });
  after(async () => {
    await sql?.end();
    await server?.stop();
  });

  it('refuses a bad period, an unknown rule and a period under the policy minimum, and changes nothing', async () => {
    const before = await snapshot();
    for (const [args, message] of [
      [['--period', 'sessions=7x'], /sessions: "7x" is not a retention period/],
      [['--period', 'audit-logs=1y'], /audit-logs: 1y is shorter than the policy's minimum of 7y/],
      [['--period', 'everything=1y'], /unknown retention rule "everything"/],
      [['--period', 'audit-access'], /--period takes rule=period/],
    ] as const) {
      const result = await retention([...args]);
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stderr).to.match(message);
      expect(result.stderr).not.to.match(/\n\s+at /); // no stack trace
    }
    expect(await snapshot()).to.deep.equal(before);
  });

  it('--dry-run reports per rule and table what would go, and touches nothing', async () => {
    const before = await snapshot();
    const result = await retention(['--dry-run']);
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(report.dryRun).to.equal(true);
    expect(Object.fromEntries(report.lines.map((l: any) => [l.rule, [l.table, l.rows]]))).to.deep.equal({
      'inactive-patients': ['patients', 2],
      'deleted-patients': ['patients', 1],
      'audit-errors': ['audit_logs', 1],
      'audit-access': ['audit_logs', 2],
      'audit-logs': ['audit_logs', 1],
      sessions: ['users', 1],
    });
    expect(await snapshot()).to.deep.equal(before);
    expect(await ids('audit_logs', `action = 'RETENTION'`)).to.deep.equal([]);
  });

  it('removes exactly the rows past their period, their cascade and versions, anonymises what must stay, and audits itself', async () => {
    const before = await snapshot();
    const result = await retention([]);
    expect(result.code, result.stderr).to.equal(0);
    const after = await snapshot();
    const gone = (key: keyof typeof before) => before[key].filter((id) => !after[key].includes(id)).sort();
    expect(gone('patients')).to.deep.equal([patients.A, patients.D, patients.F].sort());
    expect(after.patients).to.include.members([patients.B, patients.C, patients.E, patients.G]);
    expect(gone('users')).to.have.length(3);
    expect(gone('appointments')).to.have.length(1); // A's, by cascade
    expect(gone('medical_records')).to.deep.equal([]);
    expect(gone('fhir_resources')).to.deep.equal([patients.A, patients.D, patients.F].sort());
    expect(gone('audit_logs')).to.deep.equal(
      [audit['error-2y'], audit['read-4y'], audit['login-4y'], audit['update-8y']].sort(),
    );
    expect(gone('refreshTokens')).to.have.length(1);
    expect(after.refreshTokens).to.have.length(1);
    expect((await server.call('GET', `/Patient/${patients.A}`)).status).to.equal(404);
    expect((await server.call('GET', `/Patient/${patients.B}`)).status).to.equal(200);

    const { rows: kept } = await sql.query('select * from audit_logs where id = $1', [audit['about-A']]);
    expect(kept[0]).to.include({ userEmail: '', changes: null, entityId: patients.A });

    const { rows: own } = await sql.query(`select * from audit_logs where action = 'RETENTION'`);
    expect(own).to.have.length(1);
    expect(own[0]).to.include({ success: true, entityType: 'system' });
    expect(own[0].description).to.contain('inactive-patients 2 (7y)');

    const again = await retention(['--dry-run']);
    const report = JSON.parse(again.stdout.trim().split('\n').pop()!);
    expect(report.lines.map((l: any) => l.rows)).to.deep.equal([0, 0, 0, 0, 0, 0]);
  });
});
