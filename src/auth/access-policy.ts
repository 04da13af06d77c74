// SMART scopes as SQL (D8, STYLE habit 7): a principal becomes a FhirAccess whose check refuses
// interactions no scope grants (403) and whose filter is the predicate, over the mapping's
// `source.from` aliases, of the rows the grants reach: the patient compartment for patient-context
// tokens (and for `user/` scopes of patient users), the v2 search-parameter restrictions compiled
// by the mapping's own search parameters. Resources outside the Patient compartment (Practitioner,
// PractitionerRole) are readable under a patient context but not writable. Rows a mapping marks
// `confidential` (restricted medical records) are hidden from principals that are not staff.
import type { Interaction, MapContext, ResourceMapping, SearchValue, SqlCondition } from '../../mappings/types.js';
import type { FhirAccess } from '../fhir/access.js';
import { FhirError } from '../fhir/outcome.js';
import type { Principal } from './principal.js';
import { actionOf, type Grant } from './scopes.js';

const NONE: SqlCondition = { sql: 'false', params: [] };

function searchValue(raw: string): SearchValue {
  const bar = raw.indexOf('|');
  return bar < 0 ? { raw, code: raw } : { raw, system: raw.slice(0, bar), code: raw.slice(bar + 1) };
}

function and(conditions: SqlCondition[]): SqlCondition | undefined {
  if (conditions.length === 0) return undefined;
  return { sql: conditions.map((c) => `(${c.sql})`).join(' and '), params: conditions.flatMap((c) => c.params) };
}

/** The patient a grant limits rows to; null when it does not limit them, undefined when it allows none. */
function compartmentPatient(grant: Grant, principal: Principal): string | null | undefined {
  if (grant.context === 'system') return null;
  if (grant.context === 'user') return principal.staff ? null : principal.userPatient;
  return principal.patient;
}

function grantCondition(grant: Grant, principal: Principal, mapping: ResourceMapping, ctx: MapContext) {
  const parts: SqlCondition[] = [];
  if (mapping.compartment) {
    const patient = compartmentPatient(grant, principal);
    if (patient === undefined) return NONE;
    if (patient !== null) parts.push({ sql: `${mapping.compartment.Patient} = ?`, params: [patient] });
  }
  for (const { name, value } of grant.restrictions) {
    const param = mapping.search[name];
    if (!param) return NONE;
    const ors = value.split(',').map((v) => param.where(searchValue(v), ctx));
    parts.push({ sql: ors.map((o) => `(${o.sql})`).join(' or '), params: ors.flatMap((o) => o.params) });
  }
  return and(parts);
}

export function accessPolicy(principal: Principal, ctx: MapContext): FhirAccess {
  const grantsFor = (mapping: ResourceMapping, interaction: Interaction) => {
    const action = actionOf(interaction);
    // A grant limited to one patient reads shared resources outside the compartment, never writes them.
    const writes = action === 'c' || action === 'u' || action === 'd';
    return principal.grants.filter(
      (g) =>
        (g.type === '*' || g.type === mapping.resourceType) &&
        g.actions.has(action) &&
        !(writes && !mapping.compartment && compartmentPatient(g, principal) !== null),
    );
  };
  const grantsReach = (mapping: ResourceMapping, interaction: Interaction): SqlCondition | undefined => {
    const grants = grantsFor(mapping, interaction);
    if (grants.length === 0) return NONE;
    const conditions: SqlCondition[] = [];
    for (const grant of grants) {
      const condition = grantCondition(grant, principal, mapping, ctx);
      if (!condition) return undefined;
      conditions.push(condition);
    }
    if (conditions.length === 1) return conditions[0];
    return {
      sql: conditions.map((c) => `(${c.sql})`).join(' or '),
      params: conditions.flatMap((c) => c.params),
    };
  };
  return {
    check(mapping, interaction) {
      if (grantsFor(mapping, interaction).length === 0)
        throw new FhirError(
          'forbidden',
          'FHIR-0403',
          `the access token's scopes do not allow ${interaction} on ${mapping.resourceType}`,
        );
    },
    allowsId(mapping, interaction, id) {
      // Only a compartment on the resource's own id (Patient: p.id) can be told without SQL.
      if (!mapping.compartment || mapping.compartment.Patient !== mapping.source.id) return undefined;
      const grants = grantsFor(mapping, interaction);
      if (grants.some((g) => g.restrictions.length > 0)) return undefined;
      return grants.some((g) => {
        const patient = compartmentPatient(g, principal);
        return patient === null || patient?.toLowerCase() === id.toLowerCase();
      });
    },
    filter(mapping, interaction = 'search-type') {
      const reach = grantsReach(mapping, interaction);
      // Restricted rows (securityLabel R) only for staff: clinical and administrative users, system clients.
      if (!mapping.confidential || principal.staff) return reach;
      const unrestricted = { sql: `not (${mapping.confidential})`, params: [] };
      return reach ? and([reach, unrestricted]) : unrestricted;
    },
  };
}
