// The search parameters of a person stored in users (alias u): Patient and Practitioner share them
// (http://hl7.org/fhir/R4/searchparameter-registry.html, the individual-* parameters).
import { stringParam, tokenParam } from '../params.js';
import type { SearchParamDefinition } from '../types.js';

export function personSearch(resourceType: 'Patient' | 'Practitioner'): Record<string, SearchParamDefinition> {
  return {
    family: stringParam('http://hl7.org/fhir/SearchParameter/individual-family', ['u."lastName"']),
    given: stringParam('http://hl7.org/fhir/SearchParameter/individual-given', ['u."firstName"']),
    name: stringParam(`http://hl7.org/fhir/SearchParameter/${resourceType}-name`, ['u."firstName"', 'u."lastName"']),
    email: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/individual-email',
      where: ({ code }) => ({ sql: 'lower(u.email) = lower(?)', params: [code] }),
    }),
    phone: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/individual-phone',
      where: ({ code }) => ({ sql: 'u."phoneNumber" = ?', params: [code] }),
    }),
    gender: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/individual-gender',
      where: ({ code }) => ({ sql: 'u.gender = ?', params: [code] }),
    }),
  };
}
