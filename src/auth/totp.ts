// TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second steps, 6 digits, one step of drift
// either way. users.mfaSecret holds the shared secret in base32, as authenticator apps take it.
import { createHmac, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = ALPHABET.indexOf(char);
    if (index < 0) throw new Error('not base32');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function hotp(secret: Buffer, counter: number, digits = 6): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(code).padStart(digits, '0');
}

export const totp = (secret: Buffer, time = Date.now(), step = 30) => hotp(secret, Math.floor(time / 1000 / step));

/** The time step at which `code` is the TOTP of `base32Secret` (now, ±1 step), or undefined. */
export function matchTotp(base32Secret: string, code: string, time = Date.now()): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  let secret: Buffer;
  try {
    secret = base32Decode(base32Secret);
  } catch {
    return undefined;
  }
  if (secret.length === 0) return undefined;
  const given = Buffer.from(code);
  let matched: number | undefined;
  for (const drift of [-1, 0, 1]) {
    const step = Math.floor(time / 30000) + drift;
    if (timingSafeEqual(given, Buffer.from(hotp(secret, step)))) matched ??= step;
  }
  return matched;
}

export const verifyTotp = (base32Secret: string, code: string, time = Date.now()) =>
  matchTotp(base32Secret, code, time) !== undefined;
