// Observation ⇄ the vital signs held on patients (issue 6, docs/observation-vital-signs.md): blood
// type (LOINC 882-1), body height (8302-2, cm), body weight (29463-7, kg) and BMI (39156-5, derived),
// served by the same Observation type as the lab results, following the FHIR vital signs profiles
// (http://hl7.org/fhir/R4/observation-vitalsigns.html): stable ids, versions of SQL changes (D5),
// search, history, $everything, writes back to the row, and bad input (4xx naming the element).
import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { profileErrors, usCoreProfile } from '../../support/us-core-validator.js';
import { order } from '../labs/lab-fixtures.js';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const SNOMED = 'http://snomed.info/sct';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CORE = 'http://hl7.org/fhir/StructureDefinition';
const OURS = 'https://fhir-interop-server.dev/fhir/StructureDefinition';
const CODES = { 'blood-type': '882-1', height: '8302-2', weight: '29463-7', bmi: '39156-5' } as const;
type Kind = keyof typeof CODES;

/** The id the design gives a patient's Observation of a kind: md5('Observation/vital/<patient>/<kind>') as a uuid. */
function vitalId(patient: string, kind: Kind): string {
  const hex = createHash('md5').update(`Observation/vital/${patient}/${kind}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const ids = (bundle: any): string[] => (bundle.entry ?? []).map((e: any) => e.resource.id).sort();

describe('Observation ⇄ patients vital signs (blood type, height, weight, BMI)', function () {
  this.timeout(120000);
  let server: TestServer;
  before(async () => (server = await startTestServer()));
  after(() => server?.stop());

  const patient = async () => {
    const res = await server.call('POST', '/Patient', { body: newPatient() });
    expect(res.status, res.text).to.equal(201);
    return res.body.id as string;
  };
  const columns = async (id: string) =>
    (await server.sql.query('select "bloodType", height, weight from patients where id = $1', [id])).rows[0];
  const setColumns = (id: string, values: Record<string, unknown>) =>
    server.sql.query(
      `update patients set ${Object.keys(values)
        .map((c, i) => `"${c}" = $${i + 2}`)
        .join(', ')} where id = $1`,
      [id, ...Object.values(values)],
    );
  const read = async (id: string) => {
    const res = await server.call('GET', `/Observation/${id}`);
    expect(res.status, res.text).to.equal(200);
    return res.body;
  };
  const quantity = (patientId: string, kind: 'height' | 'weight', value: number, code: string, extra = {}) => ({
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: CATEGORY, code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code: CODES[kind] }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2026-03-01T10:00:00Z',
    valueQuantity: { value, unit: code, system: UCUM, code },
    ...extra,
  });
  const bloodType = (patientId: string, concept: object) => ({
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: CATEGORY, code: 'laboratory' }] }],
    code: { coding: [{ system: LOINC, code: '882-1' }] },
    subject: { reference: `Patient/${patientId}` },
    valueCodeableConcept: concept,
  });

  describe('read: columns written with SQL are four Observations with stable ids', () => {
    let id: string;
    before(async () => {
      id = await patient();
      await setColumns(id, { bloodType: 'AB-', height: 180, weight: 81 });
    });

    it('the ids are md5(Observation/vital/<patient>/<kind>), the same in SQL (fhir_vital_sign_id)', async () => {
      const { rows } = await server.sql.query(
        `select kind, id::text from fhir_vital_signs where patient_id = $1 and id = fhir_vital_sign_id($1, kind) order by kind`,
        [id],
      );
      expect(rows.map((r) => [r.kind, r.id])).to.deep.equal(
        (['blood-type', 'bmi', 'height', 'weight'] as const).map((k) => [k, vitalId(id, k)]),
      );
      const found = await server.call('GET', `/Observation?patient=${id}`);
      expect(ids(found.body)).to.deep.equal((Object.keys(CODES) as Kind[]).map((k) => vitalId(id, k)).sort());
    });

    it('height and weight are UCUM quantities, the BMI weight/(height/100)^2 with one decimal, category vital-signs', async () => {
      const height = await read(vitalId(id, 'height'));
      expect(height).to.deep.include({
        status: 'final',
        category: [{ coding: [{ system: CATEGORY, code: 'vital-signs', display: 'Vital Signs' }] }],
        code: { coding: [{ system: LOINC, code: '8302-2', display: 'Body height' }], text: 'Body height' },
        valueQuantity: { value: 180, unit: 'cm', system: UCUM, code: 'cm' },
      });
      expect(height.subject.reference).to.match(new RegExp(`Patient/${id}$`));
      expect(height.effectiveDateTime).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      expect(height.meta.profile).to.deep.equal([`${OURS}/observation-vital-signs`]);
      expect((await read(vitalId(id, 'weight'))).valueQuantity).to.deep.equal({
        value: 81,
        unit: 'kg',
        system: UCUM,
        code: 'kg',
      });
      const bmi = await read(vitalId(id, 'bmi'));
      expect(bmi.code.coding[0].code).to.equal('39156-5');
      expect(bmi.valueQuantity).to.deep.equal({ value: 25, unit: 'kg/m2', system: UCUM, code: 'kg/m2' });
    });

    it('the BMI reads as its search column rounds it, at a half (48 kg at 160 cm: 18.75, in float 18.7499…)', async () => {
      const other = await patient();
      await setColumns(other, { height: 160, weight: 48 });
      expect((await read(vitalId(other, 'bmi'))).valueQuantity.value).to.equal(18.8);
      const found = await server.call('GET', `/Observation?patient=${other}&value-quantity=18.8&code=39156-5`);
      expect(found.body.entry?.map((e: { resource: { id: string } }) => e.resource.id)).to.deep.equal([
        vitalId(other, 'bmi'),
      ]);
    });

    it('the blood type is LOINC 882-1, category laboratory, with the SNOMED CT blood group', async () => {
      const blood = await read(vitalId(id, 'blood-type'));
      expect(blood.category[0].coding[0].code).to.equal('laboratory');
      expect(blood.code.coding[0]).to.deep.include({ system: LOINC, code: '882-1' });
      expect(blood.valueCodeableConcept).to.deep.equal({
        coding: [{ system: SNOMED, code: '278154007', display: 'Blood group AB Rh(D) negative' }],
        text: 'AB-',
      });
      expect(blood.meta.profile).to.deep.equal([`${OURS}/observation-blood-type`]);
    });

    it('each conforms to the profiles it declares (FHIR core vital signs, US Core 3.1.1 lab), by an independent validator', async () => {
      for (const [kind, profiles] of [
        ['height', [`${CORE}/vitalsigns`, `${CORE}/bodyheight`]],
        ['weight', [`${CORE}/vitalsigns`, `${CORE}/bodyweight`]],
        ['bmi', [`${CORE}/vitalsigns`, `${CORE}/bmi`]],
        ['blood-type', [usCoreProfile('observation-lab')]],
      ] as const) {
        const resource = await read(vitalId(id, kind));
        for (const profile of profiles)
          expect(profileErrors(resource, profile), `${kind} ${profile}`).to.deep.equal([]);
      }
      // the validator can fail: a height without its value breaks bodyheight
      const broken = { ...(await read(vitalId(id, 'height'))), valueQuantity: undefined };
      expect(profileErrors(broken, `${CORE}/bodyheight`)).to.not.deep.equal([]);
    });

    it('a blood type another application wrote outside the eight reads as text only', async () => {
      const other = await patient();
      await setColumns(other, { bloodType: 'unknown' });
      expect((await read(vitalId(other, 'blood-type'))).valueCodeableConcept).to.deep.equal({ text: 'unknown' });
    });

    it('no height, no BMI: a patient with a weight alone has one Observation', async () => {
      const other = await patient();
      await setColumns(other, { weight: 70 });
      expect(ids((await server.call('GET', `/Observation?patient=${other}`)).body)).to.deep.equal([
        vitalId(other, 'weight'),
      ]);
      expect((await server.call('GET', `/Observation/${vitalId(other, 'bmi')}`)).status).to.equal(404);
    });
  });

  describe('versions (D5): SQL that changes a column makes a new version; null deletes it', () => {
    it('height changed → height and BMI version 2, weight and blood type stay; an unrelated column changes none', async () => {
      const id = await patient();
      await setColumns(id, { bloodType: 'O+', height: 170, weight: 70 });
      const before = await read(vitalId(id, 'height'));
      await setColumns(id, { height: 175 });
      const height = await read(vitalId(id, 'height'));
      expect(height.meta.versionId).to.equal('2');
      expect(height.valueQuantity.value).to.equal(175);
      expect(Date.parse(height.effectiveDateTime)).to.be.greaterThan(Date.parse(before.effectiveDateTime));
      expect((await read(vitalId(id, 'bmi'))).meta.versionId).to.equal('2');
      expect((await read(vitalId(id, 'bmi'))).valueQuantity.value).to.equal(22.9);
      expect((await read(vitalId(id, 'weight'))).meta.versionId).to.equal('1');
      expect((await read(vitalId(id, 'blood-type'))).meta.versionId).to.equal('1');
      await setColumns(id, { occupation: 'Engineer', maritalStatus: 'married' });
      for (const kind of Object.keys(CODES) as Kind[])
        expect((await read(vitalId(id, kind))).meta.versionId, kind).to.equal(
          kind === 'height' || kind === 'bmi' ? '2' : '1',
        );
    });

    it('height set null → the height and the BMI are gone (410), history keeps their versions, vread the old one', async () => {
      const id = await patient();
      await setColumns(id, { height: 160, weight: 64 });
      await setColumns(id, { height: null });
      for (const kind of ['height', 'bmi'] as const)
        expect((await server.call('GET', `/Observation/${vitalId(id, kind)}`)).status, kind).to.equal(410);
      const history = await server.call('GET', `/Observation/${vitalId(id, 'height')}/_history`);
      expect(history.status, history.text).to.equal(200);
      expect(history.body.entry).to.have.length(2);
      expect(history.body.entry[0].request).to.deep.include({ method: 'DELETE' });
      const old = await server.call('GET', `/Observation/${vitalId(id, 'height')}/_history/1`);
      expect(old.status, old.text).to.equal(200);
      expect(old.body.valueQuantity.value).to.equal(160);
      expect(ids((await server.call('GET', `/Observation?patient=${id}`)).body)).to.deep.equal([vitalId(id, 'weight')]);
      // the column set again: the same id, a new version
      await setColumns(id, { height: 161 });
      const back = await read(vitalId(id, 'height'));
      expect(back.meta.versionId).to.equal('3');
      expect(back.valueQuantity.value).to.equal(161);
    });

    it('a soft-deleted patient has no vital signs; type history lists the vital versions', async () => {
      const id = await patient();
      await setColumns(id, { weight: 90 });
      const since = new Date(Date.now() - 1000).toISOString();
      await server.sql.query('update patients set "deletedAt" = now() where id = $1', [id]);
      expect((await server.call('GET', `/Observation/${vitalId(id, 'weight')}`)).status).to.equal(410);
      const history = await server.call('GET', `/Observation/_history?_since=${since}`);
      expect(history.body.entry.map((e: any) => e.fullUrl ?? e.request?.url).join(' ')).to.include(
        vitalId(id, 'weight'),
      );
    });
  });

  describe('search: the lab parameters over both sources', () => {
    let id: string;
    let labs: string[];
    let orderId: string;
    before(async () => {
      id = await patient();
      await setColumns(id, { bloodType: 'B+', height: 182.5, weight: 77 });
      orderId = await order(server, id, {
        status: 'completed',
        sampleCollectionDate: '2026-02-01T08:00:00',
        testResults: [
          { id: 'r1', code: '2345-7', name: 'Glucose', value: 90, unit: 'mg/dL', status: 'final' },
          { id: 'r2', code: '718-7', name: 'Hemoglobin', value: 14, unit: 'g/dL', status: 'preliminary' },
        ],
      });
      const found = await server.call('GET', `/Observation?patient=${id}&category=laboratory&code=2345-7,718-7`);
      labs = ids(found.body);
      expect(labs).to.have.length(2);
    });
    const search = async (query: string) => {
      const res = await server.call('GET', `/Observation?${query}`);
      expect(res.status, res.text).to.equal(200);
      return ids(res.body);
    };
    const vital = (...kinds: Kind[]) => kinds.map((k) => vitalId(id, k));
    const sorted = (list: string[]) => [...list].sort();

    it('patient, subject and the compartment find the lab results and the vital signs', async () => {
      const all = sorted([...labs, ...vital('blood-type', 'height', 'weight', 'bmi')]);
      expect(await search(`patient=${id}`)).to.deep.equal(all);
      expect(await search(`subject=Patient/${id}`)).to.deep.equal(all);
      expect(ids((await server.call('GET', `/Patient/${id}/Observation`)).body)).to.deep.equal(all);
    });

    it('chains into Patient reach both sources: patient._id, subject:Patient.identifier, with code', async () => {
      const all = sorted([...labs, ...vital('blood-type', 'height', 'weight', 'bmi')]);
      expect(await search(`patient._id=${id}`)).to.deep.equal(all);
      const mrn = (await server.call('GET', `/Patient/${id}`)).body.identifier.find(
        (i: { system?: string; value?: string }) => i.value?.startsWith('PAT-'),
      );
      expect(mrn, 'the patient has a PAT- identifier').to.not.equal(undefined);
      expect(await search(`subject:Patient.identifier=${mrn.system}|${mrn.value}`)).to.deep.equal(all);
      const glucose = await search(`patient=${id}&code=2345-7`);
      expect(glucose).to.have.length(1);
      expect(await search(`patient._id=${id}&code=2345-7,${CODES.weight}`)).to.deep.equal(
        sorted([...glucose, ...vital('weight')]),
      );
      expect(await search(`patient._id=${randomUUID()}`)).to.deep.equal([]);
    });

    it('category, code, status, based-on', async () => {
      const p = `patient=${id}`;
      expect(await search(`${p}&category=${CATEGORY}|vital-signs`)).to.deep.equal(
        sorted(vital('height', 'weight', 'bmi')),
      );
      expect(await search(`${p}&category=laboratory`)).to.deep.equal(sorted([...labs, ...vital('blood-type')]));
      expect(await search(`${p}&code=${LOINC}|8302-2`)).to.deep.equal(vital('height'));
      expect(await search(`${p}&code=29463-7,39156-5`)).to.deep.equal(sorted(vital('weight', 'bmi')));
      expect(await search(`${p}&code:text=body`)).to.deep.equal(sorted(vital('height', 'weight', 'bmi')));
      expect(await search(`${p}&status=final`)).to.have.length(5);
      expect(await search(`${p}&status=preliminary`)).to.have.length(1);
      expect(await search(`based-on=ServiceRequest/${orderId}`)).to.deep.equal(labs);
    });

    it('value-quantity, date, _id and _lastUpdated', async () => {
      const p = `patient=${id}`;
      expect(await search(`${p}&value-quantity=gt180|${UCUM}|cm`)).to.deep.equal(vital('height'));
      expect(await search(`${p}&value-quantity=23.1`)).to.deep.equal(vital('bmi'));
      expect(await search(`${p}&value-quantity=lt100&code=8302-2`)).to.deep.equal([]);
      expect(await search(`${p}&value-quantity=77|${UCUM}|kg`)).to.deep.equal(vital('weight'));
      const today = new Date().toISOString().slice(0, 10);
      expect(await search(`${p}&date=ge${today}`)).to.deep.equal(
        sorted(vital('blood-type', 'height', 'weight', 'bmi')),
      );
      expect(await search(`${p}&date=lt${today}`)).to.deep.equal(labs);
      expect(await search(`_id=${vitalId(id, 'bmi')},${labs[0]}`)).to.deep.equal(
        sorted([vitalId(id, 'bmi'), labs[0]!]),
      );
      expect(await search(`${p}&_lastUpdated=ge${today}`)).to.have.length(6);
      const sortedByDate = await server.call('GET', `/Observation?${p}&_sort=-date&_count=2`);
      expect(sortedByDate.body.entry).to.have.length(2);
      expect(sortedByDate.body.link.some((l: any) => l.relation === 'next')).to.equal(true);
    });

    it('_include and _revinclude: Observation:patient, Patient revincluding its Observations', async () => {
      const included = await server.call(
        'GET',
        `/Observation?_id=${vitalId(id, 'height')}&_include=Observation:patient`,
      );
      expect(included.body.entry.map((e: any) => `${e.resource.resourceType}/${e.resource.id}`)).to.deep.equal([
        `Observation/${vitalId(id, 'height')}`,
        `Patient/${id}`,
      ]);
      const rev = await server.call('GET', `/Patient?_id=${id}&_revinclude=Observation:patient`);
      const obs = rev.body.entry.filter((e: any) => e.resource.resourceType === 'Observation');
      expect(obs).to.have.length(6);
    });

    it('Patient/$everything includes the vital signs', async () => {
      const everything = await server.call('GET', `/Patient/${id}/$everything?_type=Observation`);
      expect(everything.status, everything.text).to.equal(200);
      expect(ids(everything.body)).to.deep.equal(sorted([...labs, ...vital('blood-type', 'height', 'weight', 'bmi')]));
    });
  });

  describe('create, update and delete write back to the patients row', () => {
    it('POST a height: 201 at the stable id, the column written; a second create of the kind is 409', async () => {
      const id = await patient();
      const created = await server.call('POST', '/Observation', { body: quantity(id, 'height', 172.4, 'cm') });
      expect(created.status, created.text).to.equal(201);
      expect(created.body.id).to.equal(vitalId(id, 'height'));
      expect(created.headers.get('location')).to.include(`Observation/${vitalId(id, 'height')}/_history/1`);
      expect((await columns(id)).height).to.equal(172.4);
      expect(created.body.valueQuantity).to.deep.equal({ value: 172.4, unit: 'cm', system: UCUM, code: 'cm' });
      const again = await server.call('POST', '/Observation', { body: quantity(id, 'height', 173, 'cm') });
      expect(again.status, again.text).to.equal(409);
      expect((await columns(id)).height).to.equal(172.4);
      expect(created.body.effectiveDateTime).to.equal('2026-03-01T10:00:00Z');
      // the weight completes the BMI, which appears by itself, at the later of the two times
      const weight = quantity(id, 'weight', 80, 'kg', { effectiveDateTime: '2026-03-02T08:30:00+01:00' });
      expect((await server.call('POST', '/Observation', { body: weight })).status).to.equal(201);
      const bmi = await read(vitalId(id, 'bmi'));
      expect(bmi.valueQuantity.value).to.equal(26.9);
      expect(bmi.effectiveDateTime).to.equal('2026-03-02T07:30:00Z');
      expect((await server.call('GET', `/Observation?patient=${id}&date=2026-03-02`)).body.entry).to.have.length(2);
    });

    it('PUT changes the column (a new version); a put back of the same is no new version; what no column holds is kept', async () => {
      const id = await patient();
      await setColumns(id, { weight: 60 });
      const current = await read(vitalId(id, 'weight'));
      const updated = await server.call('PUT', `/Observation/${vitalId(id, 'weight')}`, {
        body: {
          ...current,
          valueQuantity: { value: 62.5, unit: 'kg', system: UCUM, code: 'kg' },
          note: [{ text: 'after lunch' }],
        },
      });
      expect(updated.status, updated.text).to.equal(200);
      expect(updated.body.meta.versionId).to.equal('2');
      expect((await columns(id)).weight).to.equal(62.5);
      const again = await read(vitalId(id, 'weight'));
      expect(again.note).to.deep.equal([{ text: 'after lunch' }]);
      const same = await server.call('PUT', `/Observation/${vitalId(id, 'weight')}`, { body: again });
      expect(same.body.meta.versionId).to.equal('2');
    });

    it('blood type: POST with a SNOMED CT code writes the column; PUT with the text O- changes it', async () => {
      const id = await patient();
      const created = await server.call('POST', '/Observation', {
        body: bloodType(id, { coding: [{ system: SNOMED, code: '278149003' }] }),
      });
      expect(created.status, created.text).to.equal(201);
      expect(created.body.id).to.equal(vitalId(id, 'blood-type'));
      expect((await columns(id)).bloodType).to.equal('A+');
      const put = await server.call('PUT', `/Observation/${created.body.id}`, {
        body: { ...bloodType(id, { text: 'O-' }), id: created.body.id },
      });
      expect(put.status, put.text).to.equal(200);
      expect((await columns(id)).bloodType).to.equal('O-');
      expect(put.body.valueCodeableConcept.coding[0].code).to.equal('278148006');
    });

    it('DELETE clears the column (410 after); the patient stays; a new POST brings it back at the same id', async () => {
      const id = await patient();
      await setColumns(id, { height: 150, weight: 50, bloodType: 'B-' });
      const del = await server.call('DELETE', `/Observation/${vitalId(id, 'height')}`);
      expect(del.status, del.text).to.be.oneOf([200, 204]);
      expect(await columns(id)).to.deep.equal({ bloodType: 'B-', height: null, weight: 50 });
      expect((await server.call('GET', `/Observation/${vitalId(id, 'height')}`)).status).to.equal(410);
      expect((await server.call('GET', `/Observation/${vitalId(id, 'bmi')}`)).status).to.equal(410);
      expect((await server.call('GET', `/Patient/${id}`)).status).to.equal(200);
      expect((await server.call('DELETE', `/Observation/${vitalId(id, 'blood-type')}`)).status).to.be.oneOf([200, 204]);
      expect((await columns(id)).bloodType).to.equal(null);
      const back = await server.call('POST', '/Observation', { body: quantity(id, 'height', 151, 'cm') });
      expect(back.status, back.text).to.equal(201);
      expect(back.body.id).to.equal(vitalId(id, 'height'));
      expect(back.body.meta.versionId).to.equal('3');
    });

    it('a transaction Bundle writes a height and a weight of one patient', async () => {
      const id = await patient();
      const res = await server.call('POST', '', {
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { resource: quantity(id, 'height', 190, 'cm'), request: { method: 'POST', url: 'Observation' } },
            { resource: quantity(id, 'weight', 95, 'kg'), request: { method: 'POST', url: 'Observation' } },
          ],
        },
      });
      expect(res.status, res.text).to.equal(200);
      expect(await columns(id)).to.deep.include({ height: 190, weight: 95 });
    });
  });

  describe('bad input: 4xx OperationOutcome naming the element, nothing written', () => {
    const refused = async (method: string, path: string, body: unknown, status: number, expression: string) => {
      const res = await server.call(method, path, body === undefined ? {} : { body });
      expect(res.status, res.text).to.equal(status);
      expect(res.body.resourceType).to.equal('OperationOutcome');
      expect(JSON.stringify(res.body.issue), res.text).to.include(expression);
    };

    it('a height in another UCUM unit → 422 naming Observation.valueQuantity.code (no conversion)', async () => {
      const id = await patient();
      await refused(
        'POST',
        '/Observation',
        quantity(id, 'height', 70, '[in_i]'),
        422,
        'Observation.valueQuantity.code',
      );
      await refused(
        'POST',
        '/Observation',
        quantity(id, 'weight', 150, '[lb_av]'),
        422,
        'Observation.valueQuantity.code',
      );
      await setColumns(id, { weight: 70 });
      await refused(
        'PUT',
        `/Observation/${vitalId(id, 'weight')}`,
        { ...quantity(id, 'weight', 70000, 'g'), id: vitalId(id, 'weight') },
        422,
        'Observation.valueQuantity.code',
      );
      expect(await columns(id)).to.deep.equal({ bloodType: null, height: null, weight: 70 });
    });

    it('a non-positive value → 422 naming Observation.valueQuantity.value', async () => {
      const id = await patient();
      await refused('POST', '/Observation', quantity(id, 'height', -5, 'cm'), 422, 'Observation.valueQuantity.value');
      expect((await columns(id)).height).to.equal(null);
    });

    it('a time without a zone, a date alone or a period → 422 naming the effective element', async () => {
      const id = await patient();
      await refused(
        'POST',
        '/Observation',
        quantity(id, 'height', 170, 'cm', { effectiveDateTime: '2026-03-01T10:00:00' }),
        422,
        'Observation.effectiveDateTime',
      );
      await refused(
        'POST',
        '/Observation',
        quantity(id, 'height', 170, 'cm', { effectiveDateTime: '2026-03-01' }),
        422,
        'Observation.effective[x]',
      );
      await refused(
        'POST',
        '/Observation',
        quantity(id, 'height', 170, 'cm', {
          effectiveDateTime: undefined,
          effectivePeriod: { start: '2026-03-01T10:00:00Z' },
        }),
        422,
        'Observation.effective[x]',
      );
      expect((await columns(id)).height).to.equal(null);
    });

    it('a blood type outside the eight → 422 naming Observation.valueCodeableConcept', async () => {
      const id = await patient();
      await refused('POST', '/Observation', bloodType(id, { text: 'C+' }), 422, 'Observation.valueCodeableConcept');
      await refused(
        'POST',
        '/Observation',
        bloodType(id, { coding: [{ system: SNOMED, code: '112144000' }] }),
        422,
        'Observation.valueCodeableConcept',
      );
      expect((await columns(id)).bloodType).to.equal(null);
    });

    it('the BMI is read-only: create, update and delete → 422 naming Observation.code', async () => {
      const id = await patient();
      await setColumns(id, { height: 180, weight: 81 });
      const bmi = await read(vitalId(id, 'bmi'));
      const body = { ...bmi, valueQuantity: { value: 30, unit: 'kg/m2', system: UCUM, code: 'kg/m2' } };
      const { id: _id, meta: _meta, ...fresh } = body;
      await refused('POST', '/Observation', fresh, 422, 'Observation.code');
      await refused('PUT', `/Observation/${bmi.id}`, body, 422, 'Observation.code');
      await refused('DELETE', `/Observation/${bmi.id}`, undefined, 422, 'Observation.code');
      expect(await columns(id)).to.deep.equal({ bloodType: null, height: 180, weight: 81 });
      expect((await read(bmi.id)).meta.versionId).to.equal('1');
    });

    it('an unknown patient → 422 naming Observation.subject; a subject or code that changes → 422', async () => {
      await refused(
        'POST',
        '/Observation',
        quantity('6f1c1f0e-0000-4000-8000-000000000000', 'height', 170, 'cm'),
        422,
        'Observation.subject',
      );
      const id = await patient();
      const other = await patient();
      await setColumns(id, { height: 170 });
      const height = await read(vitalId(id, 'height'));
      await refused(
        'PUT',
        `/Observation/${height.id}`,
        { ...height, subject: { reference: `Patient/${other}` } },
        422,
        'Observation.subject',
      );
      await refused(
        'PUT',
        `/Observation/${height.id}`,
        {
          ...height,
          code: { coding: [{ system: LOINC, code: '29463-7' }] },
          valueQuantity: { value: 70, system: UCUM, code: 'kg', unit: 'kg' },
        },
        422,
        'Observation.code',
      );
      await refused(
        'PUT',
        `/Observation/${height.id}`,
        { ...height, status: 'preliminary' },
        422,
        'Observation.status',
      );
      expect(await columns(other)).to.deep.equal({ bloodType: null, height: null, weight: null });
      expect((await columns(id)).height).to.equal(170);
    });
  });

  it('the CapabilityStatement declares the vital sign profiles beside the lab ones, and no new parameters', async () => {
    const cs = (await server.call('GET', '/metadata')).body;
    const observation = cs.rest[0].resource.find((r: any) => r.type === 'Observation');
    expect(observation.profile).to.equal(`${OURS}/observation-lab`);
    expect(observation.supportedProfile).to.deep.equal([
      `${OURS}/observation-lab`,
      usCoreProfile('observation-lab'),
      `${OURS}/observation-blood-type`,
      `${OURS}/observation-vital-signs`,
      `${CORE}/vitalsigns`,
      `${CORE}/bodyheight`,
      `${CORE}/bodyweight`,
      `${CORE}/bmi`,
    ]);
    expect(observation.searchParam.map((p: any) => p.name).sort()).to.deep.equal(
      [
        '_id',
        '_lastUpdated',
        'based-on',
        'category',
        'code',
        'date',
        'patient',
        'status',
        'subject',
        'value-quantity',
      ].sort(),
    );
  });
});
