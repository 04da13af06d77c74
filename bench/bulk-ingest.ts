// The bulk scenario's ingest part: transaction Bundles of Patient creates through our server from
// concurrent clients into a fresh database, against plain multi-row INSERTs of the very rows our
// server wrote (captured after the ingest, truncated, inserted again).
import { perSecond, rssMb } from './bulk-export.js';
import { patientBody } from './load.js';
import { onCleanup } from './cleanup.js';
import { dropDatabase, freshDatabase } from './postgres.js';
import { startOurs, stop } from './processes.js';
import { captureRows, insertRows, tableCounts, writtenTables } from './table-rows.js';

const DATABASE = 'fhir_bench_bulk_ingest';

export interface IngestOptions {
  resources: number;
  clients: number;
  bundle: number;
  /** Rows per INSERT statement of the baseline. */
  insertRows: number;
}

function transaction(size: number): string {
  const entry = Array.from(
    { length: size },
    () => `{"request":{"method":"POST","url":"Patient"},"resource":${patientBody()}}`,
  );
  return `{"resourceType":"Bundle","type":"transaction","entry":[${entry.join(',')}]}`;
}

async function send(base: string, body: string, size: number): Promise<void> {
  const res = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', prefer: 'return=minimal' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`transaction: ${res.status} ${text.slice(0, 500)}`);
  const entries = (JSON.parse(text) as { entry?: { response?: { status?: string } }[] }).entry ?? [];
  const created = entries.filter((e) => e.response?.status?.startsWith('201')).length;
  if (created !== size) throw new Error(`transaction: ${created} of ${size} entries answered 201`);
}

export async function measureIngest(options: IngestOptions, scratch: string, log: (message: string) => void) {
  // dropped when done; the cleanups cover an interrupted run (dropping again is harmless)
  onCleanup(() => dropDatabase(DATABASE));
  const url = await freshDatabase(DATABASE);
  try {
    const server = await startOurs({ DATABASE_URL: url, DATA_DIR: scratch });
    onCleanup(() => stop(server.proc));
    const sizes: number[] = [];
    for (let left = options.resources; left > 0; left -= options.bundle) sizes.push(Math.min(left, options.bundle));
    const bodies = sizes.map(transaction);
    let ms: number;
    let peakRssMb: number | undefined;
    const before = await tableCounts(url);
    try {
      log(`ingest: ${bodies.length} transaction Bundles of ${options.bundle} from ${options.clients} clients`);
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: options.clients }, async () => {
          for (let i = next++; i < bodies.length; i = next++) await send(server.base, bodies[i]!, sizes[i]!);
        }),
      );
      ms = Math.round(performance.now() - started);
      peakRssMb = rssMb(server.proc.child.pid!);
    } finally {
      // the audit rows are written in the background: stopping flushes them, so they are captured too
      await stop(server.proc);
    }
    const after = await tableCounts(url);
    const tables = writtenTables(before, after);
    const written = Object.fromEntries(tables.map((t) => [t, after[t]!]));
    log(`ingest: ${options.resources} resources in ${ms} ms; rows written ${JSON.stringify(written)}`);
    const captured = await captureRows(url, tables);
    const baseline = await insertRows(url, captured, options.insertRows);
    const again = await tableCounts(url);
    for (const t of tables)
      if (again[t] !== after[t]) throw new Error(`INSERT baseline: ${t} has ${again[t]} rows, ours wrote ${after[t]}`);
    log(`INSERT: ${baseline.rows} rows in ${baseline.statements} statements, ${baseline.ms} ms`);
    const ours = { resources: options.resources, ms, resourcesPerSecond: perSecond(options.resources, ms), peakRssMb };
    const inserts = { ...baseline, resourcesPerSecond: perSecond(options.resources, baseline.ms) };
    return {
      options,
      ours,
      baseline: { ...inserts, tables: written },
      ratio: Math.round((ours.resourcesPerSecond / inserts.resourcesPerSecond) * 1000) / 1000,
    };
  } finally {
    await dropDatabase(DATABASE);
  }
}
