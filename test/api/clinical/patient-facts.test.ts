// AllergyIntolerance ⇄ patients.allergies and Condition ⇄ patients.chronicDiseases: one resource
// per TEXT[] entry with a stable id (D3), create/update/delete written back to the array, versions
// of changes made with SQL (D5), what the columns cannot hold kept (D4), search, bad input.
import { expect } from 'chai';
import fc from 'fast-check';
import { newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';

interface Kind {
  type: 'AllergyIntolerance' | 'Condition';
  column: 'allergies' | 'chronicDiseases';
  patientElement: 'patient' | 'subject';
}

const KINDS: Kind[] = [
  { type: 'AllergyIntolerance', column: 'allergies', patientElement: 'patient' },
  { type: 'Condition', column: 'chronicDiseases', patientElement: 'subject' },
];

for (const kind of KINDS)
  describe(`${kind.type} ⇄ patients.${kind.column}`, function () {
    const { type, column, patientElement } = kind;
    let server: TestServer;
    before(async () => (server = await startTestServer()));
    after(() => server?.stop());

    const patientWith = async (items: string[]) => {
      const created = await server.call('POST', '/Patient', { body: newPatient() });
      expect(created.status, created.text).to.equal(201);
      await server.sql.query(`update patients set "${column}" = $1 where id = $2`, [items, created.body.id]);
      return created.body.id as string;
    };
    const itemsOf = async (patient: string) =>
      (await server.sql.query(`select "${column}" as items from patients where id = $1`, [patient])).rows[0]
        .items as string[];
    const search = async (q: string) => {
      const res = await server.call('GET', `/${type}?${q}&_count=100`);
      expect(res.status, res.text).to.equal(200);
      return (res.body.entry ?? []).map((e: any) => e.resource);
    };
    const resource = (patient: string, text: string, extra: Record<string, unknown> = {}) => ({
      resourceType: type,
      [patientElement]: { reference: `Patient/${patient}` },
      code: { text },
      ...extra,
    });

    it('each entry of a row written by another application is one resource with the entry as code.text', async () => {
      const patient = await patientWith(['Penicillin', 'Latex']);
      const found = await search(`patient=${patient}`);
      expect(found.map((r: any) => r.code.text).sort()).to.deep.equal(['Latex', 'Penicillin']);
      for (const r of found) {
        expect(r.clinicalStatus.coding[0].code).to.equal('active');
        expect(r[patientElement].reference).to.match(new RegExp(`Patient/${patient}$`));
        if (type === 'Condition') expect(r.category[0].coding[0].code).to.equal('problem-list-item');
        const read = await server.call('GET', `/${type}/${r.id}`);
        expect(read.status).to.equal(200);
        expect(read.body.code.text).to.equal(r.code.text);
      }
    });

    it('create appends to the array; update replaces in place keeping the id; delete removes only that entry', async () => {
      const patient = await patientWith(['Aspirin']);
      const [aspirin] = await search(`patient=${patient}`);
      const created = await server.call('POST', `/${type}`, { body: resource(patient, 'Shellfish') });
      expect(created.status, created.text).to.equal(201);
      expect(await itemsOf(patient)).to.deep.equal(['Aspirin', 'Shellfish']);
      const id = created.body.id;
      const updated = await server.call('PUT', `/${type}/${id}`, { body: { ...created.body, code: { text: 'Crab' } } });
      expect(updated.status, updated.text).to.equal(200);
      expect(updated.body.id).to.equal(id);
      expect(updated.body.meta.versionId).to.equal('2');
      expect(await itemsOf(patient)).to.deep.equal(['Aspirin', 'Crab']);
      expect((await server.call('GET', `/${type}/${id}/_history/1`)).body.code.text).to.equal('Shellfish');
      const del = await server.call('DELETE', `/${type}/${id}`);
      expect(del.status, del.text).to.be.oneOf([200, 204]);
      expect(await itemsOf(patient)).to.deep.equal(['Aspirin']);
      expect((await server.call('GET', `/${type}/${id}`)).status).to.equal(410);
      const still = await server.call('GET', `/${type}/${aspirin.id}`);
      expect(still.status).to.equal(200);
      expect(still.body.meta.versionId).to.equal('1');
    });

    it('patch changes the entry text in the row', async () => {
      const patient = await patientWith(['Pollen']);
      const [pollen] = await search(`patient=${patient}`);
      const res = await server.call('PATCH', `/${type}/${pollen.id}`, {
        headers: { 'content-type': 'application/json-patch+json' },
        body: [{ op: 'replace', path: '/code/text', value: 'Grass pollen' }],
      });
      expect(res.status, res.text).to.equal(200);
      expect(await itemsOf(patient)).to.deep.equal(['Grass pollen']);
    });

    it('changes made with SQL: another entry added leaves this one alone, a removed entry is a deleted version', async () => {
      const patient = await patientWith(['Peanuts']);
      const [peanuts] = await search(`patient=${patient}`);
      await server.sql.query(`update patients set "${column}" = array_append("${column}", 'Sesame') where id = $1`, [
        patient,
      ]);
      expect((await server.call('GET', `/${type}/${peanuts.id}`)).body.meta.versionId).to.equal('1');
      expect((await search(`patient=${patient}`)).length).to.equal(2);
      await server.sql.query(`update patients set "${column}" = array['Sesame'] where id = $1`, [patient]);
      expect((await server.call('GET', `/${type}/${peanuts.id}`)).status).to.equal(410);
      const history = await server.call('GET', `/${type}/${peanuts.id}/_history`);
      expect(history.body.entry).to.have.length(2);
    });

    it('what no column holds is kept beside the entry and read back (D4)', async () => {
      const patient = await patientWith([]);
      const note = [{ text: 'Reported by the patient in 2019.' }];
      const created = await server.call('POST', `/${type}`, { body: resource(patient, 'Sulfonamides', { note }) });
      expect(created.status, created.text).to.equal(201);
      const read = await server.call('GET', `/${type}/${created.body.id}`);
      expect(read.body.note).to.deep.equal(note);
      expect(await itemsOf(patient)).to.deep.equal(['Sulfonamides']);
    });

    it('search: patient, code (case-insensitive), :text, clinical-status and the Patient compartment', async () => {
      const patient = await patientWith(['Penicillin', 'Latex']);
      const codes = async (q: string) => (await search(`patient=${patient}&${q}`)).map((r: any) => r.code.text).sort();
      expect(await codes('code=penicillin')).to.deep.equal(['Penicillin']);
      expect(await codes('code:text=lat')).to.deep.equal(['Latex']);
      expect(await codes('code=http://snomed.info/sct|Latex')).to.deep.equal([]);
      expect(await codes('clinical-status=active')).to.deep.equal(['Latex', 'Penicillin']);
      expect(await codes('clinical-status=resolved')).to.deep.equal([]);
      if (type === 'Condition') {
        expect(await codes('category=problem-list-item')).to.deep.equal(['Latex', 'Penicillin']);
        expect(await codes('category=encounter-diagnosis')).to.deep.equal([]);
      }
      const compartment = await server.call('GET', `/Patient/${patient}/${type}`);
      expect(compartment.body.entry).to.have.length(2);
    });

    describe('bad input: 4xx naming the element, nothing written', () => {
      it('a patient that does not exist → 422', async () => {
        const res = await server.call('POST', `/${type}`, {
          body: resource('6f1c1f0e-0000-4000-8000-000000000000', 'Penicillin'),
        });
        expect(res.status, res.text).to.equal(422);
        expect(JSON.stringify(res.body.issue)).to.include(`${type}.${patientElement}`);
      });

      it('no code text → 422; a clinicalStatus other than active → 422; the row is unchanged', async () => {
        const patient = await patientWith(['Latex']);
        const system =
          type === 'Condition'
            ? 'http://terminology.hl7.org/CodeSystem/condition-clinical'
            : 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
        for (const [body, expression] of [
          [{ ...resource(patient, 'x'), code: { coding: [{ system: 'http://snomed.info/sct' }] } }, `${type}.code`],
          [
            resource(patient, 'Pollen', { clinicalStatus: { coding: [{ system, code: 'resolved' }] } }),
            'clinicalStatus',
          ],
        ] as const) {
          const res = await server.call('POST', `/${type}`, { body });
          expect(res.status, res.text).to.equal(422);
          expect(JSON.stringify(res.body.issue)).to.include(expression);
        }
        expect(await itemsOf(patient)).to.deep.equal(['Latex']);
      });

      it('the same entry twice → 409; moving an entry to another patient → 422', async () => {
        const patient = await patientWith(['Latex']);
        const other = await patientWith([]);
        const dup = await server.call('POST', `/${type}`, { body: resource(patient, 'Latex') });
        expect(dup.status, dup.text).to.equal(409);
        const [latex] = await search(`patient=${patient}`);
        const moved = await server.call('PUT', `/${type}/${latex.id}`, {
          body: { ...latex, [patientElement]: { reference: `Patient/${other}` } },
        });
        expect(moved.status, moved.text).to.equal(422);
        expect(JSON.stringify(moved.body.issue)).to.include(`${type}.${patientElement}`);
        expect(await itemsOf(patient)).to.deep.equal(['Latex']);
        expect(await itemsOf(other)).to.deep.equal([]);
      });

      it('PUT at an id that was never assigned → 422 (ids come from the server)', async () => {
        const patient = await patientWith([]);
        const res = await server.call('PUT', `/${type}/0b5e2b6e-1111-4111-8111-111111111111`, {
          body: { ...resource(patient, 'Latex'), id: '0b5e2b6e-1111-4111-8111-111111111111' },
        });
        expect(res.status, res.text).to.equal(422);
        expect(await itemsOf(patient)).to.deep.equal([]);
      });
    });

    it('round trip over generated entries: create, read and put back leave exactly the texts in the row', async () => {
      const texts = fc
        .string({ minLength: 1, maxLength: 40 })
        .map((s) => s.trim())
        .filter((s) => s.length > 0 && [...s].every((c) => c.charCodeAt(0) >= 32));
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(texts, { minLength: 1, maxLength: 4 }), async (items) => {
          const patient = await patientWith([]);
          const ids: string[] = [];
          for (const text of items) {
            const res = await server.call('POST', `/${type}`, { body: resource(patient, text) });
            expect(res.status, res.text).to.equal(201);
            ids.push(res.body.id);
          }
          expect(await itemsOf(patient)).to.deep.equal(items);
          for (const [i, id] of ids.entries()) {
            const read = await server.call('GET', `/${type}/${id}`);
            expect(read.body.code.text).to.equal(items[i]);
            const put = await server.call('PUT', `/${type}/${id}`, { body: read.body });
            expect(put.status, put.text).to.equal(200);
            expect(put.body.meta.versionId).to.equal(read.body.meta.versionId);
          }
          expect(await itemsOf(patient)).to.deep.equal(items);
        }),
        { numRuns: 15 },
      );
    });
  });
