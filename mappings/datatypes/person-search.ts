// The search parameters of a person stored in users (alias u): Patient and Practitioner share them
// (http://hl7.org/fhir/R4/searchparameter-registry.html, the individual-* parameters).
import { codeParam, stringParam, tokenParam } from '../params.js';
import type { SearchParamDefinition, SqlCondition } from '../types.js';

const CORE = 'http://hl7.org/fhir/SearchParameter';
const EMAIL: SqlCondition = { sql: 'lower(u.email) = lower(?)', params: [] };

/** ContactPoint as a token: system is ContactPoint.system (email, phone), code its value. */
function telecomWhere(system: string | undefined, code: string): SqlCondition {
  const email = { sql: EMAIL.sql, params: [code] };
  const phone = { sql: 'u."phoneNumber" = ?', params: [code] };
  const present = (column: string) => ({ sql: `${column} is not null`, params: [] });
  if (system === 'email') return code === '' ? present('u.email') : email;
  if (system === 'phone') return code === '' ? present('u."phoneNumber"') : phone;
  if (system !== undefined) return { sql: 'false', params: [] };
  return { sql: `(${email.sql} or ${phone.sql})`, params: [code, code] };
}

export function personSearch(resourceType: 'Patient' | 'Practitioner'): Record<string, SearchParamDefinition> {
  const address = ['u.address', 'u.city', 'u.state', 'u."postalCode"', 'u.country'];
  return {
    family: stringParam(`${CORE}/individual-family`, ['u."lastName"']),
    given: stringParam(`${CORE}/individual-given`, ['u."firstName"']),
    name: stringParam(`${CORE}/${resourceType}-name`, ['u."firstName"', 'u."lastName"'], {
      sort: 'u."lastName"',
    }),
    telecom: tokenParam({
      definition: `${CORE}/individual-telecom`,
      missing: '(u.email is null and u."phoneNumber" is null)',
      where: ({ system, code }) => telecomWhere(system, code),
    }),
    email: tokenParam({
      definition: `${CORE}/individual-email`,
      missing: 'u.email is null',
      sort: 'lower(u.email)',
      where: ({ system, code }) =>
        system !== undefined && system !== 'email' ? { sql: 'false', params: [] } : telecomWhere('email', code),
    }),
    phone: tokenParam({
      definition: `${CORE}/individual-phone`,
      missing: 'u."phoneNumber" is null',
      sort: 'u."phoneNumber"',
      where: ({ system, code }) =>
        system !== undefined && system !== 'phone' ? { sql: 'false', params: [] } : telecomWhere('phone', code),
    }),
    gender: codeParam(`${CORE}/individual-gender`, 'u.gender', {
      system: 'http://hl7.org/fhir/administrative-gender',
    }),
    address: stringParam(`${CORE}/individual-address`, address),
    'address-city': stringParam(`${CORE}/individual-address-city`, ['u.city']),
    'address-state': stringParam(`${CORE}/individual-address-state`, ['u.state']),
    'address-postalcode': stringParam(`${CORE}/individual-address-postalcode`, ['u."postalCode"']),
    'address-country': stringParam(`${CORE}/individual-address-country`, ['u.country']),
  };
}
