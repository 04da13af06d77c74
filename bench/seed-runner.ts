// `npm run seed -- --patients N` as a child process; resolves with the JSON line it prints.
import { spawn } from 'node:child_process';
import { projectRoot } from '../test/support/process.js';

export interface SeedResult {
  rows: number;
  ms: number;
  rowsPerSecond: number;
}

export function runSeed(env: Record<string, string>, patients: number): Promise<SeedResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/seed.ts', '--patients', String(patients)], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`seed exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as SeedResult);
    });
  });
}
