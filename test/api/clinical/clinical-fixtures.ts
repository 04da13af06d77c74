// Rows and resources the clinical tests share: a patient and a doctor made through FHIR, and
// rows written straight to the tables as another application of the hospital would.
import { newPatient, newPractitioner } from '../../support/fhir-client.js';
import type { TestServer } from '../../support/server.js';

export interface People {
  patient: string;
  doctor: string;
  /** users.id of each. */
  patientUser: string;
  doctorUser: string;
}

export async function people(server: TestServer): Promise<People> {
  const patient = await server.call('POST', '/Patient', { body: newPatient() });
  const doctor = await server.call('POST', '/Practitioner', { body: newPractitioner() });
  if (patient.status !== 201 || doctor.status !== 201) throw new Error(`setup failed: ${patient.text} ${doctor.text}`);
  const { rows } = await server.sql.query(
    `select (select "userId" from patients where id = $1) as p, (select "userId" from doctors where id = $2) as d`,
    [patient.body.id, doctor.body.id],
  );
  return { patient: patient.body.id, doctor: doctor.body.id, patientUser: rows[0].p, doctorUser: rows[0].d };
}

/** A row of the table as the tests compare it: every column but updatedAt, as JSON. */
export async function rowOf(server: TestServer, table: string, id: string): Promise<Record<string, unknown>> {
  const { rows } = await server.sql.query(`select to_jsonb(t) - 'updatedAt' as row from "${table}" t where t.id = $1`, [
    id,
  ]);
  return rows[0]?.row;
}

export async function insertRow(server: TestServer, table: string, values: Record<string, unknown>): Promise<string> {
  const columns = Object.keys(values);
  const { rows } = await server.sql.query(
    `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')})
     values (${columns.map((_, i) => `$${i + 1}`).join(', ')}) returning id`,
    columns.map((c) => {
      const v = values[c];
      return v !== null && typeof v === 'object' && !Array.isArray(v)
        ? JSON.stringify(v)
        : Array.isArray(v) && typeof v[0] === 'object'
          ? JSON.stringify(v)
          : v;
    }),
  );
  return rows[0].id;
}

/** A read resource put back unchanged: the row must not change (D4). */
export async function putBack(server: TestServer, type: string, id: string) {
  const read = await server.call('GET', `/${type}/${id}`);
  if (read.status !== 200) throw new Error(`read ${type}/${id}: ${read.status} ${read.text}`);
  const put = await server.call('PUT', `/${type}/${id}`, { body: read.body });
  return { read, put };
}

const EXT = 'https://fhir-interop-server.dev/fhir/StructureDefinition';
let medicationSerial = 0;

/** A valid Medication of the catalogue; every call gets a new code and lot. */
export function newMedication(system: string, overrides: Record<string, unknown> = {}) {
  const code = `MEDT-${process.pid}-${++medicationSerial}`;
  return {
    resourceType: 'Medication',
    extension: [
      { url: `${EXT}/purchase-price`, valueMoney: { value: 3.6, currency: 'USD' } },
      { url: `${EXT}/selling-price`, valueMoney: { value: 6.05, currency: 'USD' } },
      { url: `${EXT}/stock`, valueInteger: 120 },
      { url: `${EXT}/reorder-level`, valueInteger: 50 },
      { url: `${EXT}/side-effect`, valueString: 'Nausea' },
      { url: `${EXT}/side-effect`, valueString: 'Headache' },
    ],
    identifier: [{ system, value: code }],
    code: { coding: [{ system, code, display: 'Amoxil' }], text: 'Amoxil' },
    status: 'active',
    manufacturer: { display: 'Acme Pharma' },
    form: { text: 'Capsule' },
    ingredient: [
      {
        itemCodeableConcept: { text: 'Amoxicillin' },
        isActive: true,
        strength: {
          extension: [{ url: `${EXT}/strength-text`, valueString: '500mg' }],
          numerator: { value: 500, unit: 'mg' },
          denominator: { value: 1 },
        },
      },
    ],
    batch: { lotNumber: `LOT-${medicationSerial}`, expirationDate: '2027-06-30T00:00:00Z' },
    ...overrides,
  };
}
