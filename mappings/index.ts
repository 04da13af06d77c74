// The registry: the ordered list of resource mappings. Everything else iterates it (D6).
import { auditEventMapping } from './audit-event.js';
import { patientMapping } from './patient.js';
import { practitionerRoleMapping } from './practitioner-role.js';
import { practitionerMapping } from './practitioner.js';
import type { ResourceMapping } from './types.js';

export const mappings: readonly ResourceMapping[] = [
  patientMapping,
  practitionerMapping,
  practitionerRoleMapping,
  auditEventMapping,
] as unknown as ResourceMapping[];
