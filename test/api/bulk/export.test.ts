// Bulk Data export (https://hl7.org/fhir/uv/bulkdata/STU2/export.html) over HTTP on a seeded
// database: kick-off, status, manifest, files, parameters, levels, Groups and cancel.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { mappings } from '../../../mappings/index.js';
import { seed } from '../../../src/seed/seed.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { ASYNC, download, exportAll, kickOff, poll } from './bulk-client.js';

describe('bulk › $export', function () {
  this.timeout(120000);
  let server: TestServer;
  let doctor: string;

  before(async () => {
    server = await startTestServer({ EXPORT_POLL_MS: '20', EXPORT_BATCH_SIZE: '7' });
    await seed(server.db.orm.em.fork(), { patients: 8, doctors: 3 });
    const { rows } = await server.sql.query(
      `select "doctorId" as id from appointments where "doctorId" is not null and "deletedAt" is null
       group by "doctorId" order by count(*) desc limit 1`,
    );
    doctor = rows[0].id;
  });
  after(() => server?.stop());

  async function currentCount(type: string): Promise<number> {
    const { rows } = await server.sql.query(
      'select count(*)::int as n from fhir_resources where resource_type = $1 and not deleted',
      [type],
    );
    return rows[0].n;
  }

  it('kick-off answers 202 with a status URL; polls answer 202 with X-Progress and Retry-After, then 200 with the manifest (export.html#response---success)', async () => {
    const res = await server.call('GET', '/$export', { headers: ASYNC });
    expect(res.status, res.text).to.equal(202);
    const location = res.headers.get('content-location')!;
    expect(location).to.match(/\/fhir\/\$export-status\/[0-9a-f-]{36}$/);
    const { manifest, progress } = await poll(server, location.slice(server.config.fhirBaseUrl.length));
    for (const p of progress) expect(p).to.match(/\|1$/);
    expect(Date.parse(manifest.transactionTime)).to.be.within(Date.now() - 60000, Date.now());
    expect(manifest.request).to.equal(`${server.config.fhirBaseUrl}/$export`);
    expect(manifest.requiresAccessToken).to.equal(false);
    expect(manifest.error).to.deep.equal([]);
    const types = manifest.output.map((o) => o.type);
    // every mapped type with rows is exported, one file each (iterating the registry)
    for (const m of mappings.filter((m) => m.interactions.includes('search-type') && !m.source.appendOnly)) {
      const n = await currentCount(m.resourceType);
      if (n === 0) expect(types).not.to.include(m.resourceType);
      else expect(manifest.output.find((o) => o.type === m.resourceType)?.count, m.resourceType).to.equal(n);
    }
    expect(types).to.include('AuditEvent');
  });

  it('each file is NDJSON of its type, as many lines as the manifest counts, each the resource a read returns', async () => {
    const { manifest, files } = await exportAll(server, '/$export?_type=Patient,Appointment,MedicationRequest');
    expect(manifest.output.map((o) => o.type).sort()).to.deep.equal(['Appointment', 'MedicationRequest', 'Patient']);
    for (const o of manifest.output) {
      const got = await download(server, o.url);
      expect(got.status).to.equal(200);
      expect(got.type).to.match(/^application\/fhir\+ndjson/);
      expect(got.resources).to.have.length(o.count);
      expect(new Set(got.resources.map((r) => r.resourceType))).to.deep.equal(new Set([o.type]));
      expect(new Set(got.resources.map((r) => r.id)).size).to.equal(o.count);
    }
    const sample = files.MedicationRequest![0];
    const read = await server.call('GET', `/MedicationRequest/${sample.id}`);
    expect(sample).to.deep.equal(read.body);
  });

  it('bad _type, _since, _outputFormat, _typeFilter or a missing Prefer are 400 OperationOutcomes, and no job starts', async () => {
    const before = (await server.sql.query('select count(*)::int as n from fhir_export_jobs')).rows[0].n;
    for (const [query, text] of [
      ['_type=Patient,Spaceship', /Spaceship/],
      ['_since=yesterday', /_since/],
      ['_since=2026-13-45T99:00:00Z', /_since/],
      ['_outputFormat=text/csv', /_outputFormat/],
      ['_typeFilter=Patient?colour=blue', /colour/],
      ['_typeFilter=Practitioner?gender=male&_type=Patient', /_typeFilter/],
      ['includeAssociatedData=x', /includeAssociatedData/],
    ] as const) {
      const res = await server.call('GET', `/$export?${query}`, { headers: ASYNC });
      expect(res.status, query).to.equal(400);
      expect(res.body.resourceType).to.equal('OperationOutcome');
      expect(res.body.issue[0].diagnostics, query).to.match(text);
    }
    const noPrefer = await server.call('GET', '/$export');
    expect(noPrefer.status).to.equal(400);
    expect(noPrefer.body.issue[0].diagnostics).to.match(/respond-async/);
    const after = (await server.sql.query('select count(*)::int as n from fhir_export_jobs')).rows[0].n;
    expect(after).to.equal(before);
  });

  it('accepts the three NDJSON _outputFormat spellings', async () => {
    for (const format of ['application/fhir+ndjson', 'application/ndjson', 'ndjson']) {
      const { manifest } = await exportAll(
        server,
        `/$export?_type=Practitioner&_outputFormat=${encodeURIComponent(format)}`,
      );
      expect(manifest.output[0]!.count).to.equal(await currentCount('Practitioner'));
    }
  });

  it('_since exports only what changed after it', async () => {
    const { rows } = await server.sql.query('select id from patients order by id limit 1');
    await new Promise((r) => setTimeout(r, 50));
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    const read = await server.call('GET', `/Patient/${rows[0].id}`);
    const put = await server.call('PUT', `/Patient/${rows[0].id}`, {
      body: { ...read.body, birthDate: '1970-01-02' },
    });
    expect(put.status, put.text).to.equal(200);
    const { files } = await exportAll(server, `/$export?_type=Patient&_since=${encodeURIComponent(since)}`);
    expect(files.Patient!.map((p) => p.id)).to.deep.equal([rows[0].id]);
  });

  it('_typeFilter selects with the search parameters (the same matches as a search); several are ORed', async () => {
    const female = await server.call('GET', '/Patient?gender=female&_total=accurate&_count=0');
    const male = await server.call('GET', '/Patient?gender=male&_total=accurate&_count=0');
    const one = await exportAll(
      server,
      `/$export?_type=Patient&_typeFilter=${encodeURIComponent('Patient?gender=female')}`,
    );
    expect(one.files.Patient ?? []).to.have.length(female.body.total);
    expect((one.files.Patient ?? []).every((p) => p.gender === 'female')).to.equal(true);
    const both = await exportAll(
      server,
      `/$export?_type=Patient&_typeFilter=${encodeURIComponent('Patient?gender=female')}&_typeFilter=${encodeURIComponent('Patient?gender=male')}`,
    );
    expect(both.files.Patient ?? []).to.have.length(female.body.total + male.body.total);
  });

  it('_elements keeps the elements named (and resourceType, id, meta), marked SUBSETTED', async () => {
    const { files } = await exportAll(server, '/$export?_type=Patient&_elements=gender');
    for (const p of files.Patient!) {
      expect(Object.keys(p).sort()).to.deep.equal(
        ['gender', 'id', 'meta', 'resourceType'].filter((k) => k in p).sort(),
      );
      expect(p.meta.tag.some((t: { code: string }) => t.code === 'SUBSETTED')).to.equal(true);
    }
  });

  it('Patient/$export exports the types of the Patient compartment only', async () => {
    const { manifest } = await exportAll(server, '/Patient/$export');
    const compartment = mappings.filter((m) => m.compartment).map((m) => m.resourceType);
    expect(manifest.output.length).to.be.greaterThan(0);
    for (const o of manifest.output) expect(compartment).to.include(o.type);
    expect(manifest.output.map((o) => o.type)).not.to.include('Practitioner');
    // Observation holds the lab results and the vital signs of the patients' rows
    const { files } = await exportAll(server, '/Patient/$export?_type=Observation');
    const { rows } = await server.sql.query(
      `select count(*)::int as n from fhir_resources h
        where h.resource_type = 'Observation' and not h.deleted and h.id in (select id from fhir_vital_signs)`,
    );
    expect(rows[0].n).to.be.greaterThan(0);
    const vitals = files.Observation!.filter((o) => o.category[0].coding[0].code === 'vital-signs');
    const blood = files.Observation!.filter((o) => o.code.coding?.[0]?.code === '882-1');
    expect(vitals.length + blood.length).to.equal(rows[0].n);
    expect(files.Observation!.length).to.equal(await currentCount('Observation'));
    const bad = await server.call('GET', '/Patient/$export?_type=Practitioner', { headers: ASYNC });
    expect(bad.status).to.equal(400);
  });

  it('a POST kick-off with a Parameters body limits a patient export to the patients named', async () => {
    const { rows } = await server.sql.query(
      'select "patientId" as id from appointments where "deletedAt" is null group by "patientId" limit 1',
    );
    const patient = rows[0].id;
    const { manifest, files } = await exportAll(
      server,
      '/Patient/$export',
      {},
      {
        resourceType: 'Parameters',
        parameter: [
          { name: '_type', valueString: 'Patient,Appointment' },
          { name: 'patient', valueReference: { reference: `Patient/${patient}` } },
        ],
      },
    );
    expect(manifest.request).to.match(/\/Patient\/\$export$/);
    expect(files.Patient!.map((p) => p.id)).to.deep.equal([patient]);
    const { rows: appts } = await server.sql.query(
      'select count(*)::int as n from appointments where "patientId" = $1 and "deletedAt" is null',
      [patient],
    );
    expect(files.Appointment).to.have.length(appts[0].n);
    for (const a of files.Appointment!)
      expect(a.participant.some((p: any) => p.actor?.reference === `Patient/${patient}`)).to.equal(true);
    const system = await server.call('POST', '/$export', {
      headers: ASYNC,
      body: {
        resourceType: 'Parameters',
        parameter: [{ name: 'patient', valueReference: { reference: `Patient/${patient}` } }],
      },
    });
    expect(system.status).to.equal(400);
  });

  it('Group/[doctor]/$export exports the panel: the patients with appointments with that doctor, and their data', async () => {
    const { rows } = await server.sql.query(
      `select distinct a."patientId"::text as id from appointments a join patients p on p.id = a."patientId"
       where a."doctorId" = $1 and a."deletedAt" is null and p."deletedAt" is null order by 1`,
      [doctor],
    );
    const { files } = await exportAll(server, `/Group/${doctor}/$export?_type=Patient,Invoice`);
    expect(files.Patient!.map((p) => p.id).sort()).to.deep.equal(rows.map((r) => r.id));
    const members = new Set(rows.map((r) => `Patient/${r.id}`));
    for (const i of files.Invoice ?? []) expect(members.has(i.subject.reference)).to.equal(true);
    const all = await exportAll(server, '/Group/all-patients/$export?_type=Patient');
    expect(all.files.Patient).to.have.length(await currentCount('Patient'));
    const unknown = await server.call('GET', '/Group/00000000-0000-4000-8000-000000000000/$export', { headers: ASYNC });
    expect(unknown.status).to.equal(404);
  });

  it('Groups are read-only resources: read lists the panel members, search lists every Group', async () => {
    const read = await server.call('GET', `/Group/${doctor}`);
    expect(read.status, read.text).to.equal(200);
    expect(read.body).to.include({ resourceType: 'Group', id: doctor, type: 'person', actual: true });
    expect(read.body.managingEntity.reference).to.equal(`Practitioner/${doctor}`);
    expect(read.body.member).to.have.length(read.body.quantity);
    const search = await server.call('GET', '/Group');
    expect(search.body.type).to.equal('searchset');
    const ids = search.body.entry.map((e: any) => e.resource.id);
    expect(ids).to.include('all-patients');
    expect(ids).to.include(doctor);
    expect(search.body.total).to.equal(
      (await server.sql.query('select count(*)::int as n from doctors where "deletedAt" is null')).rows[0].n + 1,
    );
    expect((await server.call('GET', '/Group?_id=all-patients')).body.entry).to.have.length(1);
    expect((await server.call('DELETE', `/Group/${doctor}`)).status).to.equal(405);
    expect((await server.call('GET', '/Group/nope')).status).to.equal(404);
    expect((await server.call('GET', '/Group?name=x')).status).to.equal(400);
  });

  it('DELETE on the status URL cancels (202); later polls and file requests are 404 and the files are gone', async () => {
    const status = await kickOff(server, '/$export');
    const id = status.split('/').pop()!;
    const cancel = await server.call('DELETE', status);
    expect(cancel.status, cancel.text).to.equal(202);
    expect((await server.call('GET', status)).status).to.equal(404);
    expect((await server.call('DELETE', status)).status).to.equal(404);
    await new Promise((r) => setTimeout(r, 300));
    expect(fs.existsSync(path.join(server.config.export.dir, id))).to.equal(false);
    expect((await server.call('GET', `/$export-file/${id}/Patient.ndjson`)).status).to.equal(404);
  });

  it('the CapabilityStatement declares the export operations, $everything and the Group resource, and instantiates the Bulk Data IG', async () => {
    const cs = (await server.call('GET', '/metadata')).body;
    expect(cs.instantiates).to.deep.equal(['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data']);
    expect(cs.rest[0].operation.map((o: any) => o.name)).to.include('export');
    const patient = cs.rest[0].resource.find((r: any) => r.type === 'Patient');
    expect(patient.operation.map((o: any) => o.name)).to.include.members(['export', 'everything']);
    const group = cs.rest[0].resource.find((r: any) => r.type === 'Group');
    expect(group.interaction.map((i: any) => i.code)).to.deep.equal(['read', 'search-type']);
    expect(group.operation.map((o: any) => o.name)).to.deep.equal(['export']);
  });
});

