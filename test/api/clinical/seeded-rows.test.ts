// Every row the seed writes (src/seed) renders as a valid resource of its profile, and the
// writable ones go back through FHIR without changing the row (D4, D5).
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { putBack } from './clinical-fixtures.js';

const VITALS = `select v.id from fhir_vital_signs v join patients p on p.id = v.patient_id
  where case v.kind when 'blood-type' then p."bloodType" is not null when 'height' then p.height is not null
    when 'weight' then p.weight is not null else p.height > 0 and p.weight is not null end`;

/**
 * type, its ids, for writable ones the SQL of the row it is stored in ($1: the resource id), and
 * a label when a type has several sources.
 */
const TYPES: [type: string, rows: string, row?: string, label?: string][] = [
  [
    'Appointment',
    'select id from appointments',
    `select to_jsonb(t) - 'updatedAt' as row from appointments t where id = $1`,
  ],
  ['Encounter', `select id from appointments where status = 'completed'`],
  ['Medication', 'select id from medicines', `select to_jsonb(t) - 'updatedAt' as row from medicines t where id = $1`],
  [
    'MedicationRequest',
    'select id from fhir_prescription_entries',
    `select to_jsonb(t) - 'updatedAt' as row from prescriptions t
       where id = (select prescription_id from fhir_prescription_entries where id = $1)`,
  ],
  ['Invoice', 'select id from invoices', `select to_jsonb(t) - 'updatedAt' as row from invoices t where id = $1`],
  [
    'DocumentReference',
    'select id from medical_records',
    `select to_jsonb(t) - 'updatedAt' as row from medical_records t where id = $1`,
  ],
  ...(
    [
      ['AllergyIntolerance', 'allergies'],
      ['Condition', 'chronicDiseases'],
    ] as const
  ).map(([type, column]): [string, string, string] => [
    type,
    `select f.id from fhir_patient_facts f join patients p on p.id = f.patient_id
      where f.kind = '${column}' and f.entry = any(p."${column}")`,
    `select to_jsonb(t) - 'updatedAt' as row from patients t
       where id = (select patient_id from fhir_patient_facts where id = $1)`,
  ]),
  [
    'Coverage',
    `select id from patients where coalesce("insuranceProvider", "insurancePolicyNumber") is not null`,
    `select to_jsonb(t) - 'updatedAt' as row from patients t where id = $1`,
  ],
  [
    'ServiceRequest',
    'select id from lab_tests',
    `select to_jsonb(t) - 'updatedAt' as row from lab_tests t where id = $1`,
  ],
  [
    'DiagnosticReport',
    'select id from lab_tests',
    `select to_jsonb(t) - 'updatedAt' as row from lab_tests t where id = $1`,
  ],
  [
    'Observation',
    'select id from fhir_lab_result_entries',
    `select to_jsonb(t) - 'updatedAt' as row from lab_tests t
       where id = (select lab_test_id from fhir_lab_result_entries where id = $1)`,
    'lab result',
  ],
  [
    'Observation',
    `${VITALS} and v.kind <> 'bmi'`,
    `select to_jsonb(t) - 'updatedAt' as row from patients t
       where id = (select patient_id from fhir_vital_signs where id = $1)`,
    'blood type, height, weight',
  ],
  ['Observation', `${VITALS} and v.kind = 'bmi'`, undefined, 'BMI, read-only'],
];

describe('seeded rows through the clinical mappings', function () {
  this.timeout(600000);
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      SEED_DEMO: 'true',
      SEED_DEMO_PATIENTS: '12',
      HOSPITAL_TIME_ZONE: 'America/Chicago',
    });
  });
  after(() => server?.stop());

  for (const [type, rows, rowSql, label] of TYPES)
    it(`every seeded ${type}${label ? ` (${label})` : ''} has a version, reads, and is valid against its profile${rowSql ? '; a PUT of it leaves the row as it was' : ''}`, async () => {
      const { rows: ids } = await server.sql.query<{ id: string }>(rows);
      expect(ids.length, `seeded ${type} rows`).to.be.greaterThan(0);
      const { rows: heads } = await server.sql.query(
        'select count(*)::int as n from fhir_resources where resource_type = $1 and not deleted',
        [type],
      );
      // every source of the type together has exactly the type's live heads
      let all = 0;
      for (const [, sourceRows] of TYPES.filter(([t]) => t === type))
        all += (await server.sql.query(sourceRows)).rows.length;
      expect(heads[0].n).to.equal(all);
      for (const { id } of ids) {
        const outcome = await server.call('GET', `/${type}/${id}/$validate`);
        expect(outcome.status, outcome.text).to.equal(200);
        const errors = outcome.body.issue.filter((i: any) => i.severity === 'error' || i.severity === 'fatal');
        expect(errors, `${type}/${id}`).to.deep.equal([]);
        if (!rowSql) continue;
        const rowOf = async () => (await server.sql.query(rowSql, [id])).rows[0].row;
        const before = await rowOf();
        const { put } = await putBack(server, type, id);
        expect(put.status, `${type}/${id}: ${put.text}`).to.equal(200);
        expect(await rowOf(), `${type}/${id}`).to.deep.equal(before);
      }
    });
});
