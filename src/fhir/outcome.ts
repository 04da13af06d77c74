// FHIR errors as values (D10): one error type, its HTTP status decided here, rendered once as an
// OperationOutcome (http://hl7.org/fhir/R4/operationoutcome.html). Every message has a stable code.
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';

export type IssueCode = OperationOutcomeIssue['code'];
export type IssueSeverity = OperationOutcomeIssue['severity'];

/** Issue code → HTTP status, the one table (http://hl7.org/fhir/R4/http.html#Status-Codes). */
const STATUS: Partial<Record<IssueCode, number>> = {
  invalid: 400,
  structure: 400,
  required: 400,
  value: 400,
  invariant: 400,
  security: 401,
  login: 401,
  forbidden: 403,
  suppressed: 403,
  'not-found': 404,
  'not-supported': 405,
  duplicate: 409,
  conflict: 409,
  deleted: 410,
  'too-costly': 413,
  'business-rule': 422,
  throttled: 429,
  exception: 500,
  timeout: 503,
  transient: 503,
};

export interface FhirErrorOptions {
  status?: number;
  expression?: string[];
  headers?: Record<string, string>;
}

export class FhirError extends Error {
  readonly status: number;
  readonly expression: string[] | undefined;
  readonly headers: Record<string, string>;
  /** Several issues at once (validation); otherwise one issue is made from the error itself. */
  issues: OperationOutcomeIssue[] | undefined;

  constructor(
    readonly code: IssueCode,
    /** Stable message code, e.g. FHIR-0404. */
    readonly messageCode: string,
    diagnostics: string,
    options: FhirErrorOptions = {},
  ) {
    super(diagnostics);
    this.name = 'FhirError';
    this.status = options.status ?? STATUS[code] ?? 400;
    this.expression = options.expression;
    this.headers = options.headers ?? {};
  }

  static invalid(diagnostics: string, expression?: string[]): FhirError {
    return new FhirError('invalid', 'FHIR-0400', diagnostics, { expression });
  }
  static notFound(diagnostics: string): FhirError {
    return new FhirError('not-found', 'FHIR-0404', diagnostics);
  }
  static duplicate(diagnostics: string): FhirError {
    return new FhirError('duplicate', 'FHIR-0409', diagnostics);
  }
  static conflict(diagnostics: string, expression?: string[]): FhirError {
    return new FhirError('conflict', 'FHIR-0409', diagnostics, { expression });
  }
  static gone(diagnostics: string): FhirError {
    return new FhirError('deleted', 'FHIR-0410', diagnostics);
  }
  static preconditionFailed(diagnostics: string): FhirError {
    return new FhirError('conflict', 'FHIR-0412', diagnostics, { status: 412 });
  }
  /** 422: what the server cannot store, each problem with its element (D4). */
  static unprocessable(problems: readonly { expression: string; diagnostics: string }[]): FhirError {
    const error = new FhirError('business-rule', 'FHIR-0422', problems.map((p) => p.diagnostics).join('; '), {
      status: 422,
    });
    error.issues = problems.map((p) => ({
      severity: 'error',
      code: 'business-rule',
      diagnostics: p.diagnostics,
      expression: [p.expression],
    }));
    return error;
  }
  /** 422 or 400 with every validation problem of a resource. */
  static invalidResource(issues: OperationOutcomeIssue[], status = 422): FhirError {
    const error = new FhirError('invalid', 'FHIR-0422', issues.map((i) => i.diagnostics).join('; '), { status });
    error.issues = issues;
    return error;
  }
  static methodNotAllowed(diagnostics: string, allow: readonly string[]): FhirError {
    return new FhirError('not-supported', 'FHIR-0405', diagnostics, { headers: { Allow: allow.join(', ') } });
  }
  static notAcceptable(diagnostics: string): FhirError {
    return new FhirError('not-supported', 'FHIR-0406', diagnostics, { status: 406 });
  }
  static tooLarge(diagnostics: string): FhirError {
    return new FhirError('too-costly', 'FHIR-0413', diagnostics, { status: 413 });
  }
  static unsupportedMediaType(diagnostics: string): FhirError {
    return new FhirError('not-supported', 'FHIR-0415', diagnostics, { status: 415 });
  }
  static unavailable(diagnostics: string, retryAfterSeconds = 5): FhirError {
    return new FhirError('transient', 'FHIR-0503', diagnostics, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
  static internal(requestId: string): FhirError {
    return new FhirError('exception', 'FHIR-0500', `internal error; quote request id ${requestId} to the operator`);
  }

  toOperationOutcome(): OperationOutcome {
    if (this.issues?.length) return { resourceType: 'OperationOutcome', issue: this.issues };
    return operationOutcome(this.status >= 500 ? 'fatal' : 'error', this.code, this.message, {
      messageCode: this.messageCode,
      expression: this.expression,
    });
  }
}

export function operationOutcome(
  severity: IssueSeverity,
  code: IssueCode,
  diagnostics: string,
  extra: { messageCode?: string; expression?: string[] } = {},
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, diagnostics };
  if (extra.messageCode)
    issue.details = {
      coding: [{ system: 'urn:fhir-server:message-code', code: extra.messageCode }],
      text: diagnostics,
    };
  if (extra.expression?.length) issue.expression = extra.expression;
  return { resourceType: 'OperationOutcome', issue: [issue] };
}
