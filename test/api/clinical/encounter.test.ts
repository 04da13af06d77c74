// Encounter from appointments that took place (http://hl7.org/fhir/R4/encounter.html): read,
// search and versions; it appears when the visit happens and goes when the row says it did not.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { insertRow, people, type People } from './clinical-fixtures.js';

describe('Encounter from appointments that took place', function () {
  let server: TestServer;
  let who: People;
  before(async () => {
    server = await startTestServer({ HOSPITAL_TIME_ZONE: 'Europe/Berlin' });
    who = await people(server);
  });
  after(() => server?.stop());

  const visit = (values: Record<string, unknown> = {}) =>
    insertRow(server, 'appointments', {
      patientId: who.patient,
      doctorId: who.doctor,
      appointmentDate: '2026-06-15T00:00:00',
      appointmentTime: '14:00',
      duration: 30,
      status: 'completed',
      reason: 'Back pain',
      diagnosis: 'Lumbago',
      treatment: 'Physiotherapy',
      ...values,
    });

  it('a completed appointment is a finished Encounter linked to it, with period, class and diagnosis', async () => {
    const id = await visit({ isVirtual: true });
    const read = await server.call('GET', `/Encounter/${id}`);
    expect(read.status, read.text).to.equal(200);
    expect(read.body).to.deep.include({
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' },
      subject: { reference: `Patient/${who.patient}` },
      appointment: [{ reference: `Appointment/${id}` }],
      period: { start: '2026-06-15T14:00:00+02:00', end: '2026-06-15T14:30:00+02:00' },
      reasonCode: [{ text: 'Back pain' }],
      diagnosis: [{ condition: { display: 'Lumbago' } }],
    });
    expect(read.body.participant[0].individual).to.deep.equal({ reference: `Practitioner/${who.doctor}` });
    expect(read.body.extension[0].valueString).to.equal('Physiotherapy');
    const validated = await server.call('GET', `/Encounter/${id}/$validate`);
    expect(validated.body.issue.filter((i: any) => i.severity === 'error')).to.deep.equal([]);
  });

  it('a booked appointment has no Encounter; once completed it has one; cancelled afterwards it is deleted (410)', async () => {
    const id = await visit({ status: 'scheduled', diagnosis: null, treatment: null });
    expect((await server.call('GET', `/Encounter/${id}`)).status).to.equal(404);
    await server.sql.query(`update appointments set status = 'completed' where id = $1`, [id]);
    expect((await server.call('GET', `/Encounter/${id}`)).body.status).to.equal('finished');
    await server.sql.query(`update appointments set status = 'cancelled' where id = $1`, [id]);
    expect((await server.call('GET', `/Encounter/${id}`)).status).to.equal(410);
  });

  it('status: in_progress → in-progress, arrived and checked_in → arrived', async () => {
    for (const [column, code] of [
      ['in_progress', 'in-progress'],
      ['arrived', 'arrived'],
      ['checked_in', 'arrived'],
    ]) {
      const id = await visit({ status: column, appointmentTime: '08:00', doctorId: null });
      expect((await server.call('GET', `/Encounter/${id}`)).body.status).to.equal(code);
    }
  });

  it('search by patient, date, status, practitioner and appointment', async () => {
    const mine = await people(server);
    const a = await insertRow(server, 'appointments', {
      patientId: mine.patient,
      doctorId: mine.doctor,
      appointmentDate: '2026-07-01T00:00:00',
      appointmentTime: '09:00',
      status: 'completed',
    });
    const b = await insertRow(server, 'appointments', {
      patientId: mine.patient,
      appointmentDate: '2026-07-02T00:00:00',
      appointmentTime: '09:00',
      status: 'in_progress',
    });
    await insertRow(server, 'appointments', {
      patientId: mine.patient,
      appointmentDate: '2026-07-03T00:00:00',
      appointmentTime: '09:00',
      status: 'scheduled',
    });
    const found = async (query: string) => {
      const reply = await server.call('GET', `/Encounter?${query}`);
      expect(reply.status, reply.text).to.equal(200);
      return (reply.body.entry ?? []).map((e: any) => e.resource.id).sort();
    };
    const p = `patient=${mine.patient}`;
    expect(await found(p)).to.deep.equal([a, b].sort());
    expect(await found(`${p}&status=finished`)).to.deep.equal([a]);
    expect(await found(`${p}&status=in-progress`)).to.deep.equal([b]);
    expect(await found(`${p}&date=2026-07-02`)).to.deep.equal([b]);
    expect(await found(`${p}&date=lt2026-07-01T09:00:00%2B02:00`)).to.deep.equal([]);
    expect(await found(`${p}&date=le2026-07-01T09:00:00%2B02:00`)).to.deep.equal([a]);
    expect(await found(`practitioner=Practitioner/${mine.doctor}`)).to.deep.equal([a]);
    expect(await found(`appointment=Appointment/${b}`)).to.deep.equal([b]);
  });

  it('is read-only: PUT answers 405', async () => {
    const id = await visit();
    const read = await server.call('GET', `/Encounter/${id}`);
    expect((await server.call('PUT', `/Encounter/${id}`, { body: read.body })).status).to.equal(405);
  });
});
