// `npm run seed -- --patients N [--doctors N] [--seed N]`: synthetic demo data in all ten tables.
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.js';
import { openDatabaseForTool } from '../db/database.js';
import { seed } from '../seed/seed.js';
import { runCommand } from './run-command.js';

await runCommand(async () => {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '100' },
      doctors: { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  const whole = (name: string, raw: string | undefined, min: number) => {
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
    return Number(raw);
  };
  const patients = whole('patients', values.patients, 1)!;
  const config = loadConfig();
  const db = await openDatabaseForTool({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
  try {
    if (config.migrateOnStart && db.mode !== 'embedded-via-server') await db.migrate();
    const bar = new cliProgress.SingleBar(
      { format: 'seeding [{bar}] {percentage}% | {value}/{total} patients | {duration}s', stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    bar.start(patients, 0);
    const result = await seed(db.orm.em.fork(), {
      patients,
      doctors: whole('doctors', values.doctors, 0),
      seed: whole('seed', values.seed, 0),
      onProgress: (done) => bar.update(done),
    });
    bar.stop();
    const perSecond = Math.round((result.rows / result.ms) * 1000);
    console.log(
      JSON.stringify({ inserted: result.inserted, rows: result.rows, ms: result.ms, rowsPerSecond: perSecond }),
    );
  } finally {
    await db.close();
  }
});
