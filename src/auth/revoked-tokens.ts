// Revoked access tokens (RFC 7009) as every instance sees them: the jtis in smart_revoked_tokens,
// read again at most every few seconds, so a revocation takes effect everywhere within that time
// without a database round trip per FHIR request.
import type { EntityManager } from '@mikro-orm/postgresql';

const REFRESH_MS = 3000;

export class RevokedTokens {
  private jtis = new Set<string>();
  private loadedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(private readonly em: () => EntityManager) {}

  /** Whether `jti` was revoked (as of the last read, at most REFRESH_MS old once warmed). */
  async has(jti: string): Promise<boolean> {
    if (Date.now() - this.loadedAt > REFRESH_MS) {
      this.loading ??= this.load().finally(() => (this.loading = undefined));
      if (this.loadedAt === 0) await this.loading;
    }
    return this.jtis.has(jti);
  }

  /** Marks a jti revoked here at once (the table tells the other instances). */
  add(jti: string): void {
    this.jtis.add(jti);
  }

  private async load(): Promise<void> {
    try {
      const rows = await this.em().execute<{ jti: string }[]>(
        'select jti from smart_revoked_tokens where expires_at > now()',
      );
      this.jtis = new Set(rows.map((r) => r.jti));
      this.loadedAt = Date.now();
    } catch {
      // the database is away: keep what we knew and try again on the next request
    }
  }
}
