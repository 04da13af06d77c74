// What an audit row must never hold (D9): passwords, the SSN, tokens and MFA secrets, whether they
// come as columns (users.password, patients.ssn) or as FHIR elements (an identifier with the SSN system).
const SECRET_KEYS = /^(password|ssn|mfaSecret|refreshToken|resetPasswordToken|resetPasswordExpires|.*token|.*secret)$/i;
const SECRET_SYSTEMS = new Set(['http://hl7.org/fhir/sid/us-ssn']);

/** A copy of `value` with secret keys and SSN identifiers removed. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value))
    return value
      .filter(
        (item) =>
          !(item && typeof item === 'object' && SECRET_SYSTEMS.has(String((item as { system?: unknown }).system))),
      )
      .map(withoutSecrets);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (!SECRET_KEYS.test(key)) out[key] = withoutSecrets(item);
  return out;
}
