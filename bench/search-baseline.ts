// The baseline of the search scenarios: a bare node:http server over a pg Pool that runs, per
// scenario, the SQL our search compiler emits (same joins, conditions, order, limit and first-page
// count) and splices the stored renderings into a searchset Bundle. No parsing of FHIR search,
// no validation, no signing. Run as a child process:
//   DATABASE_URL=... PORT=... BASELINE_POOL_MAX=16 node --import tsx bench/search-baseline.ts
//   GET /search/<scenario>?a=..&b=..   GET /page?after=<id>   GET /healthz
import http from 'node:http';
import pg from 'pg';

const VERSION = `v.id, v.rendered`;
const JOIN_VERSION = `join fhir_resource_versions v on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id`;
const PATIENTS = `patients p join users u on u.id = p."userId" join fhir_resources h on h.resource_type = 'Patient' and h.id = p.id and not h.deleted`;
const DOCTORS = (type: string) =>
  `doctors d join users u on u.id = d."userId" join fhir_resources h on h.resource_type = '${type}' and h.id = d.id and not h.deleted`;
const NAME = (n: number) =>
  `(fhir_fold(u."firstName") like fhir_fold($${n}) escape '\\' or fhir_fold(u."lastName") like fhir_fold($${n}) escape '\\')`;

interface Scenario {
  from: string;
  where: string;
  values(q: URLSearchParams): unknown[];
}

const SCENARIOS: Record<string, Scenario> = {
  name: { from: PATIENTS, where: NAME(1), values: (q) => [`${q.get('a')}%`] },
  identifier: { from: PATIENTS, where: 'u."userId" = $1', values: (q) => [q.get('a')] },
  birthdate: {
    from: PATIENTS,
    where: 'u."dateOfBirth" >= $1::date and u."dateOfBirth" < $2::date',
    values: (q) => [q.get('a'), q.get('b')],
  },
  'gender+name': {
    from: PATIENTS,
    where: `u.gender = $1 and ${NAME(2)}`,
    values: (q) => [q.get('a'), `${q.get('b')}%`],
  },
  lastUpdated: {
    from: PATIENTS,
    where: 'h.last_updated >= $1::timestamptz and h.last_updated < $2::timestamptz',
    values: (q) => [q.get('a'), q.get('b')],
  },
  revinclude: { from: DOCTORS('Practitioner'), where: NAME(1), values: (q) => [`${q.get('a')}%`] },
  // the clinical searches of issue 5 (HOSPITAL_TIME_ZONE is UTC in the benchmark)
  appointment: {
    from: `appointments a join fhir_resources h on h.resource_type = 'Appointment' and h.id = a.id and not h.deleted`,
    where: `a."patientId" = $1::uuid and (case when a."appointmentTime" ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' then (a."appointmentDate"::date + a."appointmentTime"::time) at time zone 'UTC' end) >= $2::timestamptz`,
    values: (q) => [q.get('a'), q.get('b')],
  },
  'medication-request': {
    from: `fhir_prescription_entries x join prescriptions rx on rx.id = x.prescription_id
      cross join lateral (select e.item from jsonb_array_elements(rx.medicines) e(item) where e.item->>'id' = x.entry_id limit 1) med
      join fhir_resources h on h.resource_type = 'MedicationRequest' and h.id = x.id and not h.deleted`,
    where: `rx."patientId" = $1::uuid and rx.status in ('active', 'issued')`,
    values: (q) => [q.get('a')],
  },
};

const TYPES: Record<string, string> = { appointment: 'Appointment', 'medication-request': 'MedicationRequest' };

