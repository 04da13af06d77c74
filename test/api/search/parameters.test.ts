// search › every parameter type, modifier, prefix, chain and sort over a fixed dataset
// (http://hl7.org/fhir/R4/search.html): each row a search and the exact resources it finds.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { CHLOE_SSN, createDataset, MRN, type Dataset } from './dataset.js';

const PATIENTS = ['Ana', 'Bob', 'Chloé', 'Dan', 'Eve'];
const GENDER = 'http://hl7.org/fhir/administrative-gender';
const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/** [query, labels expected; `ordered` when the order is part of the answer] */
const ROWS: [string, string[], 'ordered'?][] = [
  // string: starts-with, case- and accent-insensitive; :exact; :contains
  ['Patient?family=muller', ['Ana']],
  ['Patient?family=MÜL', ['Ana']],
  ['Patient?family=mu', ['Ana', 'Bob']],
  ['Patient?family:exact=Müller', ['Ana']],
  ['Patient?family:exact=müller', []],
  ['Patient?family:contains=ITH', ['Chloé', 'Dan']],
  ['Patient?given=chloe', ['Chloé']],
  ['Patient?name=smith', ['Chloé', 'Dan']],
  ['Patient?name=smith,bob', ['Bob', 'Chloé', 'Dan']],
  ['Patient?name=smith&given=dan', ['Dan']],
  ["Patient?name=o'brien", ['Eve']],
  ['Patient?family=%25', []],
  ['Patient?family=_', []],
  ["Patient?name=x');drop table users;--", []],
  ['Patient?address-city=ber', ['Ana']],
  ['Patient?address=paris', ['Chloé']],
  ['Patient?address=1 linden', ['Ana']],
  ['Patient?address=linden', []],
  ['Patient?address-country=DE', ['Ana']],
  ['Patient?address-postalcode=101', ['Ana']],
  ['Patient?address-state=be', ['Ana']],
  ['Patient?address-city:missing=true', ['Dan', 'Eve']],
  // token: code, system|code, |code, system|, :not, :missing, booleans, telecom
  ['Patient?gender=female', ['Ana', 'Chloé', 'Eve']],
  ['Patient?gender:not=female', ['Bob', 'Dan']],
  ['Patient?gender:not=female,male', ['Dan']],
  [`Patient?gender=${GENDER}|male`, ['Bob']],
  ['Patient?gender=http://example.org/other|male', []],
  ['Patient?gender=|male', []],
  [`Patient?gender=${GENDER}|`, PATIENTS],
  ['Patient?gender:missing=true', []],
  ['Patient?gender:missing=false', PATIENTS],
  ['Patient?identifier=MRN-1', ['Ana']],
  [`Patient?identifier=${MRN}|MRN-1`, ['Ana']],
  [`Patient?identifier=${MRN}|`, ['Ana']],
  ['Patient?identifier=|MRN-1', []],
  // identifier :of-type system|code|value: the v2-0203 type of the column, the SSN by its keyed hash
  [`Patient?identifier:of-type=${V2}|MR|MRN-1`, ['Ana']],
  [`Patient?identifier:of-type=${V2}|PI|MRN-1`, []],
  [`Patient?identifier:of-type=http://example.org/types|MR|MRN-1`, []],
  [`Patient?identifier:of-type=${V2}|MR|MRN-2`, []],
  [`Patient?identifier:of-type=${V2}|SS|${CHLOE_SSN}`, ['Chloé']],
  [`Patient?identifier:of-type=${V2}|MR|${CHLOE_SSN}`, []],
  [`Patient?identifier:of-type=${V2}|SS|000-00-0000`, []],
  [`Patient?identifier:of-type=${V2}|MR|MRN-1,${V2}|SS|${CHLOE_SSN}`, ['Ana', 'Chloé']],
  [`Patient?identifier:of-type=${V2}|MR|MRN-1&gender=male`, []],
  [`Patient?identifier:not=${MRN}|MRN-1`, ['Bob', 'Chloé', 'Dan', 'Eve']],
  ['Patient?email=ANA@example.org', ['Ana']],
  ['Patient?email=email|dan@example.org', ['Dan']],
  ['Patient?telecom=phone|555-0101', ['Ana']],
  ['Patient?telecom=555-0199', ['Dan']],
  ['Patient?telecom=email|555-0199', []],
  ['Patient?phone=555-0199', ['Dan']],
  ['Patient?phone:missing=true', ['Bob', 'Chloé', 'Eve']],
  ['Patient?active=false', ['Bob']],
  ['Patient?active=true', ['Ana', 'Chloé', 'Dan', 'Eve']],
  ['Patient?active:not=true', ['Bob']],
  // date: every prefix, partial dates, time zones
  ['Patient?birthdate=1980', ['Ana', 'Bob']],
  ['Patient?birthdate=1980-05', ['Ana']],
  ['Patient?birthdate=1980-05-17', ['Ana']],
  ['Patient?birthdate=eq1980-05-17', ['Ana']],
  ['Patient?birthdate=ne1980', ['Chloé', 'Dan']],
  ['Patient?birthdate=gt1980-05-17', ['Bob', 'Dan']],
  ['Patient?birthdate=ge1980-06', ['Bob', 'Dan']],
  ['Patient?birthdate=lt1980', ['Chloé']],
  ['Patient?birthdate=le1980-05-17', ['Ana', 'Chloé']],
  ['Patient?birthdate=sa1980', ['Dan']],
  ['Patient?birthdate=eb1980', ['Chloé']],
  ['Patient?birthdate=ap1980-06', ['Ana', 'Bob']],
  ['Patient?birthdate=ge1980&birthdate=lt1981', ['Ana', 'Bob']],
  ['Patient?birthdate=1975,2001', ['Chloé', 'Dan']],
  ['Patient?birthdate=ge1980-05-17T23:30:00-02:00', ['Bob', 'Dan']],
  ['Patient?birthdate=lt1980-05-17T23:30:00%2B02:00', ['Ana', 'Chloé']],
  ['Patient?birthdate:missing=true', ['Eve']],
  ['Patient?_lastUpdated=gt2000', PATIENTS],
  ['Patient?_lastUpdated=lt2000-01-01T00:00:00Z', []],
  // _id, sorting
  ['Patient?_id={Ana},{Bob}', ['Ana', 'Bob']],
  ['Patient?_id=not-a-uuid', []],
  ['Patient?family=smith&_sort=-birthdate', ['Dan', 'Chloé'], 'ordered'],
  ['Patient?_sort=birthdate', ['Chloé', 'Ana', 'Bob', 'Dan', 'Eve'], 'ordered'],
  ['Patient?_sort=gender,-birthdate', ['Ana', 'Chloé', 'Eve', 'Bob', 'Dan'], 'ordered'],
  // reference: Type/id, bare id, absolute URL on our base, :Type, chains, :identifier; _has
  ['PractitionerRole?practitioner=Practitioner/{Hana}', ['Hana']],
  ['PractitionerRole?practitioner={Hana}', ['Hana']],
  ['PractitionerRole?practitioner={base}/Practitioner/{Hana}', ['Hana']],
  ['PractitionerRole?practitioner=http://elsewhere.example.org/fhir/Practitioner/{Hana}', []],
  ['PractitionerRole?practitioner:Practitioner={Ian}', ['Ian']],
  ['PractitionerRole?practitioner=Patient/{Hana}', []],
  ['PractitionerRole?practitioner.name=hana', ['Hana']],
  ['PractitionerRole?practitioner:Practitioner.family=bone', ['Ian']],
  ['PractitionerRole?practitioner.gender=male', ['Ian']],
  ['PractitionerRole?practitioner:missing=false', ['Hana', 'Ian']],
  ['PractitionerRole?specialty=cardiology', ['Hana']],
  ['PractitionerRole?specialty:text=ortho', ['Ian']],
  ['Practitioner?_has:PractitionerRole:practitioner:specialty=cardiology', ['Hana']],
  ['Practitioner?name=ian&gender=male', ['Ian']],
  ['Practitioner?family=heart', ['Hana']],
  [`Practitioner?identifier:of-type=${V2}|MD|LIC-1`, ['Hana']],
  [`Practitioner?identifier:of-type=${V2}|MD|LIC-2`, ['Ian']],
  [`Practitioner?identifier:of-type=${V2}|EI|LIC-1`, []],
  [`Practitioner?identifier=LIC-2`, ['Ian']],
];

