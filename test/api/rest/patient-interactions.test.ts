// FHIR REST interactions on Patient (http.html): create, read, vread, update, patch, delete,
// conditional forms, headers and statuses, on the embedded database or PostgreSQL.
import { expect } from 'chai';
import { newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';

describe('REST › Patient interactions (http.html)', function () {
  let server: TestServer;
  let call: TestServer['call'];
  let sql: TestServer['sql'];

  before(async () => {
    server = await startTestServer();
    ({ call, sql } = server);
  });
  after(() => server?.stop());

  async function created(overrides: Record<string, unknown> = {}) {
    const res = await call('POST', '/Patient', { body: newPatient(overrides) });
    expect(res.status, res.text).to.equal(201);
    return res.body as { id: string; meta: { versionId: string } } & Record<string, any>;
  }

  describe('create (http.html#create)', () => {
    it('answers 201 with Location, ETag and Last-Modified, and stores both rows in one go', async () => {
      const res = await call('POST', '/Patient', { body: newPatient() });
      expect(res.status).to.equal(201);
      const id = res.body.id as string;
      expect(res.headers.get('location')).to.equal(`${server.config.fhirBaseUrl}/Patient/${id}/_history/1`);
      expect(res.headers.get('etag')).to.equal('W/"1"');
      expect(new Date(res.headers.get('last-modified')!).getTime()).to.be.closeTo(Date.now(), 60000);
      expect(res.body.meta.versionId).to.equal('1');
      const { rows } = await sql.query(
        `select u.roles, u.status, u.password, u."userId" from patients p join users u on u.id = p."userId" where p.id = $1`,
        [id],
      );
      expect(rows[0].roles).to.deep.equal(['patient']);
      expect(rows[0].status).to.equal('pending_verification');
      expect(rows[0].password).to.match(/^!/); // no bcrypt hash matches it
      expect(rows[0].userId).to.match(/^PAT-\d{6}$/);
      const number = res.body.identifier.find((i: any) => i.system.endsWith('/patient-number'));
      expect(number.value).to.equal(rows[0].userId);
    });

    it('ignores an id in the body and assigns its own', async () => {
      const res = await call('POST', '/Patient', { body: { ...newPatient(), id: 'client-chosen' } });
      expect(res.status).to.equal(201);
      expect(res.body.id).to.match(/^[0-9a-f-]{36}$/);
    });

    it('refuses a duplicate email with 409 duplicate and stores nothing', async () => {
      const first = newPatient();
      expect((await call('POST', '/Patient', { body: first })).status).to.equal(201);
      const before = (await sql.query('select count(*)::int as n from users')).rows[0].n;
      const res = await call('POST', '/Patient', { body: { ...newPatient(), telecom: first.telecom } });
      expect(res.status).to.equal(409);
      expect(res.body.issue[0].code).to.equal('duplicate');
      expect((await sql.query('select count(*)::int as n from users')).rows[0].n).to.equal(before);
    });

    it('gives concurrent creates distinct PAT- numbers', async () => {
      const replies = await Promise.all(
        Array.from({ length: 12 }, () => call('POST', '/Patient', { body: newPatient() })),
      );
      expect(replies.map((r) => r.status)).to.deep.equal(Array(12).fill(201));
      const numbers = replies.map(
        (r) => r.body.identifier.find((i: any) => i.system.endsWith('/patient-number')).value,
      );
      expect(new Set(numbers).size).to.equal(12);
    });

    it('skips PAT- numbers that another application has already used', async () => {
      const { rows } = await sql.query(`select nextval('fhir_patient_number_seq') as n`);
      const taken = `PAT-${String(Number(rows[0].n) + 1).padStart(6, '0')}`;
      await sql.query(
        `insert into users ("userId", email, "firstName", "lastName", password) values ($1, $2, 'Other', 'App', 'x')`,
        [taken, `${taken}@other-app.example.org`],
      );
      const res = await call('POST', '/Patient', { body: newPatient() });
      expect(res.status, res.text).to.equal(201);
      const number = res.body.identifier.find((i: any) => i.system.endsWith('/patient-number')).value;
      expect(number > taken).to.equal(true);
    });

    it('If-None-Exist: returns the match instead of creating, 412 when several match', async () => {
      const patient = await created();
      const email = patient.telecom[0].value;
      const again = await call('POST', '/Patient', {
        body: newPatient(),
        headers: { 'if-none-exist': `email=${email}` },
      });
      expect(again.status).to.equal(200);
      expect(again.body.id).to.equal(patient.id);
      await created({ name: [{ use: 'official', family: 'Twin', given: ['Tess'] }] });
      await created({ name: [{ use: 'official', family: 'Twin', given: ['Theo'] }] });
      const several = await call('POST', '/Patient', {
        body: newPatient(),
        headers: { 'if-none-exist': 'family=Twin' },
      });
      expect(several.status).to.equal(412);
    });

    it('Prefer: return=minimal sends no body; return=OperationOutcome sends an outcome', async () => {
      const minimal = await call('POST', '/Patient', { body: newPatient(), headers: { prefer: 'return=minimal' } });
      expect(minimal.status).to.equal(201);
      expect(minimal.text).to.equal('');
      expect(minimal.headers.get('location')).to.match(/\/Patient\/[0-9a-f-]{36}\/_history\/1$/);
      const outcome = await call('POST', '/Patient', {
        body: newPatient(),
        headers: { prefer: 'return=OperationOutcome' },
      });
      expect(outcome.body.resourceType).to.equal('OperationOutcome');
    });

    it('refuses a body of another resource type with 400, and invalid content with 422 naming each element', async () => {
      const wrongType = await call('POST', '/Patient', { body: { resourceType: 'Observation', status: 'final' } });
      expect(wrongType.status).to.equal(400);
      const invalid = await call('POST', '/Patient', {
        body: { ...newPatient(), gender: 'girl', birthDate: '1980-13-45', favouriteColour: 'blue', name: 'Alex' },
      });
      expect(invalid.status).to.equal(422);
      const expressions = invalid.body.issue.flatMap((i: any) => i.expression ?? []);
      expect(expressions).to.include.members(['Patient.gender', 'Patient.birthDate', 'Patient.favouriteColour']);
    });
  });

  describe('read and vread (http.html#read, #vread)', () => {
    it('reads the current version with ETag and Last-Modified; vread reads each version', async () => {
      const patient = await created();
      const read = await call('GET', `/Patient/${patient.id}`);
      expect(read.status).to.equal(200);
      expect(read.headers.get('etag')).to.equal('W/"1"');
      expect(read.body).to.deep.equal(patient);
      await call('PUT', `/Patient/${patient.id}`, { body: { ...patient, gender: 'male' } });
      const v1 = await call('GET', `/Patient/${patient.id}/_history/1`);
      const v2 = await call('GET', `/Patient/${patient.id}/_history/2`);
      expect([v1.body.gender, v2.body.gender]).to.deep.equal(['female', 'male']);
      expect((await call('GET', `/Patient/${patient.id}/_history/3`)).status).to.equal(404);
    });

    it('answers 404 for an unknown id, including one that is not a UUID', async () => {
      expect((await call('GET', '/Patient/00000000-0000-4000-8000-000000000000')).status).to.equal(404);
      expect((await call('GET', "/Patient/1' or '1'='1")).status).to.equal(404);
    });

    it('answers 304 to a matching If-None-Match and to an unmodified If-Modified-Since', async () => {
      const patient = await created();
      const first = await call('GET', `/Patient/${patient.id}`);
      expect((await call('GET', `/Patient/${patient.id}`, { headers: { 'if-none-match': 'W/"1"' } })).status).to.equal(
        304,
      );
      expect((await call('GET', `/Patient/${patient.id}`, { headers: { 'if-none-match': 'W/"9"' } })).status).to.equal(
        200,
      );
      const since = first.headers.get('last-modified')!;
      expect(
        (await call('GET', `/Patient/${patient.id}`, { headers: { 'if-modified-since': since } })).status,
      ).to.equal(304);
      const earlier = new Date(Date.parse(since) - 60000).toUTCString();
      expect(
        (await call('GET', `/Patient/${patient.id}`, { headers: { 'if-modified-since': earlier } })).status,
      ).to.equal(200);
    });

    it('_summary, _elements and _pretty shape the answer', async () => {
      const patient = await created({
        maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M' }] },
      });
      const summary = await call('GET', `/Patient/${patient.id}?_summary=true`);
      expect(summary.body).to.have.property('name');
      expect(summary.body).not.to.have.property('maritalStatus');
      expect(summary.body.meta.tag[0].code).to.equal('SUBSETTED');
      const elements = await call('GET', `/Patient/${patient.id}?_elements=gender`);
      expect(Object.keys(elements.body).sort()).to.deep.equal(['gender', 'id', 'meta', 'resourceType']);
      const pretty = await call('GET', `/Patient/${patient.id}?_pretty=true`);
      expect(pretty.text).to.contain('\n  "resourceType"');
    });
  });

  describe('update (http.html#update)', () => {
    it('replaces the resource, bumps the version, and is refused with 400 when the ids disagree', async () => {
      const patient = await created();
      const res = await call('PUT', `/Patient/${patient.id}`, { body: { ...patient, birthDate: '1990-01-01' } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('etag')).to.equal('W/"2"');
      expect(res.body.birthDate).to.equal('1990-01-01');
      const other = await call('PUT', `/Patient/${patient.id}`, {
        body: { ...patient, id: '11111111-1111-4111-8111-111111111111' },
      });
      expect(other.status).to.equal(400);
      const noId = await call('PUT', `/Patient/${patient.id}`, { body: { ...patient, id: undefined } });
      expect(noId.status).to.equal(400);
    });

    it('If-Match: a stale version is 412, a value that is no ETag is 400, and neither changes anything', async () => {
      const patient = await created();
      const stale = await call('PUT', `/Patient/${patient.id}`, {
        body: { ...patient, gender: 'male' },
        headers: { 'if-match': 'W/"7"' },
      });
      expect(stale.status).to.equal(412);
      const bad = await call('PUT', `/Patient/${patient.id}`, {
        body: { ...patient, gender: 'male' },
        headers: { 'if-match': 'yesterday' },
      });
      expect(bad.status).to.equal(400);
      expect((await call('GET', `/Patient/${patient.id}`)).body.gender).to.equal('female');
      const good = await call('PUT', `/Patient/${patient.id}`, {
        body: { ...patient, gender: 'male' },
        headers: { 'if-match': 'W/"1"' },
      });
      expect(good.status).to.equal(200);
    });

    it('creates at a new UUID (update as create) with 201', async () => {
      const id = '7d3c2b1a-0000-4000-8000-00000000abcd';
      const res = await call('PUT', `/Patient/${id}`, { body: { ...newPatient(), id } });
      expect(res.status).to.equal(201);
      expect((await call('GET', `/Patient/${id}`)).status).to.equal(200);
    });

    it('conditional update: updates the one match, creates when none, 412 when several', async () => {
      const patient = await created();
      const email = patient.telecom[0].value;
      const res = await call('PUT', `/Patient?email=${encodeURIComponent(email)}`, {
        body: { ...patient, gender: 'other' },
      });
      expect(res.status).to.equal(200);
      expect(res.body.id).to.equal(patient.id);
      const fresh = newPatient();
      const none = await call('PUT', `/Patient?email=${encodeURIComponent(fresh.telecom[0]!.value)}`, { body: fresh });
      expect(none.status).to.equal(201);
      await created({ name: [{ use: 'official', family: 'Triplet', given: ['A'] }] });
      await created({ name: [{ use: 'official', family: 'Triplet', given: ['B'] }] });
      expect((await call('PUT', '/Patient?family=Triplet', { body: newPatient() })).status).to.equal(412);
    });
  });

  describe('patch (http.html#patch)', () => {
    it('applies a JSON Patch and bumps the version', async () => {
      const patient = await created();
      const res = await call('PATCH', `/Patient/${patient.id}`, {
        raw: JSON.stringify([
          { op: 'replace', path: '/gender', value: 'male' },
          { op: 'add', path: '/name/0/given/-', value: 'Jo' },
        ]),
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.gender).to.equal('male');
      expect(res.body.name[0].given).to.deep.equal(['Alex', 'Jo']);
      expect(res.body.meta.versionId).to.equal('2');
    });

    it('refuses a patch that would make the resource invalid, and keeps it unchanged', async () => {
      const patient = await created();
      const res = await call('PATCH', `/Patient/${patient.id}`, {
        raw: JSON.stringify([{ op: 'replace', path: '/birthDate', value: 'not-a-date' }]),
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(res.status).to.equal(422);
      const broken = await call('PATCH', `/Patient/${patient.id}`, {
        raw: JSON.stringify([{ op: 'remove', path: '/nothing/here' }]),
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(broken.status).to.equal(400);
      const read = await call('GET', `/Patient/${patient.id}`);
      expect(read.body.birthDate).to.equal('1985-02-03');
      expect(read.body.meta.versionId).to.equal('1');
    });
  });

  describe('delete (http.html#delete)', () => {
    it('soft-deletes: the rows stay marked, read is 410, search leaves it out, history shows the deletion', async () => {
      const patient = await created();
      expect((await call('DELETE', `/Patient/${patient.id}`)).status).to.equal(204);
      const read = await call('GET', `/Patient/${patient.id}`);
      expect(read.status).to.equal(410);
      expect(read.body.issue[0].code).to.equal('deleted');
      const { rows } = await sql.query(
        `select p."deletedAt" is not null as gone, u."isDeleted" from patients p join users u on u.id = p."userId" where p.id = $1`,
        [patient.id],
      );
      expect(rows[0]).to.deep.equal({ gone: true, isDeleted: true });
      const search = await call('GET', `/Patient?_id=${patient.id}`);
      expect(search.body.total).to.equal(0);
      const history = await call('GET', `/Patient/${patient.id}/_history`);
      expect(history.body.entry[0].request.method).to.equal('DELETE');
      expect(history.body.entry[0]).not.to.have.property('resource');
      expect((await call('DELETE', `/Patient/${patient.id}`)).status).to.equal(204);
    });

    it('conditional delete removes the single match; 412 when several match', async () => {
      const patient = await created({ name: [{ use: 'official', family: 'Quartet', given: ['Q'] }] });
      expect((await call('DELETE', `/Patient?email=${encodeURIComponent(patient.telecom[0].value)}`)).status).to.equal(
        204,
      );
      expect((await call('GET', `/Patient/${patient.id}`)).status).to.equal(410);
      await created({ name: [{ use: 'official', family: 'Pair', given: ['A'] }] });
      await created({ name: [{ use: 'official', family: 'Pair', given: ['B'] }] });
      expect((await call('DELETE', '/Patient?family=Pair')).status).to.equal(412);
    });
  });

  describe('history (http.html#history)', () => {
    it('lists versions newest first at instance, type and system level, with _since, _count and next pages', async () => {
      const patient = await created();
      await call('PUT', `/Patient/${patient.id}`, { body: { ...patient, gender: 'male' } });
      const instance = await call('GET', `/Patient/${patient.id}/_history`);
      expect(instance.body.type).to.equal('history');
      expect(instance.body.entry.map((e: any) => e.response.etag)).to.deep.equal(['W/"2"', 'W/"1"']);
      expect(instance.body.entry.map((e: any) => e.request.method)).to.deep.equal(['PUT', 'POST']);
      const since = new Date(Date.now() - 5000).toISOString();
      const type = await call('GET', `/Patient/_history?_since=${since}&_count=1`);
      expect(type.body.entry).to.have.length(1);
      const next = type.body.link.find((l: any) => l.relation === 'next').url as string;
      const page2 = await call('GET', next.slice(server.config.fhirBaseUrl.length));
      expect(page2.body.entry[0].fullUrl).to.not.equal(
        type.body.entry[0].fullUrl + '|' + type.body.entry[0].response.etag,
      );
      const system = await call('GET', '/_history?_count=3');
      expect(system.body.entry).to.have.length(3);
      expect((await call('GET', '/Patient/_history?_since=yesterday')).status).to.equal(400);
    });
  });

  it('answers 405 for an interaction a resource does not support', async () => {
    const res = await call('POST', '/PractitionerRole', { body: { resourceType: 'PractitionerRole' } });
    expect(res.status).to.equal(405);
    expect(res.body.issue[0].code).to.equal('not-supported');
  });
});
