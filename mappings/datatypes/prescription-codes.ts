// The codes and systems of a prescription's MedicationRequests, shared by their reading
// (mappings/medication-request.ts) and writing (prescription-write.ts).
import type { MedicationRequest } from 'fhir/r4.js';
import type { MapContext } from '../types.js';
import { EXTENSION_BASE, statusTable } from './status-maps.js';

export const PRESCRIBED_MEDICINE = `${EXTENSION_BASE}/prescribed-medicine`;
export const RECURRING = `${EXTENSION_BASE}/recurring`;
export const DIGITAL_SIGNATURE = `${EXTENSION_BASE}/digital-signature`;
export const PHARMACY_NOTIFIED = `${EXTENSION_BASE}/pharmacy-notified`;
export const DOCUMENT_URL = `${EXTENSION_BASE}/document-url`;
export const UCUM = 'http://unitsofmeasure.org';

/** prescriptions.status ⇄ MedicationRequest.status; profiles/ConceptMap-medication-request-status.json. */
export const PRESCRIPTION_STATUS = statusTable<MedicationRequest['status']>({
  toFhir: {
    draft: 'draft',
    active: 'active',
    issued: 'active',
    fulfilled: 'completed',
    completed: 'completed',
    cancelled: 'cancelled',
    stopped: 'stopped',
    expired: 'stopped',
    on_hold: 'on-hold',
    'on-hold': 'on-hold',
    'entered-in-error': 'entered-in-error',
  },
  fallback: 'unknown',
  nullValue: 'draft',
});

export const entrySystem = (ctx: MapContext) => ctx.identifierSystem('prescription-entry');
export const numberSystem = (ctx: MapContext) => ctx.identifierSystem('prescription-number');
