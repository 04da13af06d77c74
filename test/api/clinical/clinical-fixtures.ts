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
