// `npm run migrate [-- up|down|list]`: applies pending migrations (or reverts them all with down).
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openDatabaseForTool } from '../db/database.js';
import { runCommand } from './run-command.js';

await runCommand(async () => {
  const { positionals } = parseArgs({ allowPositionals: true, strict: true });
  const command = positionals[0] ?? 'up';
  if (!['up', 'down', 'list'].includes(command))
    throw new Error(`unknown migrate command "${command}" (up, down, list)`);
  const config = loadConfig();
  const db = await openDatabaseForTool({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1 });
  try {
    const migrator = db.orm.getMigrator();
    if (command === 'list') {
      const executed = await migrator.getExecutedMigrations();
      const pending = await migrator.getPendingMigrations();
      for (const m of executed) console.log(`applied  ${m.name}`);
      for (const m of pending) console.log(`pending  ${m.name}`);
    } else if (command === 'up') {
      const applied = await migrator.up();
      console.log(applied.length ? applied.map((m) => `applied  ${m.name}`).join('\n') : 'the schema is up to date');
    } else {
      const reverted = await migrator.down({ to: 0 });
      console.log(reverted.length ? reverted.map((m) => `reverted ${m.name}`).join('\n') : 'nothing to revert');
    }
  } finally {
    await db.close();
  }
});
