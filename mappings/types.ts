// The contract of a resource mapping (D6): one declarative definition per FHIR resource, read by
// the REST layer, the search compiler, scope checks, Bulk export and the CapabilityStatement.
import type { FhirResource } from 'fhir/r4.js';

export type ResourceType = FhirResource['resourceType'];

export type Interaction =
  'read' | 'vread' | 'search-type' | 'create' | 'update' | 'patch' | 'delete' | 'history-instance' | 'history-type';

export type SearchParamType = 'string' | 'token' | 'date' | 'reference' | 'number' | 'quantity' | 'uri' | 'composite';

export interface SearchParamDefinition {
  type: SearchParamType;
  /** Canonical URL of the SearchParameter (core or profiles/). */
  definition?: string;
  documentation?: string;
}

export interface ResourceMapping {
  resourceType: ResourceType;
  /** Canonical URL of the profile; its StructureDefinition lives in profiles/. */
  profile: string;
  interactions: readonly Interaction[];
  search: Readonly<Record<string, SearchParamDefinition>>;
}
