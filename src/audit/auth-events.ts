// The SMART authorization server's sign-in and token decisions as audit_logs rows (D9): a
// password or second-factor check is a LOGIN, a token endpoint answer a TOKEN.
import type { AuthEvent } from '../auth/context.js';
import type { AuditEntry } from './audit-entry.js';

export function authAuditEntry(event: AuthEvent): AuditEntry {
  const failed = event.outcome === 'failure';
  return {
    action: event.event === 'token' ? 'TOKEN' : 'LOGIN',
    entityType: 'system',
    actor: {
      ...(event.userId ? { userId: event.userId } : {}),
      ...(event.email ? { email: event.email } : {}),
      // a sign-in names the user (or, failed, the e-mail tried); a grant names the client
      ...(event.clientId && event.event === 'token' ? { clientId: event.clientId } : {}),
    },
    description: `SMART ${event.event}${event.grantType ? ` ${event.grantType}` : ''}${event.clientId ? ` client ${event.clientId}` : ''}`,
    success: !failed,
    ...(failed ? { errorMessage: `${event.event === 'token' ? 400 : 401}: ${event.reason ?? 'refused'}` } : {}),
  };
}
