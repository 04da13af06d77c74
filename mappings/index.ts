// The registry: the ordered list of resource mappings. Everything else iterates it (D6).
import { allergyIntoleranceMapping } from './allergy-intolerance.js';
import { appointmentMapping } from './appointment.js';
import { auditEventMapping } from './audit-event.js';
import { documentReferenceMapping } from './document-reference.js';
import { conditionMapping } from './condition.js';
import { coverageMapping } from './coverage.js';
import { diagnosticReportMapping } from './diagnostic-report.js';
import { encounterMapping } from './encounter.js';
import { invoiceMapping } from './invoice.js';
import { medicationRequestMapping } from './medication-request.js';
import { medicationMapping } from './medication.js';
import { observationMapping } from './observation.js';
import { patientMapping } from './patient.js';
import { practitionerRoleMapping } from './practitioner-role.js';
import { practitionerMapping } from './practitioner.js';
import { scheduleMapping } from './schedule.js';
import { serviceRequestMapping } from './service-request.js';
import { slotMapping } from './slot.js';
import type { ResourceMapping } from './types.js';

export const mappings: readonly ResourceMapping[] = [
  patientMapping,
  practitionerMapping,
  practitionerRoleMapping,
  appointmentMapping,
  encounterMapping,
  invoiceMapping,
  medicationMapping,
  medicationRequestMapping,
  scheduleMapping,
  slotMapping,
  documentReferenceMapping,
  allergyIntoleranceMapping,
  conditionMapping,
  coverageMapping,
  serviceRequestMapping,
  diagnosticReportMapping,
  observationMapping,
  auditEventMapping,
] as unknown as ResourceMapping[];
