// search › results: bundles, paging under concurrent writes, includes, totals, summaries,
// compartments, strict and lenient handling, and bad input (search.html, http.html#paging).
import { expect } from 'chai';
import { newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createDataset, type Dataset } from './dataset.js';

const matches = (body: any) => (body.entry ?? []).filter((e: any) => e.search.mode === 'match');
const includes = (body: any) => (body.entry ?? []).filter((e: any) => e.search.mode === 'include');
const link = (body: any, relation: string) => body.link.find((l: any) => l.relation === relation)?.url as string;

describe('search › results, paging, includes and handling (search.html)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let call: TestServer['call'];
  let data: Dataset;
  const relative = (url: string) => url.slice(server.config.fhirBaseUrl.length);

  before(async () => {
    server = await startTestServer();
    call = server.call;
    data = await createDataset(server);
  });
  after(() => server?.stop());

  it('pages with keyset cursors while rows are inserted: every match once (http.html#paging)', async () => {
    const made: string[] = [];
    for (let i = 0; i < 23; i++)
      made.push(
        (await call('POST', '/Patient', { body: newPatient({ name: [{ family: 'Pager', given: [`P${i}`] }] }) })).body
          .id,
      );
    const seen: string[] = [];
    let url: string | undefined = '/Patient?family=pager&_count=5';
    let pages = 0;
    while (url) {
      const res = await call('GET', url);
      expect(res.status, res.text).to.equal(200);
      seen.push(...matches(res.body).map((e: any) => e.resource.id));
      // a concurrent writer adds matching rows between pages
      await call('POST', '/Patient', { body: newPatient({ name: [{ family: 'Pager', given: ['Late'] }] }) });
      const next = link(res.body, 'next');
      url = next ? relative(next) : undefined;
      if (++pages > 30) throw new Error('paging does not end');
    }
    expect(new Set(seen).size, 'no duplicates').to.equal(seen.length);
    for (const id of made) expect(seen).to.include(id);
  });

  it('the previous link leads back to the page before', async () => {
    const first = await call('GET', '/Patient?_count=2&_sort=birthdate');
    const second = await call('GET', relative(link(first.body, 'next')));
    expect(link(second.body, 'previous')).to.be.a('string');
    expect(first.body.total).to.be.a('number');
    expect(second.body.total, 'later pages count only when asked').to.equal(undefined);
    const counted = await call('GET', `${relative(link(first.body, 'next'))}&_total=accurate`);
    expect(counted.status, 'the cursor belongs to the query').to.equal(400);
    const back = await call('GET', relative(link(second.body, 'previous')));
    expect(matches(back.body).map((e: any) => e.resource.id)).to.deep.equal(
      matches(first.body).map((e: any) => e.resource.id),
    );
    expect(link(first.body, 'self')).to.contain('_count=2');
    expect(link(first.body, 'first')).to.equal(link(first.body, 'self'));
  });

  it('_sort=-_id pages in descending id order', async () => {
    const first = await call('GET', '/Patient?_sort=-_id&_count=3');
    const second = await call('GET', relative(link(first.body, 'next')));
    const ids = [...matches(first.body), ...matches(second.body)].map((e: any) => e.resource.id as string);
    expect(ids).to.have.length(6);
    expect(ids).to.deep.equal([...ids].sort().reverse());
  });

  it('refuses a forged or altered cursor with 400', async () => {
    const first = await call('GET', '/Patient?_count=1');
    const next = relative(link(first.body, 'next'));
    const cursor = new URL(`http://x${next}`).searchParams.get('_cursor')!;
    const [payload, signature] = cursor.split('.');
    const forged = `${Buffer.from('[0,[],"00000000-0000-0000-0000-000000000000","x"]').toString('base64url')}.${signature}`;
    expect((await call('GET', `/Patient?_count=1&_cursor=${forged}`)).status).to.equal(400);
    expect((await call('GET', `/Patient?_count=2&_cursor=${payload}.${signature}`)).status).to.equal(400);
  });

  it('_include and _revinclude add the referenced and referring resources as include entries', async () => {
    const roles = await call('GET', '/PractitionerRole?specialty=cardiology&_include=PractitionerRole:practitioner');
    expect(matches(roles.body).map((e: any) => data.label(e.resource.id))).to.deep.equal(['Hana']);
    expect(
      includes(roles.body).map((e: any) => `${e.resource.resourceType}/${data.label(e.resource.id)}`),
    ).to.deep.equal(['Practitioner/Hana']);
    const star = await call('GET', '/PractitionerRole?specialty=cardiology&_include=*');
    expect(includes(star.body)).to.have.length(1);
    const rev = await call('GET', '/Practitioner?family=bone&_revinclude=PractitionerRole:practitioner');
    expect(includes(rev.body).map((e: any) => `${e.resource.resourceType}/${data.label(e.resource.id)}`)).to.deep.equal(
      ['PractitionerRole/Ian'],
    );
    const iterate = await call(
      'GET',
      '/PractitionerRole?specialty=cardiology&_include=PractitionerRole:practitioner&_revinclude:iterate=PractitionerRole:practitioner',
    );
    expect(iterate.body.entry).to.have.length(2); // the role itself is not included again
    expect(rev.body.total).to.equal(1);
  });

  it('reference :identifier finds by the identifier of the target (search.html#reference)', async () => {
    const hana = (await call('GET', `/Practitioner/${data.ids.Hana}`)).body;
    const number = hana.identifier.find((i: any) => i.system.endsWith('/practitioner-number'));
    const token = encodeURIComponent(`${number.system}|${number.value}`);
    const res = await call('GET', `/PractitionerRole?practitioner:identifier=${token}`);
    expect(matches(res.body).map((e: any) => data.label(e.resource.id))).to.deep.equal(['Hana']);
    const none = await call(
      'GET',
      `/PractitionerRole?practitioner:identifier=${encodeURIComponent(`${number.system}|nope`)}`,
    );
    expect(none.body.total).to.equal(0);
  });

  it('_total, _summary=count, _summary=true, _elements and _count=0', async () => {
    const none = await call('GET', '/Patient?_total=none&_count=1');
    expect(none.body.total).to.equal(undefined);
    const estimate = await call('GET', '/Patient?_total=estimate&_count=1');
    expect(estimate.body.total).to.be.a('number');
    const female = "family=muller,smith,o'brien&gender=female";
    const count = await call('GET', `/Patient?${female}&_summary=count`);
    expect(count.body.total).to.equal(3);
    expect(count.body.entry).to.equal(undefined);
    expect((await call('GET', `/Patient?${female}&_count=0`)).body.total).to.equal(3);
    const elements = await call('GET', '/Patient?given=ana&_elements=name');
    expect(Object.keys(matches(elements.body)[0].resource).sort()).to.deep.equal([
      'id',
      'meta',
      'name',
      'resourceType',
    ]);
    const summary = await call('GET', '/Patient?given=ana&_summary=true');
    expect(matches(summary.body)[0].resource.meta.tag[0].code).to.equal('SUBSETTED');
  });

  it('POST [type]/_search takes the parameters as a form body', async () => {
    const res = await call('POST', '/Patient/_search', {
      raw: 'family=smith&gender=other',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status, res.text).to.equal(200);
    expect(matches(res.body).map((e: any) => data.label(e.resource.id))).to.deep.equal(['Dan']);
  });

  it('compartment search: GET Patient/{id}/Patient finds only that patient', async () => {
    const res = await call('GET', `/Patient/${data.ids.Ana}/Patient`);
    expect(res.status, res.text).to.equal(200);
    expect(matches(res.body).map((e: any) => data.label(e.resource.id))).to.deep.equal(['Ana']);
    expect((await call('GET', '/Patient/not-a-uuid/Patient')).body.total).to.equal(0);
    const none = await call('GET', `/Patient/${data.ids.Ana}/Patient?gender=male`);
    expect(none.body.total).to.equal(0);
  });

  it('system search: GET [base]?_type=... over several types, paged by id across them', async () => {
    const both = await call('GET', `/?_type=Patient,Practitioner&_id=${data.ids.Ana},${data.ids.Hana}`);
    expect(both.status, both.text).to.equal(200);
    expect(
      matches(both.body)
        .map((e: any) => `${e.resource.resourceType}/${data.label(e.resource.id)}`)
        .sort(),
    ).to.deep.equal(['Patient/Ana', 'Practitioner/Hana']);
    const all = await call('GET', '?_type=Practitioner,PractitionerRole&_count=3');
    expect(all.body.total).to.equal(4);
    const rest = await call('GET', relative(link(all.body, 'next')));
    const ids = [...matches(all.body), ...matches(rest.body)].map(
      (e: any) => `${e.resource.resourceType}/${e.resource.id}`,
    );
    expect(new Set(ids).size).to.equal(4);
    expect((await call('GET', '?_type=Nothing')).status).to.equal(400);
    expect(
      (await call('GET', '?_type=Patient&_sort=family', { headers: { prefer: 'handling=strict' } })).status,
    ).to.equal(200);
  });

  it('system search sorts by _lastUpdated and _id across types, page after page; other sorts are refused (strict)', async () => {
    const types = '_type=Patient,Practitioner,PractitionerRole';
    const everything = async (first: string) => {
      const found: { key: string; lastUpdated: string }[] = [];
      let page = await call('GET', first);
      for (;;) {
        expect(page.status, page.text).to.equal(200);
        for (const e of matches(page.body))
          found.push({ key: `${e.resource.resourceType}/${e.resource.id}`, lastUpdated: e.resource.meta.lastUpdated });
        const next = link(page.body, 'next');
        if (!next) return found;
        page = await call('GET', relative(next));
      }
    };
    const unsorted = await everything(`?${types}&_count=100`);
    const sorted = await everything(`?${types}&_sort=-_lastUpdated,_id&_count=3`);
    expect(sorted.map((f) => f.key).sort()).to.deep.equal(unsorted.map((f) => f.key).sort());
    const instants = sorted.map((f) => Date.parse(f.lastUpdated));
    expect(instants).to.deep.equal([...instants].sort((a, b) => b - a));
    const oldest = await call('GET', `?${types}&_sort=_lastUpdated&_count=1`);
    expect(matches(oldest.body)[0].resource.meta.lastUpdated).to.equal(sorted[sorted.length - 1]!.lastUpdated);
    const strict = { headers: { prefer: 'handling=strict' } };
    expect((await call('GET', `?${types}&_sort=name`, strict)).status).to.equal(400);
  });

  it('lenient by default: an unknown parameter or modifier is ignored and reported in an outcome entry', async () => {
    const res = await call('GET', '/Patient?given=ana&unknown=1&family:sounds-like=x&_sort=telecom');
    expect(res.status).to.equal(200);
    expect(matches(res.body)).to.have.length(1);
    const outcome = res.body.entry.find((e: any) => e.search.mode === 'outcome');
    expect(outcome.resource.issue.map((i: any) => i.diagnostics).join(' '))
      .to.contain('unknown')
      .and.contain('sounds-like');
  });

  it('Prefer: handling=strict answers an unknown parameter, modifier or sort with 400', async () => {
    const strict = { headers: { prefer: 'handling=strict' } };
    for (const query of [
      'unknown=1',
      'family:sounds-like=x',
      'gender:contains=f',
      '_has:Nothing:x:y=1',
      '_sort=telecom',
    ])
      expect((await call('GET', `/Patient?${query}`, strict)).status, query).to.equal(400);
  });

  it('every search parameter the CapabilityStatement lists works, with its declared type (strict)', async () => {
    const SAMPLE: Record<string, string> = {
      string: 'a',
      token: 'x',
      date: '2020',
      reference: 'Practitioner/00000000-0000-0000-0000-000000000000',
      number: '1',
      quantity: '1',
      uri: 'http://example.org',
    };
    const cs = (await call('GET', '/metadata')).body;
    for (const resource of cs.rest[0].resource)
      for (const param of resource.searchParam) {
        const value = param.name === 'active' ? 'true' : SAMPLE[param.type]!;
        const query = `${param.name}=${encodeURIComponent(value)}`;
        const res = await call('GET', `/${resource.type}?${query}`, { headers: { prefer: 'handling=strict' } });
        expect(res.status, `${resource.type}?${query}: ${res.text}`).to.equal(200);
      }
    const role = cs.rest[0].resource.find((r: any) => r.type === 'PractitionerRole');
    expect(role.searchInclude).to.deep.equal(['*', 'PractitionerRole:practitioner']);
  });

  const BAD = [
    'birthdate=1980-13',
    'birthdate=1980-02-30',
    'birthdate=xx1980',
    'birthdate=1980-05-17T25:00:00Z',
    '_lastUpdated=yesterday',
    '_count=-1',
    '_count=ten',
    '_sort=nonsense',
    'family.name=x',
    '_total=maybe',
    '_summary=bogus',
    'active=maybe',
    'gender:missing=perhaps',
    '_include=nonsense',
  ];
  for (const query of BAD)
    it(`bad input ${query} is a 400 OperationOutcome`, async () => {
      const res = await call('GET', `/Patient?${query}`);
      expect(res.status, res.text).to.equal(400);
      expect(res.body.resourceType).to.equal('OperationOutcome');
    });

  it('a huge _count is served at the maximum page size, Unicode and metacharacters find nothing', async () => {
    expect((await call('GET', '/Patient?_count=999999999')).status).to.equal(200);
    for (const value of ['%27%3B--', '%F0%9F%98%80', '%5C', '%00x', '%E2%80%AE']) {
      const res = await call('GET', `/Patient?name=${value}`);
      expect(res.status === 400 || res.body.total === 0, `${value}: ${res.text}`).to.equal(true);
    }
  });
});
