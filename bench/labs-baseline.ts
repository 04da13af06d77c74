// The baseline of the lab search scenario: a bare node:http server over a pg Pool running the SQL
// our search compiler emits for `DiagnosticReport?patient=X&_include=DiagnosticReport:result` (the
// reports' page ordered by id with the first page's count, then the Observations the page's
// results name) and splicing the stored renderings into a searchset Bundle. Run as a child process:
//   DATABASE_URL=... PORT=... BASELINE_POOL_MAX=16 node --import tsx bench/labs-baseline.ts
//   GET /reports?patient=<id>   GET /healthz
import http from 'node:http';
import pg from 'pg';
import { observationMapping } from '../mappings/observation.js';

const VERSIONS = `join fhir_resource_versions v on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id`;
const REPORTS = `lab_tests lt join fhir_resources h on h.resource_type = 'DiagnosticReport' and h.id = lt.id and not h.deleted`;
const RESULT_IDS = `fhir_lab_result_id(lt.id, jsonb_array_elements(case when jsonb_typeof(lt."testResults") = 'array'
  then lt."testResults" else '[]'::jsonb end)->>'id')`;
// the Observation source as the mapping declares it (lab results and vital signs in one union)
const OBSERVATIONS = `${observationMapping.source.from}
  join fhir_resources h on h.resource_type = 'Observation' and h.id = ${observationMapping.source.id} and not h.deleted`;

type Row = { id: string; rendered: string | null };

function bundle(total: number, groups: { type: string; mode: string; rows: Row[] }[]): string {
  const parts: string[] = [];
  for (const { type, mode, rows } of groups)
    for (const row of rows)
      if (row.rendered)
        parts.push(`{"fullUrl":"/${type}/${row.id}","resource":${row.rendered},"search":{"mode":"${mode}"}}`);
  const head = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total });
  return parts.length ? `${head.slice(0, -1)},"entry":[${parts.join(',')}]}` : head;
}

async function reports(pool: pg.Pool, patient: string): Promise<string> {
  const page = await pool.query<Row>(
    `select v.id, v.rendered from ${REPORTS} ${VERSIONS} where lt."patientId" = $1::uuid order by h.id limit 21`,
    [patient],
  );
  const rows = page.rows.slice(0, 20);
  const total =
    page.rows.length > 20
      ? (
          await pool.query<{ n: number }>(`select count(*)::int as n from ${REPORTS} where lt."patientId" = $1::uuid`, [
            patient,
          ])
        ).rows[0]!.n
      : rows.length;
  const results = rows.length
    ? await pool.query<Row>(
        `select v.id, v.rendered from ${OBSERVATIONS} ${VERSIONS}
          where ${observationMapping.source.id} = any(array(select ${RESULT_IDS} from lab_tests lt where lt.id = any($1::uuid[]))) limit 1000`,
        [`{${rows.map((r) => r.id).join(',')}}`],
      )
    : { rows: [] };
  return bundle(total, [
    { type: 'DiagnosticReport', mode: 'match', rows },
    { type: 'Observation', mode: 'include', rows: results.rows },
  ]);
}

function answer(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('labs baseline: DATABASE_URL is required');
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.BASELINE_POOL_MAX ?? 16) });
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://baseline');
  if (url.pathname === '/healthz') return answer(res, 200, '{}');
  if (url.pathname !== '/reports') return answer(res, 404, '{}');
  reports(pool, url.searchParams.get('patient') ?? '').then(
    (body) => answer(res, 200, body),
    (error: Error) => {
      console.error(`labs baseline: ${error.message}`);
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