describe('bulk › $export files expire, computed types', function () {
  this.timeout(60000);
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ EXPORT_POLL_MS: '20', EXPORT_KEEP_SECONDS: '1' });
    await seed(server.db.orm.em.fork(), { patients: 2, doctors: 1 });
  });
  after(() => server?.stop());

  it('Slot, which is computed, is exported only when _type names it', async () => {
    const everything = await exportAll(server, '/$export');
    expect(everything.manifest.output.map((o: { type: string }) => o.type)).not.to.include('Slot');
    const slots = await exportAll(server, '/$export?_type=Slot');
    const { rows } = await server.sql.query<{ n: number }>(
      'select count(*)::int as n from doctors d cross join lateral fhir_slot_horizon(d.id) s',
    );
    expect(rows[0]!.n).to.be.greaterThan(0);
    expect(slots.files.Slot).to.have.length(rows[0]!.n);
    expect(slots.files.Slot!.every((r: { resourceType: string }) => r.resourceType === 'Slot')).to.equal(true);
  });

  it('after EXPORT_KEEP_SECONDS the status URL and the files are 404 and the folder is gone', async () => {
    const { status, manifest } = await exportAll(server, '/$export?_type=Patient');
    const id = status.split('/').pop()!;
    expect(fs.existsSync(path.join(server.config.export.dir, id, 'Patient.ndjson'))).to.equal(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await server.call('GET', status)).status).to.equal(404);
    expect((await download(server, manifest.output[0]!.url)).status).to.equal(404);
    expect(fs.existsSync(path.join(server.config.export.dir, id))).to.equal(false);
  });
});
