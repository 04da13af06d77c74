// Schedule from doctors (http://hl7.org/fhir/R4/schedule.html): one per practitioner, read and
// search, a new version when the availability changes and none when only the doctor's name does.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { people } from './clinical-fixtures.js';

describe('Schedule from doctors.availableSlots', function () {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ HOSPITAL_TIME_ZONE: 'America/New_York' });
  });
  after(() => server?.stop());

  it("each practitioner has a Schedule with the doctor's id; availability changes are versions, name changes are not", async () => {
    const who = await people(server);
    const first = await server.call('GET', `/Schedule/${who.doctor}`);
    expect(first.status, first.text).to.equal(200);
    expect(first.body).to.deep.include({ active: true, actor: [{ reference: `Practitioner/${who.doctor}` }] });
    expect(first.body.specialty).to.deep.equal([{ text: 'Cardiology' }]);
    await server.sql.query(`update doctors set "availableSlots" = $2 where id = $1`, [
      who.doctor,
      JSON.stringify({
        timeZone: 'America/New_York',
        slotMinutes: 30,
        slots: [{ id: 's1', day: 'mon', start: '09:00', end: '12:00', status: 'available' }],
      }),
    ]);
    const second = await server.call('GET', `/Schedule/${who.doctor}`);
    expect(second.body.meta.versionId).to.equal('2');
    expect(second.body.comment).to.equal('Open mon 09:00–12:00 (America/New_York)');
    expect(second.body.extension).to.deep.equal([
      { url: 'https://fhir-interop-server.dev/fhir/StructureDefinition/time-zone', valueCode: 'America/New_York' },
      { url: 'https://fhir-interop-server.dev/fhir/StructureDefinition/slot-minutes', valueInteger: 30 },
    ]);
    await server.sql.query(`update users set "lastName" = 'Renamed' where id = $1`, [who.doctorUser]);
    expect((await server.call('GET', `/Schedule/${who.doctor}`)).body.meta.versionId).to.equal('2');
  });

  it('search by actor, active and specialty', async () => {
    const who = await people(server);
    const found = async (query: string) => {
      const reply = await server.call('GET', `/Schedule?${query}`);
      expect(reply.status, reply.text).to.equal(200);
      return (reply.body.entry ?? []).map((e: any) => e.resource.id);
    };
    expect(await found(`actor=Practitioner/${who.doctor}`)).to.deep.equal([who.doctor]);
    expect(await found(`actor=${who.doctor}&active=true&specialty=cardiology`)).to.deep.equal([who.doctor]);
    expect(await found(`actor=${who.doctor}&active=false`)).to.deep.equal([]);
  });

  it('is read-only: POST answers 405', async () => {
    expect((await server.call('POST', '/Schedule', { body: { resourceType: 'Schedule' } })).status).to.equal(405);
  });
});
