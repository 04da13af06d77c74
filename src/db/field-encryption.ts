// Secrets at rest: AES-256-GCM for columns such as patients.ssn, and a keyed hash (HMAC-SHA256)
// beside them so they can still be searched by value. The key never leaves this module.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'v1:';

export class FieldEncryptionUnavailable extends Error {
  constructor() {
    super('no DATA_ENCRYPTION_KEY is configured, so encrypted columns can be neither written nor read');
    this.name = 'FieldEncryptionUnavailable';
  }
}

export interface FieldSecrets {
  readonly available: boolean;
  encrypt(plain: string): string;
  /** undefined when the value cannot be decrypted (no key, another key, or not our format). */
  decrypt(stored: string): string | undefined;
  /** Deterministic keyed hash of a searchable value (hex). */
  hash(system: string, value: string): string;
}

export function fieldSecrets(key: Buffer | undefined): FieldSecrets {
  if (!key) {
    const unavailable = () => {
      throw new FieldEncryptionUnavailable();
    };
    return { available: false, encrypt: unavailable, decrypt: () => undefined, hash: unavailable };
  }
  if (key.length !== 32) throw new Error('the data encryption key must be 32 bytes');
  const encryptionKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'field-encryption', 32));
  const hashKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'identifier-hash', 32));
  return {
    available: true,
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${PREFIX}${iv.toString('base64url')}:${body.toString('base64url')}`;
    },
    decrypt(stored) {
      if (!stored.startsWith(PREFIX)) return undefined;
      const [ivText, bodyText] = stored.slice(PREFIX.length).split(':');
      if (!ivText || !bodyText) return undefined;
      try {
        const body = Buffer.from(bodyText, 'base64url');
        const decipher = createDecipheriv('aes-256-gcm', encryptionKey, Buffer.from(ivText, 'base64url'));
        decipher.setAuthTag(body.subarray(body.length - 16));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
    hash(system, value) {
      return createHmac('sha256', hashKey).update(`${system}|${value}`).digest('hex');
    },
  };
}
