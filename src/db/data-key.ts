// The key of encrypted columns: DATA_ENCRYPTION_KEY, or for the embedded database one generated
// once and kept (mode 0600) beside the data it protects.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function embeddedDataKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'data-encryption.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return key;
}
