// Confidential medical records (DocumentReference securityLabel R, medical_records.isConfidential)
// are served only to staff principals: a patient's own app sees the patient's other records but
// never a restricted one, in reads, searches, counts, includes and history (404, as if absent);
// the doctor, with a patient context or user/ scopes, and a Backend Services client see them.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { addClient, basic, bearer } from '../../support/smart.js';
import {
  adminToken,
  createUser,
  exchange,
  PASSWORD,
  publicClientToken,
  signIn,
  type TestUser,
} from '../../support/smart-login.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

describe('auth › confidential records only for staff (DocumentReference securityLabel R)', function () {
  let server: TestServer;
  let admin: string;
  let alice: TestUser;
  let doctor: TestUser;
  let secret: string;
  let open: string;
  let restricted: string;

  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart' });
    await addClient(server, {
      clientId: 'app',
      name: 'App',
      kind: 'public',
      redirectUris: [REDIRECT],
      scope: 'launch/patient patient/*.cruds user/*.cruds',
    });
    secret = (
      await addClient(server, {
        clientId: 'clinic',
        name: 'Clinic',
        kind: 'confidential-symmetric',
        redirectUris: [REDIRECT],
        scope: 'launch/patient patient/*.cruds user/*.cruds',
      })
    ).clientSecret!;
    admin = await adminToken(server);
    alice = await createUser(server, admin, 'Patient');
    doctor = await createUser(server, admin, 'Practitioner');
    const insert = async (isConfidential: boolean, title: string) =>
      (
        await server.sql.query(
          `insert into medical_records ("patientId", "recordType", title, description, "doctorId", "isConfidential")
           values ($1, 'consultation', $2, 'Notes.', $3, $4) returning id`,
          [alice.id, title, doctor.id, isConfidential],
        )
      ).rows[0].id as string;
    open = await insert(false, 'Routine check');
    restricted = await insert(true, 'Psychiatric assessment');
  });
  after(() => server?.stop());

  async function aliceToken(scope: string): Promise<string> {
    return (await publicClientToken(server, { clientId: 'app', redirectUri: REDIRECT, scope, user: alice }))
      .access_token;
  }

  async function doctorToken(scope: string, patient?: string): Promise<string> {
    const url = await signIn(server, {
      clientId: 'clinic',
      redirectUri: REDIRECT,
      scope,
      email: doctor.email,
      password: PASSWORD,
      patient,
    });
    const res = await exchange(
      server,
      { code: url.searchParams.get('code')!, redirect_uri: REDIRECT },
      { authorization: basic('clinic', secret) },
    );
    expect(res.status, res.text).to.equal(200);
    return res.body.access_token;
  }

  const get = (token: string, path: string) => server.call('GET', path, { headers: bearer(token) });
  const ids = (res: { body: any }) =>
    (res.body.entry ?? [])
      .filter((e: any) => e.resource.resourceType === 'DocumentReference')
      .map((e: any) => e.resource.id)
      .sort();

  for (const [who, scope] of [
    ['patient/ scopes', 'launch/patient patient/*.rs'],
    ['user/ scopes', 'user/*.rs'],
  ] as const)
    describe(`the patient's own app (${who})`, () => {
      let token: string;
      before(async () => (token = await aliceToken(scope)));

      it('reads the open record; the restricted one answers 404 in read, vread and history', async () => {
        expect((await get(token, `/DocumentReference/${open}`)).status).to.equal(200);
        for (const path of [
          `/DocumentReference/${restricted}`,
          `/DocumentReference/${restricted}/_history/1`,
          `/DocumentReference/${restricted}/_history`,
        ])
          expect((await get(token, path)).status, path).to.equal(404);
      });

      it('search, count, the compartment and _revinclude leave the restricted record out', async () => {
        const search = await get(token, `/DocumentReference?patient=${alice.id}`);
        expect(search.status, search.text).to.equal(200);
        expect(ids(search)).to.deep.equal([open]);
        expect(search.body.total).to.equal(1);
        const labelled = await get(token, `/DocumentReference?security-label=R`);
        expect(ids(labelled)).to.deep.equal([]);
        const count = await get(token, '/DocumentReference?_summary=count');
        expect(count.body.total).to.equal(1);
        const compartment = await get(token, `/Patient/${alice.id}/DocumentReference`);
        expect(ids(compartment)).to.deep.equal([open]);
        const rev = await get(token, `/Patient?_id=${alice.id}&_revinclude=DocumentReference:patient`);
        expect(rev.status, rev.text).to.equal(200);
        expect(ids(rev)).to.deep.equal([open]);
      });

      it('removed rows stay hidden: a deleted restricted record, and the deleted record and allergy of another patient', async () => {
        const bob = await createUser(server, admin, 'Patient');
        const insert = async (patient: string, isConfidential: boolean) =>
          (
            await server.sql.query(
              `insert into medical_records ("patientId", "recordType", title, description, "isConfidential")
               values ($1, 'consultation', 'Gone', 'Notes.', $2) returning id`,
              [patient, isConfidential],
            )
          ).rows[0].id as string;
        const gone = [await insert(alice.id, true), await insert(bob.id, false)];
        await server.sql.query('delete from medical_records where id = any($1)', [gone]);
        await server.sql.query(`update patients set allergies = array['Latex'] where id = $1`, [bob.id]);
        const [fact] = (await server.sql.query('select id from fhir_patient_facts where patient_id = $1', [bob.id]))
          .rows;
        await server.sql.query(`update patients set allergies = '{}' where id = $1`, [bob.id]);
        for (const path of [
          ...gone.flatMap((id) => [`/DocumentReference/${id}/_history/1`, `/DocumentReference/${id}/_history`]),
          `/AllergyIntolerance/${fact.id}/_history/1`,
        ]) {
          expect((await get(token, path)).status, path).to.equal(404);
          expect((await get(admin, path)).status, `${path} (staff)`).to.equal(200);
        }
      });

      it('cannot change the restricted record (404) nor file a new restricted one (403)', async () => {
        const read = await get(admin, `/DocumentReference/${restricted}`);
        const put = await server.call('PUT', `/DocumentReference/${restricted}`, {
          headers: bearer(token),
          body: { ...read.body, description: 'Changed by the patient' },
        });
        expect(put.status, put.text).to.be.oneOf([403, 404]);
        const del = await server.call('DELETE', `/DocumentReference/${restricted}`, { headers: bearer(token) });
        expect(del.status).to.be.oneOf([403, 404]);
        const rows = await server.sql.query('select title from medical_records where id = $1', [restricted]);
        expect(rows.rows[0].title).to.equal('Psychiatric assessment');
        const count = async () =>
          Number((await server.sql.query('select count(*) from medical_records')).rows[0].count);
        const before = await count();
        const filed = await server.call('POST', '/DocumentReference', {
          headers: bearer(token),
          body: {
            resourceType: 'DocumentReference',
            status: 'current',
            type: { text: 'consultation' },
            subject: { reference: `Patient/${alice.id}` },
            description: 'Filed by the patient',
            securityLabel: [
              { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
            ],
            content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('Mine.').toString('base64') } }],
          },
        });
        expect(filed.status, filed.text).to.equal(403);
        expect(await count()).to.equal(before);
      });
    });

  it('the doctor with a patient context sees both records', async () => {
    const token = await doctorToken('launch/patient patient/DocumentReference.rs', alice.id);
    expect(ids(await get(token, `/DocumentReference?patient=${alice.id}`))).to.deep.equal([open, restricted].sort());
    expect((await get(token, `/DocumentReference/${restricted}`)).status).to.equal(200);
  });

  it('the doctor with user/ scopes and a Backend Services client see both records', async () => {
    const token = await doctorToken('user/DocumentReference.rs');
    for (const t of [token, admin]) {
      const res = await get(t, `/DocumentReference?patient=${alice.id}`);
      expect(ids(res)).to.deep.equal([open, restricted].sort());
    }
  });
});
