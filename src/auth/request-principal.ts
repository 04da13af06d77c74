// Who a verified access token speaks for, as the audit trail names them (D9): users.id, e-mail and
// roles (read from users, kept a short while so a request costs no extra query), the client, and
// the patient of the token's context or the patient the user is.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal as RequestPrincipal } from '../fhir/request.js';
import type { Principal } from './principal.js';

const KEEP_MS = 30_000;
const MAX_USERS = 10_000;

interface UserFacts {
  email?: string;
  roles: string[];
  at: number;
}

export class RequestPrincipals {
  private readonly users = new Map<string, UserFacts>();

  constructor(private readonly em: () => EntityManager) {}

  async of(principal: Principal): Promise<RequestPrincipal> {
    const user = principal.userId ? await this.user(principal.userId) : undefined;
    const patientId = principal.patient ?? principal.userPatient;
    return {
      clientId: principal.clientId,
      ...(principal.userId ? { userId: principal.userId } : {}),
      ...(user?.email ? { email: user.email } : {}),
      roles: user?.roles ?? [],
      ...(patientId ? { patientId } : {}),
    };
  }

  private async user(userId: string): Promise<UserFacts | undefined> {
    const known = this.users.get(userId);
    if (known && Date.now() - known.at < KEEP_MS) return known;
    const [row] = await this.em().execute<{ email: string | null; roles: string[] | null }[]>(
      'select email, roles from users where id = ?',
      [userId],
    );
    if (!row) return undefined;
    if (this.users.size >= MAX_USERS) this.users.clear();
    const facts = { ...(row.email ? { email: row.email } : {}), roles: row.roles ?? [], at: Date.now() };
    this.users.set(userId, facts);
    return facts;
  }
}
