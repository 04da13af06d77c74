// The baselines the REST scenarios are measured against: a bare node:http server over a pg Pool
// with prepared statements, no framework, no validation, no mapping. Run as a child process:
//   DATABASE_URL=... PORT=... BASELINE_POOL_MAX=16 node --import tsx bench/baseline-servers.ts
// (BASELINE_PREPARED=false sends the same queries unnamed, for PGlite's socket: one shared session.)
//   GET  /Patient/:id  the stored rendering of the current version, as it is (404 without one)
//   POST /Patient      parse, assign an id, one INSERT into bench_baseline_patients, 201 + Location
//   GET  /healthz      200 once listening (the table is created first)
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';

const TABLE_SQL = 'create table if not exists bench_baseline_patients (id uuid primary key, body jsonb)';
const READ_SQL =
  'select rendered from fhir_resource_versions v join fhir_resources h on h.resource_type = v.resource_type ' +
  "and h.id = v.id and h.version_id = v.version_id where h.resource_type = 'Patient' and h.id = $1";
const CREATE_SQL = 'insert into bench_baseline_patients (id, body) values ($1, $2)';
const FHIR_JSON = 'application/fhir+json';
const PREPARED = process.env.BASELINE_PREPARED !== 'false';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function answer(res: http.ServerResponse, status: number, body = '', headers: http.OutgoingHttpHeaders = {}) {
  res.writeHead(status, { 'content-type': FHIR_JSON, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function read(pool: pg.Pool, id: string, res: http.ServerResponse) {
  if (!UUID.test(id)) return answer(res, 404);
  const { rows } = await pool.query<{ rendered: string | null }>({
    ...(PREPARED ? { name: 'read' } : {}),
    text: READ_SQL,
    values: [id],
  });
  const rendered = rows[0]?.rendered;
  if (rendered == null) return answer(res, 404);
  answer(res, 200, rendered);
}

async function create(pool: pg.Pool, req: http.IncomingMessage, res: http.ServerResponse) {
  let resource: Record<string, unknown>;
  try {
    resource = JSON.parse(await readBody(req)) as Record<string, unknown>;
  } catch {
    return answer(res, 400);
  }
  const id = randomUUID();
  const text = JSON.stringify({ ...resource, id });
  await pool.query({ ...(PREPARED ? { name: 'create' } : {}), text: CREATE_SQL, values: [id, text] });
  answer(res, 201, text, { location: `/Patient/${id}` });
}

function serve(pool: pg.Pool): http.Server {
  return http.createServer((req, res) => {
    const url = req.url ?? '/';
    let handled: Promise<void> | void;
    if (req.method === 'GET' && url.startsWith('/Patient/')) handled = read(pool, url.slice('/Patient/'.length), res);
    else if (req.method === 'POST' && url === '/Patient') handled = create(pool, req, res);
    else if (req.method === 'GET' && url === '/healthz') handled = answer(res, 200, '{}');
    else handled = answer(res, 404);
    void Promise.resolve(handled).catch((error: Error) => {
      console.error(`baseline: ${req.method} ${url.replace(/^\/Patient\/.+/, '/Patient/:id')}: ${error.message}`);
      if (!res.headersSent) answer(res, 500);
      else res.destroy();
    });
  });
}

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('baseline: DATABASE_URL is required');
  process.exit(2);
}
const pool = new pg.Pool({
  connectionString: databaseUrl,
  max: Number(process.env.BASELINE_POOL_MAX ?? 16),
  idleTimeoutMillis: 0, // keep the connections (and their prepared statements) between rounds
});
await pool.query(TABLE_SQL);
const server = serve(pool);
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
const stop = () => {
  server.close(() => void pool.end().then(() => process.exit(0)));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
