// The server's signing keys (D11: kept in the database, shared by every instance): the newest key
// signs; a key is rotated after AUTH_KEY_ROTATION_DAYS and still verifies, and is published in the
// JWKS, until every token it signed has expired.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import * as jose from 'jose';

export const TOKEN_ALG = 'RS256';

interface KeyRow {
  kid: string;
  alg: string;
  public_jwk: jose.JWK | string;
  private_jwk: jose.JWK | string;
  created_at: Date | string;
  retired_at: Date | string | null;
}

interface LoadedKey {
  kid: string;
  alg: string;
  publicJwk: jose.JWK;
  publicKey: jose.CryptoKey | Uint8Array;
  privateKey: jose.CryptoKey | Uint8Array;
  createdAt: Date;
}

const json = (value: jose.JWK | string): jose.JWK => (typeof value === 'string' ? JSON.parse(value) : value);

export class SigningKeys {
  private keys: LoadedKey[] = [];
  private loadedAt = 0;
  private reloading: Promise<void> | undefined;

  constructor(
    private readonly em: () => EntityManager,
    private readonly rotationDays: number,
    /** How long a retired key keeps verifying: the longest token lifetime. */
    private readonly graceSeconds: number,
  ) {}

  /** Loads the keys, making (or rotating to) a new one when none is current. */
  async prepare(): Promise<void> {
    await this.reload();
    const newest = this.keys[0];
    if (!newest || Date.now() - newest.createdAt.getTime() > this.rotationDays * 86400_000) {
      const { publicKey, privateKey } = await jose.generateKeyPair(TOKEN_ALG, { extractable: true });
      const kid = randomUUID();
      const em = this.em();
      await em.transactional(async (tx) => {
        await tx.execute('update smart_signing_keys set retired_at = now() where retired_at is null');
        await tx.execute('insert into smart_signing_keys (kid, alg, public_jwk, private_jwk) values (?, ?, ?, ?)', [
          kid,
          TOKEN_ALG,
          JSON.stringify({ ...(await jose.exportJWK(publicKey)), kid, alg: TOKEN_ALG, use: 'sig' }),
          JSON.stringify({ ...(await jose.exportJWK(privateKey)), kid, alg: TOKEN_ALG }),
        ]);
      });
      await this.reload();
    }
  }

  private reload(): Promise<void> {
    this.reloading ??= (async () => {
      try {
        const rows = await this.em().execute<KeyRow[]>(
          `select * from smart_signing_keys
            where retired_at is null or retired_at > now() - make_interval(secs => ?)
            order by created_at desc`,
          [this.graceSeconds],
        );
        const keys: LoadedKey[] = [];
        for (const row of rows)
          keys.push({
            kid: row.kid,
            alg: row.alg,
            publicJwk: json(row.public_jwk),
            publicKey: await jose.importJWK(json(row.public_jwk), row.alg),
            privateKey: await jose.importJWK(json(row.private_jwk), row.alg),
            createdAt: new Date(row.created_at),
          });
        this.keys = keys;
        this.loadedAt = Date.now();
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  async sign(claims: jose.JWTPayload, typ: string, expiresInSeconds: number): Promise<string> {
    if (Date.now() - this.loadedAt > 3600_000) await this.prepare();
    const key = this.keys[0];
    if (!key) throw new Error('no signing key');
    return new jose.SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .sign(key.privateKey);
  }

  /** The key of a token's `kid`; a kid not seen yet is looked up again (another instance rotated). */
  readonly keyFor: jose.JWTVerifyGetKey = async (header) => {
    let key = this.keys.find((k) => k.kid === header.kid);
    if (!key && Date.now() - this.loadedAt > 5000) {
      await this.reload();
      key = this.keys.find((k) => k.kid === header.kid);
    }
    if (!key || key.alg !== header.alg) throw new jose.errors.JWKSNoMatchingKey();
    return key.publicKey;
  };

  jwks(): { keys: jose.JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }
}
