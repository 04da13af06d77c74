// `npm run import -- [--all-or-nothing] [--chunk N] FILE...`: NDJSON files or Bundles of any mapped
// resources into the database through the FHIR write path (src/bulk/import.ts). Rejected lines go
// to stdout as JSON (file, line, OperationOutcome), then a summary line; progress on stderr.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { mappings } from '../../mappings/index.js';
import { AbortImport, importFiles, type ImportResult } from '../bulk/import.js';
import { loadConfig } from '../config.js';
import { openDatabaseForTool } from '../db/database.js';
import { embeddedDataKey } from '../db/data-key.js';
import { fieldSecrets } from '../db/field-encryption.js';
import { bindSession, inTransaction } from '../db/sql-session.js';
import { mapContext } from '../fhir/context.js';
import { Repository } from '../fhir/repository.js';
import { createFhirRouter } from '../fhir/router.js';
import { prepareValidation } from '../fhir/validation/index.js';
import { runCommand } from './run-command.js';

await runCommand(async () => {
  const { values, positionals } = parseArgs({
    options: { 'all-or-nothing': { type: 'boolean', default: false }, chunk: { type: 'string', default: '500' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0) throw new Error('give one or more NDJSON or Bundle files: npm run import -- FILE...');
  if (!/^\d+$/.test(values.chunk) || Number(values.chunk) < 1 || Number(values.chunk) > 100000)
    throw new Error('--chunk must be a whole number from 1 to 100000');
  for (const file of positionals)
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new Error(`${file}: no such file`);
  const allOrNothing = values['all-or-nothing'];
  const chunk = Number(values.chunk);
  const config = loadConfig();
  const validation = prepareValidation();
  const db = await openDatabaseForTool({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
  try {
    if (db.mode === 'embedded-via-server')
      // its connections share one session, in which the server's prepared write statements already exist
      throw new Error(
        `the embedded database in ${config.dataDir} is in use by a running server: stop it for the import (or use PostgreSQL)`,
      );
    if (config.migrateOnStart) await db.migrate();
    await validation;
    const key = config.dataEncryptionKey ?? (db.mode !== 'postgresql' ? embeddedDataKey(config.dataDir) : undefined);
    const ctx = mapContext(config.identifierNamespace, fieldSecrets(key), config.hospitalTimeZone);
    const total = positionals.reduce((sum, f) => sum + fs.statSync(f).size, 0);
    const bar = process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format: 'importing [{bar}] {percentage}% | {written} resources | {duration}s', stream: process.stderr },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    bar?.start(total, 0, { written: 0 });
    let lastLine = 0;
    const onProgress = (bytes: number, written: number) => {
      if (bar) return bar.update(Math.min(bytes, total), { written });
      if (Date.now() - lastLine < 2000 && bytes < total) return;
      lastLine = Date.now();
      process.stderr.write(
        `import: ${written} resources written, ${Math.round((bytes / Math.max(total, 1)) * 100)}% read\n`,
      );
    };
    const run = (em: typeof db.orm.em) =>
      importFiles(
        positionals,
        createFhirRouter(mappings, () => new Repository(em, ctx), ctx, undefined, { maxBundleEntries: chunk }),
        mappings,
        { chunk, baseUrl: config.fhirBaseUrl, allOrNothing, onProgress },
      );
    let result: ImportResult;
    try {
      result = allOrNothing
        ? await inTransaction(db.orm.em, (sql) => run(bindSession(db.orm.em, sql)))
        : await run(db.orm.em);
    } catch (error) {
      bar?.stop();
      if (!(error instanceof AbortImport)) throw error;
      console.log(JSON.stringify(error.rejected));
      console.log(JSON.stringify({ written: 0, rejected: 1, aborted: true }));
      throw new Error(`--all-or-nothing: nothing was written, because ${error.message}`);
    }
    bar?.stop();
    for (const rejected of result.rejected) console.log(JSON.stringify(rejected));
    console.log(
      JSON.stringify({
        written: result.written,
        rejected: result.rejected.length,
        skipped: result.skipped,
        ms: result.ms,
        resourcesPerSecond: Math.round((result.written / Math.max(result.ms, 1)) * 1000),
      }),
    );
    if (result.rejected.length > 0) process.exitCode = 1;
  } finally {
    await db.close();
  }
});
