// Slot (http://hl7.org/fhir/R4/slot.html): computed from doctors.availableSlots minus the doctor's
// occupying appointments. A scheduling app finds a free slot and books it with a POST Appointment;
// the slot is then busy, and free again once the appointment is cancelled.
import { expect } from 'chai';
import { SLOT_OCCUPYING } from '../../../src/db/migrations/Migration20261202000420ClinicalSlots.js';
import { OCCUPYING } from '../../../mappings/appointment.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { people, type People } from './clinical-fixtures.js';

const ZONE = 'America/New_York';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The local calendar date `days` from today in the zone, and its weekday code. */
function localDay(days: number): { date: string; day: string } {
  const at = new Date(Date.now() + days * 86400000);
  const date = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(at);
  return { date, day: DAYS[new Date(`${date}T12:00:00Z`).getUTCDay()]! };
}

/** The instant of a local wall time in the zone (the test's own arithmetic, through Intl). */
function instant(date: string, time: string): string {
  const guess = new Date(`${date}T${time}:00Z`);
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: ZONE,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(guess);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const shown = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return new Date(guess.getTime() - (shown - guess.getTime())).toISOString();
}

async function slotsOf(server: TestServer, doctor: string, query = '') {
  const reply = await server.call('GET', `/Slot?schedule=Schedule/${doctor}&_sort=start&_count=200${query}`);
  expect(reply.status, reply.text).to.equal(200);
  return (reply.body.entry ?? []).map((e: { resource: any }) => e.resource);
}

