// Nothing lost (D4): generated Patients and Practitioners, written and read back, equal what was
// sent apart from id, meta and the normalisations the profiles document (server-assigned
// identifiers, the type coding of a column's identifier, `active`, the official name's `use`).
import { expect } from 'chai';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../../support/server.js';

const SPECIALIZATION = 'https://fhir-interop-server.dev/fhir/StructureDefinition/practitioner-specialization';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
/** Identifiers a column holds, by system: the v2-0203 type the server renders them with. */
const COLUMN_TYPES: Record<string, string> = {
  'https://fhir-interop-server.dev/fhir/sid/mrn': 'MR',
  'https://fhir-interop-server.dev/fhir/sid/doctor-id': 'EI',
};
const word = fc.stringMatching(/^[A-Z][a-z]{1,11}$/);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const date = fc
  .date({ min: new Date('1920-01-01'), max: new Date('2020-12-31'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const partialDate = fc.oneof(
  date,
  date.map((d) => d.slice(0, 7)),
  date.map((d) => d.slice(0, 4)),
);
let unique = 0;
const email = fc.constant('placeholder@example.org');
/** A JSON copy (no undefined keys) whose email is new, since emails are unique and shrinking replays values. */
function fresh<T>(resource: T): T {
  const copy = JSON.parse(JSON.stringify(resource)) as { telecom?: { system: string; value: string }[] };
  for (const t of copy.telecom ?? [])
    if (t.system === 'email') t.value = `gen.${process.pid}.${++unique}.${Date.now()}@example.org`;
  return copy as T;
}

const name = fc.record(
  {
    family: word,
    given: fc.array(word, { minLength: 1, maxLength: 3 }),
    prefix: optional(fc.array(word, { minLength: 1, maxLength: 1 })),
  },
  { requiredKeys: ['family', 'given'] },
);
const otherName = fc.record({
  use: fc.constantFrom('nickname', 'maiden', 'usual'),
  given: fc.array(word, { minLength: 1, maxLength: 2 }),
});
const phone = fc.stringMatching(/^\+1 [0-9]{3} [0-9]{3} [0-9]{4}$/);
const telecom = fc
  .tuple(email, optional(phone), optional(fc.constantFrom('home', 'work', 'mobile')), fc.boolean())
  .map(([e, p, use, phoneFirst]) => {
    const items: Record<string, unknown>[] = [{ system: 'email', value: e }];
    if (p) items[phoneFirst ? 'unshift' : 'push']({ system: 'phone', value: p, ...(use ? { use } : {}) });
    return items;
  });
const address = fc.record(
  {
    use: fc.constant('home'),
    line: fc.array(
      word.map((w) => `${w} Street`),
      { minLength: 1, maxLength: 2 },
    ),
    city: word,
    state: word,
    postalCode: fc.stringMatching(/^[0-9]{5}$/),
    country: word,
  },
  { requiredKeys: ['line'] },
);
/** A column's identifier, sent without type, with the column's, with more, or with another one. */
const columnIdentifier = (system: string) =>
  fc.record(
    {
      system: fc.constant(system),
      value: fc.stringMatching(/^[A-Z][0-9]{7}$/),
      type: fc.constantFrom(
        { coding: [{ system: V2_0203, code: COLUMN_TYPES[system]! }] },
        { coding: [{ system: V2_0203, code: COLUMN_TYPES[system]! }], text: 'Local number' },
        { coding: [{ system: V2_0203, code: 'PI' }] },
        { coding: [{ system: 'http://example.org/fhir/CodeSystem/id-type', code: 'LOCAL' }], text: 'Local' },
        { text: 'Local number' },
      ),
    },
    { requiredKeys: ['system', 'value'] },
  );
const extension = fc.array(
  fc.record({ url: word.map((w) => `http://example.org/fhir/StructureDefinition/${w}`), valueString: word }),
  { minLength: 1, maxLength: 2 },
);

const patient = fc
  .record(
    {
      name: fc.tuple(name, optional(otherName)).map(([n, o]) => [{ use: 'official', ...n }, ...(o ? [o] : [])]),
      telecom,
      gender: fc.constantFrom('male', 'female', 'other', 'unknown'),
      birthDate: partialDate,
      address: fc.array(address, { minLength: 1, maxLength: 1 }),
      maritalStatus: fc
        .constantFrom('M', 'S', 'D', 'W')
        .map((code) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code }] })),
      contact: fc.array(
        fc.record({
          relationship: fc.constant([{ text: 'spouse' }]),
          name: word.map((w) => ({ text: `${w} Contact` })),
          telecom: phone.map((p) => [{ system: 'phone', value: p }]),
        }),
        { minLength: 1, maxLength: 1 },
      ),
      extension,
      communication: fc.array(
        fc.record({
          language: fc
            .constantFrom('en', 'es', 'fr')
            .map((code) => ({ coding: [{ system: 'urn:ietf:bcp:47', code }] })),
        }),
        { minLength: 1, maxLength: 2 },
      ),
      identifier: fc
        .tuple(
          fc.record({
            system: fc.constant('http://hospital.example.org/other-id'),
            value: fc.stringMatching(/^[A-Z0-9]{6}$/),
          }),
          optional(columnIdentifier('https://fhir-interop-server.dev/fhir/sid/mrn')),
          fc.boolean(),
        )
        .map(([other, mrn, mrnFirst]) => (mrn ? (mrnFirst ? [mrn, other] : [other, mrn]) : [other])),
    },
    { requiredKeys: ['name', 'telecom'] },
  )
  .map((p) => ({ resourceType: 'Patient', ...p }));

