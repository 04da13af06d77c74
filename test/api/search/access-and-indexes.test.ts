// search › the access hook (D8: a predicate in every search's SQL, counts and includes too) set
// directly through the engine's API, and EXPLAIN checks that the common searches use indexes (D7).
import { expect } from 'chai';
import { mappings } from '../../../mappings/index.js';
import type { ResourceMapping } from '../../../mappings/types.js';
import { fieldSecrets } from '../../../src/db/field-encryption.js';
import { mapContext } from '../../../src/fhir/context.js';
import { rowOfId } from '../../../src/fhir/row-of-id.js';
import type { SearchAccess } from '../../../src/search/access.js';
import { SearchEngine } from '../../../src/search/engine.js';
import { parseSearchRequest, type Query } from '../../../src/search/parse.js';
import { numbered } from '../../../src/search/sql.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createDataset, MRN, type Dataset } from './dataset.js';

describe('search › access hook and indexes (D7, D8)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let data: Dataset;
  let engine: SearchEngine;
  const byType = new Map(mappings.map((m) => [m.resourceType as string, m]));
  const mapping = (type: string) => byType.get(type)!;

  before(async () => {
    server = await startTestServer();
    data = await createDataset(server);
    engine = new SearchEngine(byType, mapContext(server.config.identifierNamespace, fieldSecrets(undefined)), {
      defaultCount: 20,
      maxCount: 100,
      cursorSecret: 'x'.repeat(32),
    });
  });
  after(() => server?.stop());

  const search = (type: string, query: Query, access?: SearchAccess) =>
    engine.search(server.db.orm.em.fork(), mapping(type), parseSearchRequest(query), {
      strict: true,
      baseUrl: server.config.fhirBaseUrl,
      canonicalQuery: JSON.stringify(query),
      ...(access ? { access } : {}),
    });

  describe('the access predicate', () => {
    const onlyBob: SearchAccess = {
      filter: (m: ResourceMapping) =>
        m.resourceType === 'Patient' ? { sql: 'p.id = ?::uuid', params: [data.ids.Bob] } : undefined,
    };
    const noRoles: SearchAccess = {
      filter: (m) => (m.resourceType === 'PractitionerRole' ? { sql: 'false', params: [] } : undefined),
    };

    it('restricts the matches and the count', async () => {
      const open = await search('Patient', { family: 'mu', _total: 'accurate' });
      expect(open.total).to.equal(2);
      const restricted = await search('Patient', { family: 'mu', _total: 'accurate', _count: '1' }, onlyBob);
      expect(restricted.matches.map((m) => data.label(m.id))).to.deep.equal(['Bob']);
      expect(restricted.total).to.equal(1);
      expect(restricted.next).to.equal(undefined);
    });

    it('restricts _include, _revinclude, chains and _has', async () => {
      const rev = await search('Practitioner', { family: 'heart', _revinclude: 'PractitionerRole:practitioner' });
      expect(rev.included).to.have.length(1);
      const hidden = await search(
        'Practitioner',
        { family: 'heart', _revinclude: 'PractitionerRole:practitioner' },
        noRoles,
      );
      expect(hidden.matches).to.have.length(1);
      expect(hidden.included).to.have.length(0);
      expect(
        (await search('Practitioner', { '_has:PractitionerRole:practitioner:active': 'true' }, noRoles)).matches,
      ).to.have.length(0);
      const noPractitioners: SearchAccess = {
        filter: (m) => (m.resourceType === 'Practitioner' ? { sql: 'false', params: [] } : undefined),
      };
      expect(
        (await search('PractitionerRole', { 'practitioner.name': 'hana' }, noPractitioners)).matches,
      ).to.have.length(0);
      const include = await search(
        'PractitionerRole',
        { specialty: 'cardiology', _include: 'PractitionerRole:practitioner' },
        noPractitioners,
      );
      expect(include.matches).to.have.length(1);
      expect(include.included).to.have.length(0);
    });
  });

  describe('EXPLAIN: the common searches are served by indexes', () => {
    before(async () => {
      // 3,000 more patients written as another application would, so the planner sees real sizes
      await server.sql.query(`with u as (
          insert into users ("userId", email, "firstName", "lastName", password, "dateOfBirth", gender)
          select 'BULK-' || g, 'bulk' || g || '@example.org', md5(g::text), md5((g * 7)::text), 'x',
                 date '1930-01-01' + (g * 7) % 30000, case when g % 2 = 0 then 'male' else 'female' end
            from generate_series(1, 3000) g returning id)
        insert into patients ("userId", "patientId") select id, 'B' || substr(md5(id::text), 1, 12) from u`);
      await server.sql.query('analyze');
    });

    const CASES: [string, Query, string[]][] = [
      ['family', { family: 'mül' }, ['fhir_search_users_family']],
      ['given', { given: 'an' }, ['fhir_search_users_given']],
      ['name', { name: 'smi' }, ['fhir_search_users_family', 'fhir_search_users_given']],
      ['birthdate', { birthdate: '1980-05-17' }, ['fhir_search_users_birthdate']],
      ['email', { email: 'ANA@example.org' }, ['fhir_search_users_email']],
      ['identifier (MRN)', { identifier: `${MRN}|MRN-1` }, ['fhir_search_patients_mrn']],
      [
        'identifier:of-type (MR)',
        { 'identifier:of-type': 'http://terminology.hl7.org/CodeSystem/v2-0203|MR|MRN-1' },
        ['fhir_search_patients_mrn'],
      ],
      [
        'identifier (number)',
        { identifier: 'https://fhir-interop-server.dev/fhir/sid/patient-number|PAT-000001' },
        ['users_userId_key|idx_users_userId'],
      ],
      [
        'identifier (no system)',
        { identifier: 'PAT-000001' },
        ['users_userId_key|idx_users_userId', 'fhir_search_patients_mrn'],
      ],
      ['_lastUpdated', { _lastUpdated: 'lt2000-01-01' }, ['fhir_resources_last_updated']],
    ];
    for (const [name, query, indexes] of CASES)
      it(`${name} uses ${indexes.join(' and ')}`, async () => {
        const m = mapping('Patient');
        const options = { strict: true, baseUrl: server.config.fhirBaseUrl };
        const request = parseSearchRequest(query);
        const { where } = engine.filter(m, request, options);
        const page = engine.pageQuery(m, where, [], 21);
        await server.sql.query('begin');
        try {
          await server.sql.query('set local enable_seqscan = off');
          const { rows } = await server.sql.query(`explain ${numbered(page.sql)}`, page.params);
          const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
          for (const index of indexes) expect(plan, plan).to.match(new RegExp(`(using|on) "?(${index})"?`));
        } finally {
          await server.sql.query('rollback');
        }
      });

    describe('Observation: both legs of the union (lab results, vital signs) keep their indexes', () => {
      let patient: string;
      before(async () => {
        // the bulk patients get vital signs, and a lab test with a result each
        await server.sql
          .query(`update patients set height = 150 + (random() * 40)::int, weight = 50 + (random() * 40)::int,
          "bloodType" = 'A+' where "patientId" like 'B%'`);
        await server.sql
          .query(`insert into lab_tests ("patientId", "testName", "testCode", description, "orderedDate", status, "testResults")
          select id, 'Glucose', '2345-7', 'Glucose', now(), 'completed', '[{"id": "r1", "code": "2345-7", "name": "Glucose", "value": 90}]'::jsonb
            from patients where "patientId" like 'B%'`);
        await server.sql.query('analyze');
        patient = (await server.sql.query(`select id from patients where "patientId" like 'B%' limit 1`)).rows[0].id;
      });
      const explain = async (sql: string, params: unknown[]) => {
        const { rows } = await server.sql.query(`explain ${numbered(sql)}`, params);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      };

      it('Observation?patient=X uses idx_lab_tests_patientId and fhir_vital_signs_patient_kind, scanning neither table', async () => {
        const m = mapping('Observation');
        const { where } = engine.filter(m, parseSearchRequest({ patient: patient }), {
          strict: true,
          baseUrl: server.config.fhirBaseUrl,
        });
        const page = engine.pageQuery(m, where, [], 21);
        const plan = await explain(page.sql, page.params);
        expect(plan, plan).to.match(/(Index (Only )?Scan using|Bitmap Index Scan on) "?idx_lab_tests_patientId"?/);
        expect(plan, plan).to.match(
          /(Index (Only )?Scan using|Bitmap Index Scan on) "?fhir_vital_signs_patient_kind"?/,
        );
        expect(plan, plan).not.to.match(/Seq Scan on (lab_tests|fhir_vital_signs|fhir_lab_result_entries|patients)\b/);
      });

      it('the row of an id (reads under access checks) uses both primary keys', async () => {
        const { rows } = await server.sql.query(`select fhir_vital_sign_id($1, 'height')::text as id`, [patient]);
        const one = rowOfId(mapping('Observation'), rows[0].id, 'o.id');
        const plan = await explain(one.sql, one.params);
        expect(plan, plan).to.match(/(Index (Only )?Scan using|Bitmap Index Scan on) "?fhir_lab_result_entries_pkey"?/);
        expect(plan, plan).to.match(/(Index (Only )?Scan using|Bitmap Index Scan on) "?fhir_vital_signs_pkey"?/);
        expect(plan, plan).not.to.match(/Seq Scan on (lab_tests|fhir_vital_signs|fhir_lab_result_entries|patients)\b/);
      });
    });
  });
});