describe('Slot, computed from availability minus booked appointments', function () {
  let server: TestServer;
  let who: People;
  const inThree = localDay(3);
  const inFour = localDay(4);

  before(async () => {
    server = await startTestServer({ HOSPITAL_TIME_ZONE: ZONE });
    who = await people(server);
    // the hospital's application writes the availability
    await server.sql.query(`update doctors set "availableSlots" = $2 where id = $1`, [
      who.doctor,
      JSON.stringify({
        timeZone: ZONE,
        slotMinutes: 30,
        slots: [
          { id: 'a', day: inThree.day, start: '09:00', end: '11:00', status: 'available' },
          { id: 'b', date: inFour.date, start: '14:00', end: '15:00', status: 'available' },
          { id: 'c', date: inThree.date, start: '10:00', end: '10:30', status: 'unavailable' },
        ],
      }),
    ]);
  });
  after(() => server?.stop());

  it('the occupying statuses are the double-booking rule’s', () => {
    expect(SLOT_OCCUPYING).to.have.members(OCCUPYING);
  });

  it('cuts weekly and dated windows into slotMinutes pieces in the doctor’s zone, minus unavailable times', async () => {
    const slots = await slotsOf(server, who.doctor, `&start=ge${inThree.date}&start=lt${localDay(5).date}`);
    const starts = slots.map((s: any) => s.start);
    for (const time of ['09:00', '09:30', '10:30']) expect(starts).to.include(instant(inThree.date, time));
    expect(starts, '10:00 is unavailable that day').not.to.include(instant(inThree.date, '10:00'));
    for (const time of ['14:00', '14:30']) expect(starts).to.include(instant(inFour.date, time));
    const first = slots.find((s: any) => s.start === instant(inThree.date, '09:00'));
    expect(first).to.deep.include({
      resourceType: 'Slot',
      schedule: { reference: `Schedule/${who.doctor}` },
      status: 'free',
      end: instant(inThree.date, '09:30'),
    });
    expect(first.meta.profile).to.deep.equal(['https://fhir-interop-server.dev/fhir/StructureDefinition/slot']);
  });

  it('a free slot is booked with a POST Appointment: it turns busy, and free again when cancelled', async () => {
    const [free] = await slotsOf(server, who.doctor, `&status=free&start=ge${instant(inThree.date, '09:30')}`);
    expect(free.start).to.equal(instant(inThree.date, '09:30'));
    const booked = await server.call('POST', '/Appointment', {
      body: {
        resourceType: 'Appointment',
        status: 'booked',
        start: free.start,
        end: free.end,
        minutesDuration: 30,
        slot: [{ reference: `Slot/${free.id}` }],
        participant: [
          { actor: { reference: `Patient/${who.patient}` }, status: 'accepted' },
          { actor: { reference: `Practitioner/${who.doctor}` }, status: 'accepted' },
        ],
      },
    });
    expect(booked.status, booked.text).to.equal(201);
    expect(booked.body.slot).to.deep.equal([{ reference: `Slot/${free.id}` }]);

    const read = await server.call('GET', `/Slot/${free.id}`);
    expect(read.status, read.text).to.equal(200);
    expect(read.body).to.include({ id: free.id, status: 'busy', start: free.start });
    const busy = await slotsOf(server, who.doctor, '&status=busy');
    expect(busy.map((s: any) => s.id)).to.deep.equal([free.id]);

    const again = await server.call('POST', '/Appointment', {
      body: { ...booked.body, id: undefined, meta: undefined, slot: undefined },
    });
    expect(again.status, 'the busy slot cannot be booked twice').to.equal(409);

    const cancelled = await server.call('PUT', `/Appointment/${booked.body.id}`, {
      body: { ...booked.body, status: 'cancelled' },
    });
    expect(cancelled.status, cancelled.text).to.equal(200);
    expect((await server.call('GET', `/Slot/${free.id}`)).body.status).to.equal('free');
  });

  it('searches by schedule chain, status and start; a slot reads by its id', async () => {
    const byActor = await server.call('GET', `/Slot?schedule.actor=Practitioner/${who.doctor}&_count=1`);
    expect(byActor.status, byActor.text).to.equal(200);
    expect(byActor.body.entry).to.have.length(1);
    const none = await server.call('GET', `/Slot?schedule=${who.doctor}&status=busy`);
    expect(none.body.entry ?? []).to.deep.equal([]);
    const [slot] = await slotsOf(server, who.doctor);
    const read = await server.call('GET', `/Slot/${slot.id}`);
    expect(read.body).to.deep.include({ start: slot.start, end: slot.end, status: slot.status });
  });

  it('ids that are no slot are 404, bad search values 400, and writes 405; nothing breaks', async () => {
    expect((await server.call('GET', `/Slot/${who.doctor}`)).status).to.equal(404);
    expect((await server.call('GET', '/Slot/00000000-0000-0000-0000-000000000000')).status).to.equal(404);
    expect((await server.call('GET', '/Slot/not-a-slot')).status).to.equal(404);
    const badDate = await server.call('GET', '/Slot?start=tomorrow', { headers: { prefer: 'handling=strict' } });
    expect(badDate.status).to.equal(400);
    expect(badDate.body.resourceType).to.equal('OperationOutcome');
    const post = await server.call('POST', '/Slot', {
      body: { resourceType: 'Slot', schedule: { reference: `Schedule/${who.doctor}` }, status: 'free' },
    });
    expect(post.status).to.equal(405);
  });

  it('a bad availability (unknown zone, odd times) gives fewer slots, not errors', async () => {
    const other = await people(server);
    await server.sql.query(`update doctors set "availableSlots" = $2 where id = $1`, [
      other.doctor,
      JSON.stringify({
        timeZone: 'Mars/Olympus',
        slotMinutes: 'many',
        slots: [
          { id: 'x', day: inThree.day, start: '9 am', end: '11:00', status: 'available' },
          { id: 'y', date: inThree.date, start: '08:00', end: '09:00', status: 'available' },
        ],
      }),
    ]);
    const slots = await slotsOf(server, other.doctor);
    // the hospital's zone and 30 minutes stand in for what cannot be read
    expect(slots.map((s: any) => s.start)).to.deep.equal([
      instant(inThree.date, '08:00'),
      instant(inThree.date, '08:30'),
    ]);
  });
});
