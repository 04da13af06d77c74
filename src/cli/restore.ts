// `npm run restore -- FILE`: restores a backup into an empty database (DATABASE_URL, or an empty
// DATA_DIR for the embedded database). A truncated, altered or foreign file is refused, and a
// failing restore leaves the target as it was.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { restoreBackup } from '../backup/backup-set.js';
import { loadConfig } from '../config.js';
import { runCommand } from './run-command.js';

await runCommand(async () => {
  const { positionals } = parseArgs({ allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new Error('usage: npm run restore -- FILE');
  const config = loadConfig();
  const result = await restoreBackup(path.resolve(positionals[0]!), {
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    auditEnabled: config.auditEnabled,
  });
  console.log(JSON.stringify(result));
});
