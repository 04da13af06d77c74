// What every answer to a hostile request must be: never a 5xx; a FHIR route's error is an
// OperationOutcome, the OAuth endpoints' the RFC 6749 error JSON (and the sign-in pages a page);
// no answer names a stack frame, a source file or an SQL error.
import type { RawReply } from './send.js';

const LEAKS = [
  /\bat [\w.<>$ ]+ \([^)]*:\d+:\d+\)/, // a stack frame
  /node_modules|\/src\/[\w/-]+\.ts|\.ts:\d+/,
  /syntax error at or near|invalid input syntax for|violates (unique|foreign key|not-null|check) constraint/i,
  /relation "[^"]+" does not exist|column "[^"]+" does not exist|current transaction is aborted/i,
  /\b(MikroORM|DriverException|QueryFailedError|PGlite|knex)\b/,
  /TypeError|ReferenceError|RangeError|Maximum call stack/,
];

/** A refusal node:http itself makes before any code of ours runs (bad request line, headers too large). */
function parserRefusal(reply: RawReply): boolean {
  return [400, 414, 431].includes(reply.status) && reply.headers['content-type'] === undefined;
}

export function problemsOf(
  request: { method: string; path: string },
  reply: RawReply,
  oauthPaths: readonly string[] = [],
): string[] {
  const problems: string[] = [];
  const text = reply.body.toString('utf8');
  if (reply.status >= 500) problems.push(`status ${reply.status}`);
  for (const leak of LEAKS) if (leak.test(text)) problems.push(`the answer leaks ${leak}: ${text.slice(0, 300)}`);
  if (reply.status < 400 || request.method === 'HEAD' || parserRefusal(reply)) return problems;

  const pathname = request.path.split('?')[0]!;
  const type = String(reply.headers['content-type'] ?? '');
  const onAuth = oauthPaths.some((p) => pathname === p || pathname.startsWith(`${p}/`));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (onAuth) {
    const isOAuthError = typeof (json as { error?: unknown })?.error === 'string';
    if (!isOAuthError && !type.startsWith('text/html'))
      problems.push(
        `${reply.status} on an OAuth path is neither the OAuth error JSON nor a page: ${text.slice(0, 200)}`,
      );
  } else if ((json as { resourceType?: unknown })?.resourceType !== 'OperationOutcome') {
    problems.push(`${reply.status} is not an OperationOutcome: ${type} ${text.slice(0, 200)}`);
  }
  return problems;
}
