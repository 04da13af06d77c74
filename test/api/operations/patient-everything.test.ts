// Patient/$everything (http://hl7.org/fhir/R4/patient-operation-everything.html) over HTTP on a
// seeded database: the whole compartment of every mapped type, _type, _since, _count and paging.
import { expect } from 'chai';
import { mappings } from '../../../mappings/index.js';
import { seed } from '../../../src/seed/seed.js';
import { startTestServer, type TestServer } from '../../support/server.js';

describe('operations › Patient/$everything', function () {
  this.timeout(120000);
  let server: TestServer;
  let patient: string;
  const compartmentTypes = mappings
    .filter((m) => m.compartment && m.interactions.includes('search-type'))
    .map((m) => m.resourceType);

  before(async () => {
    server = await startTestServer();
    await seed(server.db.orm.em.fork(), { patients: 6, doctors: 2 });
    const { rows } = await server.sql.query(
      `select a."patientId" as id from appointments a
       where a."deletedAt" is null and exists (select 1 from invoices i where i."patientId" = a."patientId")
       group by a."patientId" order by count(*) desc, a."patientId" limit 1`,
    );
    patient = rows[0].id;
  });
  after(() => server?.stop());

  const base = () => `${server.config.fhirBaseUrl}`;
  async function allPages(path: string): Promise<{ keys: string[]; pages: number }> {
    const keys: string[] = [];
    let url: string | undefined = path;
    let pages = 0;
    while (url) {
      const res = await server.call('GET', url);
      expect(res.status, res.text).to.equal(200);
      expect(res.body.type).to.equal('searchset');
      pages++;
      for (const e of res.body.entry ?? [])
        if (e.search.mode === 'match') keys.push(`${e.resource.resourceType}/${e.resource.id}`);
      const next = res.body.link.find((l: any) => l.relation === 'next')?.url as string | undefined;
      url = next?.slice(base().length);
    }
    return { keys, pages };
  }

  /** What the compartment searches of every type return: the reference the operation must match. */
  async function compartment(id: string, types = compartmentTypes): Promise<string[]> {
    const keys: string[] = [];
    for (const type of types) keys.push(...(await allPages(`/Patient/${id}/${type}?_count=1000`)).keys);
    return keys.sort();
  }

  it('returns every resource of the patient compartment across all mapped types, the Patient included', async () => {
    const { keys } = await allPages(`/Patient/${patient}/$everything?_count=1000`);
    const expected = await compartment(patient);
    expect(keys.sort()).to.deep.equal(expected);
    expect(keys).to.include(`Patient/${patient}`);
    const { rows } = await server.sql.query(
      'select count(*)::int as n from appointments where "patientId" = $1 and "deletedAt" is null',
      [patient],
    );
    expect(keys.filter((k) => k.startsWith('Appointment/'))).to.have.length(rows[0].n);
    expect(rows[0].n).to.be.greaterThan(0);
    expect([...new Set(keys.map((k) => k.split('/')[0]))]).to.include.members(['Patient', 'Appointment', 'Invoice']);
    // the vital signs held on the patient's row are Observations of the compartment too
    const { rows: vitals } = await server.sql.query(
      `select v.id from fhir_vital_signs v join patients p on p.id = v.patient_id
        where v.patient_id = $1 and p.height is not null and v.kind = 'height'`,
      [patient],
    );
    expect(vitals, 'a seeded height').to.have.length(1);
    expect(keys).to.include(`Observation/${vitals[0].id}`);
  });

  it('pages with _count and next links: the same resources, each once', async () => {
    const expected = await compartment(patient);
    const { keys, pages } = await allPages(`/Patient/${patient}/$everything?_count=3`);
    expect(pages).to.be.greaterThan(1);
    expect(keys.length).to.equal(new Set(keys).size);
    expect(keys.sort()).to.deep.equal(expected);
  });

  it('_type limits the types; _since to what changed after it', async () => {
    const { keys } = await allPages(`/Patient/${patient}/$everything?_type=Appointment,Invoice&_count=1000`);
    expect(keys.sort()).to.deep.equal(await compartment(patient, ['Appointment', 'Invoice']));
    await new Promise((r) => setTimeout(r, 50));
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    const read = await server.call('GET', `/Patient/${patient}`);
    expect(
      (await server.call('PUT', `/Patient/${patient}`, { body: { ...read.body, birthDate: '1971-03-04' } })).status,
    ).to.equal(200);
    const changed = await allPages(`/Patient/${patient}/$everything?_since=${encodeURIComponent(since)}`);
    expect(changed.keys).to.deep.equal([`Patient/${patient}`]);
  });

  it('at type level it covers every patient', async () => {
    const { keys } = await allPages('/Patient/$everything?_type=Patient&_count=1000');
    const { rows } = await server.sql.query(
      `select count(*)::int as n from fhir_resources where resource_type = 'Patient' and not deleted`,
    );
    expect(keys).to.have.length(rows[0].n);
  });

  it('an unknown _type, a malformed _since or an unsupported parameter is a 400; an unknown patient a 404', async () => {
    for (const query of ['_type=Spaceship', '_type=Practitioner', '_since=last-week', 'start=2020-01-01']) {
      const res = await server.call('GET', `/Patient/${patient}/$everything?${query}`);
      expect(res.status, query).to.equal(400);
      expect(res.body.resourceType).to.equal('OperationOutcome');
    }
    expect((await server.call('GET', '/Patient/00000000-0000-4000-8000-000000000000/$everything')).status).to.equal(
      404,
    );
    expect((await server.call('POST', `/Patient/${patient}/$everything`, { body: {} })).status).to.equal(405);
  });
});