const practitioner = fc
  .record(
    {
      name: name.map((n) => [{ use: 'official', ...n }]),
      telecom,
      gender: fc.constantFrom('male', 'female'),
      birthDate: date,
      qualification: fc.array(
        fc.constantFrom('MD', 'PhD', 'MPH').map((text) => ({
          code: {
            coding: [{ system: 'https://fhir-interop-server.dev/fhir/CodeSystem/qualification-kind', code: 'degree' }],
            text,
          },
        })),
        { minLength: 1, maxLength: 2 },
      ),
      specialization: fc.constantFrom('Cardiology', 'Neurology', 'Pediatrics'),
      identifier: fc.array(columnIdentifier('https://fhir-interop-server.dev/fhir/sid/doctor-id'), {
        minLength: 1,
        maxLength: 1,
      }),
      communication: fc.array(
        fc.constantFrom('en', 'de').map((code) => ({ coding: [{ system: 'urn:ietf:bcp:47', code }] })),
        { minLength: 1, maxLength: 1 },
      ),
    },
    { requiredKeys: ['name', 'telecom', 'specialization'] },
  )
  .map(({ specialization, ...p }) => ({
    resourceType: 'Practitioner',
    extension: [{ url: SPECIALIZATION, valueCodeableConcept: { text: specialization } }],
    ...p,
    qualification: p.qualification?.filter((q, i, all) => all.findIndex((o) => o.code.text === q.code.text) === i),
  }));

/** A column's identifier less the type coding the server adds when the client's type lacks it. */
function withoutServerType(identifier: Record<string, any>, sent: Record<string, any>) {
  const code = COLUMN_TYPES[identifier.system];
  if (!code) return identifier;
  const isServers = (c: any) => c.system === V2_0203 && c.code === code;
  const sentType = sent.identifier?.find((i: any) => i.system === identifier.system)?.type;
  if (sentType?.coding?.some(isServers)) return identifier;
  const { type = {}, ...rest } = identifier;
  const { coding = [], ...typeRest } = type;
  const others = coding.filter((c: any) => !isServers(c));
  const left = others.length ? { ...typeRest, coding: others } : typeRest;
  return Object.keys(left).length ? { ...rest, type: left } : rest;
}

/** The read-back resource less what the server adds and the profiles document. */
function normalise(resource: Record<string, any>, sent: Record<string, any>) {
  const { id: _id, meta: _meta, ...body } = resource;
  if (!('active' in sent)) delete body.active;
  const serverSystems = /\/sid\/(patient-number|practitioner-number)$/;
  if (Array.isArray(body.identifier)) {
    body.identifier = body.identifier
      .filter((i: any) => !serverSystems.test(i.system))
      .map((i: any) => withoutServerType(i, sent));
    if (body.identifier.length === 0) delete body.identifier;
  }
  return body;
}

describe('REST › round trip of generated resources (D4)', function () {
  let server: TestServer;
  let call: TestServer['call'];
  before(async () => {
    server = await startTestServer();
    call = server.call;
  });
  after(() => server?.stop());

  for (const [label, arbitrary] of [
    ['Patient', patient],
    ['Practitioner', practitioner],
  ] as const)
    it(`a generated ${label}, created, read and updated, comes back as it was sent`, async () => {
      await fc.assert(
        fc.asyncProperty(arbitrary, arbitrary, async (firstGenerated, secondGenerated) => {
          const first = fresh(firstGenerated) as Record<string, any>;
          const second = fresh(secondGenerated) as Record<string, any>;
          const created = await call('POST', `/${label}`, { body: first });
          expect(created.status, created.text).to.equal(201);
          const read = await call('GET', `/${label}/${created.body.id}`);
          expect(normalise(read.body, first)).to.deep.equal(first);
          const replacement = { ...second, id: created.body.id };
          const updated = await call('PUT', `/${label}/${created.body.id}`, { body: replacement });
          expect(updated.status, updated.text).to.equal(200);
          const again = await call('GET', `/${label}/${created.body.id}`);
          expect(normalise(again.body, second)).to.deep.equal(second);
        }),
        { numRuns: 25, seed: 20261201 },
      );
    });
});
