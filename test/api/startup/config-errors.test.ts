// A bad configuration value stops the process with one clear line and a non-zero exit (D12).
import { expect } from 'chai';
import { spawnServer } from '../../support/process.js';
import { tempDir } from '../../support/database.js';

describe('startup › configuration errors', () => {
  for (const [variable, value] of [
    ['PORT', 'not-a-port'],
    ['DATABASE_URL', 'mysql://root@localhost/db'],
    ['LOG_LEVEL', 'chatty'],
  ] as const)
    it(`${variable}=${value} exits with status 2 and one line naming ${variable}`, async () => {
      const proc = spawnServer({ [variable]: value, DATA_DIR: tempDir('config') });
      const code = await proc.exited;
      expect(code).to.equal(2);
      const lines = proc.output().trim().split('\n');
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(new RegExp(`^configuration error: ${variable}: `));
    });
});
