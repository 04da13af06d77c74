// The CapabilityStatement (http://hl7.org/fhir/R4/capabilitystatement.html) lists the clinical
// resources with their profiles, interactions and search parameters, from the mappings (D6).
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';

const SD = 'https://fhir-interop-server.dev/fhir/StructureDefinition';
const EXPECTED: Record<string, { profile: string; writes: boolean; params: string[] }> = {
  Appointment: {
    profile: `${SD}/appointment`,
    writes: true,
    params: ['patient', 'practitioner', 'actor', 'date', 'status', '_lastUpdated'],
  },
  Encounter: {
    profile: `${SD}/encounter`,
    writes: false,
    params: ['patient', 'date', 'status', 'practitioner', 'appointment'],
  },
  Medication: {
    profile: `${SD}/medication`,
    writes: true,
    params: ['code', 'form', 'status', 'lot-number', 'expiration-date'],
  },
  MedicationRequest: {
    profile: `${SD}/medication-request`,
    writes: true,
    params: [
      'patient',
      'subject',
      'status',
      'intent',
      'authoredon',
      'requester',
      'medication',
      'code',
      'identifier',
      '_lastUpdated',
    ],
  },
  Schedule: { profile: `${SD}/schedule`, writes: false, params: ['actor', 'active', 'specialty'] },
  Invoice: {
    profile: `${SD}/invoice`,
    writes: true,
    params: ['patient', 'subject', 'status', 'date', 'identifier', 'totalgross', 'totalnet'],
  },
};

describe('CapabilityStatement › clinical resources', function () {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server?.stop());

  for (const [type, { profile, writes, params }] of Object.entries(EXPECTED))
    it(`${type}: its profile, ${writes ? 'read and write' : 'read-only'} interactions and the issue's search parameters`, async () => {
      const statement = (await server.call('GET', '/metadata')).body;
      const resource = statement.rest[0].resource.find((r: any) => r.type === type);
      expect(resource, type).to.not.equal(undefined);
      expect(resource.profile).to.equal(profile);
      const interactions = resource.interaction.map((i: any) => i.code);
      expect(interactions).to.include.members(['read', 'vread', 'search-type', 'history-instance']);
      expect(interactions.includes('create')).to.equal(writes);
      expect(resource.searchParam.map((p: any) => p.name)).to.include.members(params);
    });
});
