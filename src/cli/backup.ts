// `npm run backup [-- --verify] [--dir DIR]`: a backup of the database, named and rotated by the
// schema document's Backup Strategy; --verify restores the newest into a scratch database and
// compares row counts and checksums per table.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { takeBackup, verifyNewest } from '../backup/backup-set.js';
import { loadConfig } from '../config.js';
import { runCommand } from './run-command.js';

await runCommand(async () => {
  const { values } = parseArgs({
    options: { verify: { type: 'boolean', default: false }, dir: { type: 'string' } },
    strict: true,
  });
  const config = loadConfig();
  const dir = values.dir ? path.resolve(values.dir) : config.backupDir;
  const target = { databaseUrl: config.databaseUrl, dataDir: config.dataDir, auditEnabled: config.auditEnabled };
  if (values.verify) {
    const result = await verifyNewest(target, dir);
    for (const t of result.tables) console.log(`${t.ok ? 'ok     ' : 'DIFFERS'} ${t.table} (${t.rows} rows)`);
    console.log(JSON.stringify(result));
    if (!result.ok) {
      console.error(`error: the restore of ${result.file} differs from the backed-up database`);
      process.exitCode = 1;
    }
    return;
  }
  console.log(JSON.stringify(await takeBackup(target, dir)));
});
