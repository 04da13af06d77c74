// The CapabilityStatement (http://hl7.org/fhir/R4/capabilitystatement.html), built from the
// mapping registry so it never declares what the server does not do.
import type { CapabilityStatement, CapabilityStatementRestResource, CapabilityStatementRestSecurity } from 'fhir/r4.js';
import type { Interaction, ResourceMapping } from '../../mappings/types.js';
import { COMMON_PARAMS } from '../search/compile.js';
import { EVERYTHING_OPERATION } from './operations/patient-everything.js';
import { MATCH_OPERATION } from './operations/patient-match.js';

const BULK = 'http://hl7.org/fhir/uv/bulkdata';

export interface SoftwareInfo {
  name: string;
  version: string;
  releaseDate?: string;
}

export interface CapabilityInput {
  baseUrl: string;
  software: SoftwareInfo;
  mappings: readonly ResourceMapping[];
  /** When the statement was generated: the server's start. */
  date: string;
  /** rest.security (SMART on FHIR) when authorization is on. */
  security?: CapabilityStatementRestSecurity;
  /** Bulk Data export and the read-only Groups are served (the server runs the export worker). */
  bulkExport?: boolean;
}

function restResource(
  mapping: ResourceMapping,
  all: readonly ResourceMapping[],
  bulkExport: boolean,
): CapabilityStatementRestResource {
  const can = (interaction: Interaction) => mapping.interactions.includes(interaction);
  const resource: CapabilityStatementRestResource = {
    type: mapping.resourceType,
    profile: mapping.profile,
    supportedProfile: [
      ...new Set(
        [mapping, ...(mapping.sources ?? [])].flatMap((source) => [source.profile, ...(source.conformsTo ?? [])]),
      ),
    ],
    ...(mapping.confidential
      ? {
          documentation:
            'Resources labelled restricted (securityLabel R, v3-Confidentiality) are served only to staff principals (doctor, nurse or admin users, Backend Services clients) when SMART authorization is on.',
        }
      : {}),
    interaction: mapping.interactions.map((code) => ({ code })),
    versioning: can('update') ? 'versioned-update' : 'versioned',
    readHistory: can('vread'),
    updateCreate: can('update'),
    conditionalCreate: can('create'),
    conditionalRead: 'full-support',
    conditionalUpdate: can('update'),
    conditionalDelete: can('delete') ? 'single' : 'not-supported',
    operation: [
      { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' },
      ...(mapping.resourceType === 'Patient' && can('search-type')
        ? [
            { name: 'match', definition: MATCH_OPERATION },
            { name: 'everything', definition: EVERYTHING_OPERATION },
            ...(bulkExport ? [{ name: 'export', definition: `${BULK}/OperationDefinition/patient-export` }] : []),
          ]
        : []),
    ],
  };
  const params = [...Object.entries(COMMON_PARAMS), ...Object.entries(mapping.search)];
  if (can('search-type'))
    resource.searchParam = params.map(([name, param]) => ({
      name,
      type: param.type ?? 'token',
      ...(param.definition ? { definition: param.definition } : {}),
      ...(param.documentation ? { documentation: param.documentation } : {}),
    }));
  const references = Object.entries(mapping.search).filter(([, p]) => p.type === 'reference' && p.targets);
  if (can('search-type') && references.length)
    resource.searchInclude = ['*', ...references.map(([name]) => `${mapping.resourceType}:${name}`)];
  const referring = all
    .filter((m) => m.interactions.includes('search-type'))
    .flatMap((m) =>
      Object.entries(m.search)
        .filter(([, p]) => p.type === 'reference' && p.targets?.[mapping.resourceType])
        .map(([name]) => `${m.resourceType}:${name}`),
    );
  if (can('search-type') && referring.length) resource.searchRevInclude = referring;
  return resource;
}

export function buildCapabilityStatement(input: CapabilityInput): CapabilityStatement {
  const bulk = input.bulkExport === true;
  const resources = input.mappings.map((m) => restResource(m, input.mappings, bulk));
  if (bulk)
    resources.push({
      type: 'Group',
      documentation:
        'Read-only: all-patients, and one practitioner panel per doctor (Group.id = Practitioner.id): the patients with appointments with that doctor.',
      interaction: [{ code: 'read' }, { code: 'search-type' }],
      searchParam: [{ name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' }],
      operation: [{ name: 'export', definition: `${BULK}/OperationDefinition/group-export` }],
    });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: input.date,
    publisher: 'FHIR interoperability server (open source, Apache-2.0)',
    kind: 'instance',
    software: {
      name: input.software.name,
      version: input.software.version,
      ...(input.software.releaseDate ? { releaseDate: input.software.releaseDate } : {}),
    },
    implementation: { description: 'FHIR R4 server over the hospital database', url: input.baseUrl },
    ...(bulk ? { instantiates: [`${BULK}/CapabilityStatement/bulk-data`] } : {}),
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: 'FHIR R4 REST over the hospital database tables.',
        ...(input.security ? { security: input.security } : {}),
        ...(resources.length > 0 ? { resource: resources } : {}),
        ...(resources.length > 0
          ? {
              interaction: [
                { code: 'transaction' as const },
                { code: 'batch' as const },
                { code: 'search-system' as const },
                { code: 'history-system' as const },
              ],
            }
          : {}),
        ...(bulk ? { operation: [{ name: 'export', definition: `${BULK}/OperationDefinition/export` }] } : {}),
      },
    ],
  };
}
