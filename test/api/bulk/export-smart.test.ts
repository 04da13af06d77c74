// $export under AUTH_MODE=smart (https://hl7.org/fhir/uv/bulkdata/STU2/export.html#bulk-data-kick-off-request,
// SMART Backend Services): system/ scopes only, per-type scopes honoured, the status URL and files
// served only to the client that started the export, kick-off and downloads audited (D9).
import { expect } from 'chai';
import { seed } from '../../../src/seed/seed.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { addClient, backendKey, backendToken, bearer, type BackendKey } from '../../support/smart.js';
import { adminToken, createUser, exchange, PASSWORD, pkce, signIn } from '../../support/smart-login.js';
import { ASYNC, download, kickOff, poll } from './bulk-client.js';

describe('bulk › $export with SMART Backend Services', function () {
  this.timeout(120000);
  let server: TestServer;
  let key: BackendKey;
  const tokens: Record<string, string> = {};

  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart', EXPORT_POLL_MS: '20' });
    await seed(server.db.orm.em.fork(), { patients: 4, doctors: 2 });
    key = await backendKey('ES384');
    const clients: Record<string, string> = {
      'bulk-a': 'system/*.read',
      'bulk-b': 'system/*.read',
      'bulk-patients': 'system/Patient.read',
      'bulk-female': 'system/Patient.rs?gender=female',
    };
    for (const [clientId, scope] of Object.entries(clients)) {
      await addClient(server, {
        clientId,
        name: clientId,
        kind: 'confidential-asymmetric',
        scope,
        jwks: { keys: [key.publicJwk as Record<string, unknown>] },
      });
      tokens[clientId] = await backendToken(server, key, clientId, scope);
    }
  });
  after(() => server?.stop());

  async function auditRows(start: Date) {
    await server.audit.flush();
    const { rows } = await server.sql.query(
      `select * from audit_logs where "createdAt" >= $1::timestamptz at time zone 'UTC' and action = 'EXPORT'
       order by "createdAt"`,
      [start.toISOString()],
    );
    return rows;
  }

  it('without a token the kick-off is 401', async () => {
    const res = await server.call('GET', '/$export', { headers: ASYNC });
    expect(res.status).to.equal(401);
    expect(res.body.resourceType).to.equal('OperationOutcome');
  });

  it('system/*.read exports; the manifest requires the token; status and files answer the same client only; kick-off and downloads are audited', async () => {
    const start = new Date(Date.now() - 1000);
    const a = bearer(tokens['bulk-a']!);
    const status = await kickOff(server, '/$export?_type=Patient,Practitioner', a);
    const { manifest } = await poll(server, status, a);
    expect(manifest.requiresAccessToken).to.equal(true);
    expect(manifest.output.map((o) => o.type).sort()).to.deep.equal(['Patient', 'Practitioner']);
    const patients = manifest.output.find((o) => o.type === 'Patient')!;
    const file = await download(server, patients.url, a);
    expect(file.status).to.equal(200);
    expect(file.resources).to.have.length(patients.count);

    const b = bearer(tokens['bulk-b']!);
    expect((await server.call('GET', status, { headers: b })).status).to.equal(404);
    expect((await download(server, patients.url, b)).status).to.equal(404);
    expect((await download(server, patients.url)).status).to.equal(401);
    expect((await server.call('DELETE', status, { headers: b })).status).to.equal(404);
    expect((await server.call('GET', status, { headers: a })).status).to.equal(200);

    const rows = await auditRows(start);
    const kick = rows.find((r) => r.description.includes('GET /$export') && r.success);
    expect(kick, JSON.stringify(rows)).to.include({ userId: 'client:bulk-a', entityType: 'system' });
    expect(kick.changes.query).to.equal('_type=Patient%2CPractitioner');
    const jobId = status.split('/').pop();
    const downloads = rows.filter((r) => r.description.includes('$export-file'));
    expect(downloads.map((r) => [r.userId, r.entityType, r.entityId, r.success])).to.deep.include.members([
      ['client:bulk-a', 'Patient', jobId, true],
      ['client:bulk-b', 'Patient', jobId, false],
    ]);
  });

  it('a per-type system scope exports its types only; naming another type is 403', async () => {
    const p = bearer(tokens['bulk-patients']!);
    const { manifest } = await poll(server, await kickOff(server, '/$export', p), p);
    expect(manifest.output.map((o) => o.type)).to.deep.equal(['Patient']);
    const refused = await server.call('GET', '/$export?_type=Patient,Appointment', { headers: { ...ASYNC, ...p } });
    expect(refused.status).to.equal(403);
    expect(refused.body.issue[0].diagnostics).to.match(/Appointment/);
  });

  it('a scope restricted by search parameters cannot export (it would not see every row); 403', async () => {
    const res = await server.call('GET', '/$export', { headers: { ...ASYNC, ...bearer(tokens['bulk-female']!) } });
    expect(res.status, res.text).to.equal(403);
  });

  it('Groups are read with a system token and refused to none', async () => {
    expect((await server.call('GET', '/Group', { headers: bearer(tokens['bulk-a']!) })).status).to.equal(200);
    expect((await server.call('GET', '/Group')).status).to.equal(401);
    const female = await server.call('GET', '/Group/all-patients', { headers: bearer(tokens['bulk-female']!) });
    expect(female.status).to.equal(403);
  });

  it("a user's token (not Backend Services) cannot export; its $everything reaches its own compartment only", async () => {
    const redirect = 'http://127.0.0.1:9/callback';
    await addClient(server, {
      clientId: 'bulk-user-app',
      name: 'User app',
      kind: 'public',
      redirectUris: [redirect],
      scope: 'openid fhirUser user/*.rs',
    });
    const admin = await adminToken(server);
    const patient = await createUser(server, admin, 'Patient');
    const other = await createUser(server, admin, 'Patient');
    const { challenge, verifier } = pkce();
    const url = await signIn(server, {
      clientId: 'bulk-user-app',
      redirectUri: redirect,
      scope: 'openid fhirUser user/*.rs',
      email: patient.email,
      password: PASSWORD,
      challenge,
    });
    const res = await exchange(server, {
      code: url.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: redirect,
      client_id: 'bulk-user-app',
    });
    expect(res.status, res.text).to.equal(200);
    const user = bearer(res.body.access_token);
    const kick = await server.call('GET', '/Patient/$export', { headers: { ...ASYNC, ...user } });
    expect(kick.status).to.equal(403);
    expect(kick.body.issue[0].diagnostics).to.match(/Backend Services/);
    const own = await server.call('GET', `/Patient/${patient.id}/$everything`, { headers: user });
    expect(own.status, own.text).to.equal(200);
    expect(own.body.entry.map((e: any) => e.resource.id)).to.include(patient.id);
    expect((await server.call('GET', `/Patient/${other.id}/$everything`, { headers: user })).status).to.equal(404);
    const all = await server.call('GET', '/Patient/$everything?_type=Patient', { headers: user });
    expect(all.body.entry.map((e: any) => e.resource.id)).to.deep.equal([patient.id]);
  });
});