describe('search › parameters over a fixed dataset (search.html)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let data: Dataset;

  before(async () => {
    server = await startTestServer({ DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    data = await createDataset(server);
  });
  after(() => server?.stop());

  const fill = (query: string) =>
    query.replace(/\{(\w+)\}/g, (_, name: string) =>
      name === 'base' ? `${server.config.fhirBaseUrl}` : (data.ids[name] ?? name),
    );

  for (const [query, expected, ordered] of ROWS)
    it(`${query} finds ${expected.length ? expected.join(', ') : 'nothing'}`, async () => {
      const [path, search] = fill(query).split('?') as [string, string];
      const encoded = search
        .split('&')
        .map((pair) => {
          const [k, ...v] = pair.split('=');
          return `${encodeURIComponent(k!)}=${encodeURIComponent(decodeURIComponent(v.join('=')))}`;
        })
        .join('&');
      const res = await server.call('GET', `/${path}?${encoded}&_count=50`, {
        headers: { prefer: 'handling=strict' },
      });
      expect(res.status, res.text).to.equal(200);
      const found = (res.body.entry ?? [])
        .filter((e: any) => e.search.mode === 'match')
        .map((e: any) => data.label(e.resource.id));
      if (ordered) expect(found).to.deep.equal(expected);
      else expect([...found].sort()).to.deep.equal([...expected].sort());
      expect(res.body.total).to.equal(expected.length);
    });

  for (const value of ['MR|MRN-1', 'MRN-1', `${V2}||MRN-1`, `${V2}|MR|`, `|MR|MRN-1`])
    it(`identifier:of-type=${value} is refused with 400 and an OperationOutcome`, async () => {
      for (const handling of ['strict', 'lenient']) {
        const res = await server.call('GET', `/Patient?identifier:of-type=${encodeURIComponent(value)}`, {
          headers: { prefer: `handling=${handling}` },
        });
        expect(res.status, res.text).to.equal(400);
        expect(res.body.resourceType).to.equal('OperationOutcome');
        expect(res.body.issue[0].diagnostics).to.contain('of-type');
      }
    });
});