/** Slots are computed (no stored rendering): the same function, rendered in SQL. */
async function slots(pool: pg.Pool, q: URLSearchParams): Promise<string> {
  const from = `doctors d cross join lateral fhir_slot_horizon(d.id) s`;
  const where = `d.id = $1::uuid and s.status = 'free' and s.start >= $2::timestamptz`;
  const values = [q.get('a'), q.get('b')];
  const page = await pool.query<{ id: string; rendered: string }>(
    `select s.id, jsonb_build_object('resourceType', 'Slot', 'id', s.id, 'meta', jsonb_build_object('versionId', '1',
       'lastUpdated', s.updated), 'schedule', jsonb_build_object('reference', 'Schedule/' || s.doctor_id),
       'status', s.status, 'start', s.start, 'end', s."end")::text as rendered
       from ${from} where ${where} order by s.start, s.id limit 21`,
    values,
  );
  const rows = page.rows.slice(0, 20);
  let total = rows.length;
  if (page.rows.length > 20)
    total = (await pool.query<{ n: number }>(`select count(*)::int as n from ${from} where ${where}`, values)).rows[0]!
      .n;
  return bundle(total, [rows], ['Slot']);
}

function bundle(total: number | undefined, entries: { id: string; rendered: string | null }[][], types: string[]) {
  const parts: string[] = [];
  entries.forEach((rows, i) => {
    for (const row of rows)
      if (row.rendered)
        parts.push(
          `{"fullUrl":"/${types[i]}/${row.id}","resource":${row.rendered},"search":{"mode":"${i ? 'include' : 'match'}"}}`,
        );
  });
  const head = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', ...(total !== undefined ? { total } : {}) });
  return parts.length ? `${head.slice(0, -1)},"entry":[${parts.join(',')}]}` : head;
}

async function search(pool: pg.Pool, name: string, q: URLSearchParams): Promise<string> {
  if (name === 'slot') return slots(pool, q);
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`no scenario ${name}`);
  const values = scenario.values(q);
  const page = await pool.query<{ id: string; rendered: string | null }>(
    `select ${VERSION} from ${scenario.from} ${JOIN_VERSION} where ${scenario.where} order by h.id limit 21`,
    values,
  );
  const rows = page.rows.slice(0, 20);
  let total = rows.length;
  if (page.rows.length > 20)
    total = (
      await pool.query<{ n: number }>(`select count(*)::int as n from ${scenario.from} where ${scenario.where}`, values)
    ).rows[0]!.n;
  if (name !== 'revinclude') return bundle(total, [rows], [TYPES[name] ?? 'Patient']);
  const roles = await pool.query<{ id: string; rendered: string | null }>(
    `select ${VERSION} from ${DOCTORS('PractitionerRole')} ${JOIN_VERSION} where d.id = any($1::uuid[]) limit 1000`,
    [`{${rows.map((r) => r.id).join(',')}}`],
  );
  return bundle(total, [rows, roles.rows], ['Practitioner', 'PractitionerRole']);
}

/** Keyset paging through all patients by id, 100 a page, counted on the first. */
async function page(pool: pg.Pool, after: string | null): Promise<string> {
  const { rows } = await pool.query<{ id: string; rendered: string | null }>(
    `select ${VERSION} from ${PATIENTS} ${JOIN_VERSION} ${after ? 'where h.id > $1::uuid' : ''} order by h.id limit 101`,
    after ? [after] : [],
  );
  const more = rows.length > 100;
  const shown = rows.slice(0, 100);
  const total = after
    ? undefined
    : (await pool.query<{ n: number }>(`select count(*)::int as n from ${PATIENTS}`)).rows[0]!.n;
  const text = bundle(total, [shown], ['Patient']);
  const next = more ? `,"link":[{"relation":"next","url":"/page?after=${shown[shown.length - 1]!.id}"}]` : '';
  return next ? `${text.slice(0, -1)}${next}}` : text;
}

function answer(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('search baseline: DATABASE_URL is required');
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.BASELINE_POOL_MAX ?? 16) });
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://baseline');
  let work: Promise<string>;
  if (url.pathname.startsWith('/search/'))
    work = search(pool, decodeURIComponent(url.pathname.slice('/search/'.length)), url.searchParams);
  else if (url.pathname === '/page') work = page(pool, url.searchParams.get('after'));
  else if (url.pathname === '/healthz') work = Promise.resolve('{}');
  else return answer(res, 404, '{}');
  work.then(
    (body) => answer(res, 200, body),
    (error: Error) => {
      console.error(`search baseline: ${url.pathname}: ${error.message}`);
      answer(res, 500, '{}');
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
const stop = () => {
  server.close(() => void pool.end().then(() => process.exit(0)));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
