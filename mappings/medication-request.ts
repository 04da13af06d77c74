// MedicationRequest ⇄ one entry of prescriptions.medicines (http://hl7.org/fhir/R4/medicationrequest.html):
// the prescription's number groups its requests (groupIdentifier); each entry is one order with its
// dosage, supply and medication (a reference to Medication when the entry names a catalogue row).
// The id is derived from the prescription id and the entry's stable id (D3, fhir_prescription_entry_id).
import type { Dosage, Extension, MedicationRequest } from 'fhir/r4.js';
import type { PrescribedMedicine } from '../src/db/jsonb/shapes.js';
import { dateTimeParam, lastUpdatedParam, referenceParam, utcTimestamp } from './datatypes/clinical-search.js';
import { str } from './datatypes/columns.js';
import { timestampToFhir } from './datatypes/hospital-time.js';
import { medicineCodeSystem } from './medication.js';
import { tokenParam } from './params.js';
import {
  DIGITAL_SIGNATURE,
  DOCUMENT_URL,
  entrySystem,
  numberSystem,
  PHARMACY_NOTIFIED,
  PRESCRIBED_MEDICINE,
  PRESCRIPTION_STATUS,
  RECURRING,
  UCUM,
} from './datatypes/prescription-codes.js';
import { lookupsOf, prescriptionPlan } from './datatypes/prescription-write.js';
import { defineMapping, type JsonRow } from './types.js';

export const MEDICATION_REQUEST_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/medication-request';
function dosage(entry: PrescribedMedicine): Dosage {
  const { frequency, dose, route } = entry;
  return {
    ...(frequency.text ? { text: frequency.text } : {}),
    ...(entry.instructions ? { patientInstruction: entry.instructions } : {}),
    timing: { repeat: { frequency: frequency.count, period: frequency.period, periodUnit: frequency.periodUnit } },
    ...(frequency.asNeeded !== undefined ? { asNeededBoolean: frequency.asNeeded } : {}),
    ...(route ? { route: { text: route } } : {}),
    doseAndRate: [{ doseQuantity: { value: dose.value, ...(dose.unit ? { unit: dose.unit } : {}) } }],
  };
}

function prescribedMedicine(entry: PrescribedMedicine): Extension {
  const part = (url: string, value: string | undefined) => (value ? [{ url, valueString: value }] : []);
  return {
    url: PRESCRIBED_MEDICINE,
    extension: [
      ...part('code', entry.medicineCode),
      ...part('name', entry.name),
      ...part('genericName', entry.genericName),
      ...part('strength', entry.strength),
      ...part('form', entry.form),
    ],
  };
}

/** The entry's medicine id for search: `med.item` is the entry in MEDICATION_REQUEST_FROM. */
const entryField = (field: string) => `(med.item->>'${field}')`;

export const medicationRequestMapping = defineMapping<MedicationRequest>({
  resourceType: 'MedicationRequest',
  profile: MEDICATION_REQUEST_PROFILE,
  conformsTo: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-medicationrequest'],
  interactions: ['read', 'vread', 'search-type', 'create', 'update', 'patch', 'history-instance', 'history-type'],
  source: {
    table: 'prescriptions',
    entries: { column: 'medicines', key: 'id', keyPrefix: 'm', idFunction: 'fhir_prescription_entry_id' },
    numbering: {
      table: 'prescriptions',
      column: 'prescriptionNumber',
      prefix: 'RX-',
      width: 7,
      sequence: 'fhir_prescription_number_seq',
    },
    from: `fhir_prescription_entries x join prescriptions rx on rx.id = x.prescription_id
      cross join lateral (select e.item from jsonb_array_elements(rx.medicines) e(item) where e.item->>'id' = x.entry_id limit 1) med`,
    id: 'x.id',
  },
  compartment: { Patient: 'rx."patientId"' },
  summary: [
    'identifier',
    'status',
    'intent',
    'category',
    'priority',
    'doNotPerform',
    'medicationCodeableConcept',
    'medicationReference',
    'subject',
    'encounter',
    'authoredOn',
    'requester',
    'groupIdentifier',
  ],
  slots: [],
  search: {
    _lastUpdated: lastUpdatedParam,
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/clinical-patient', { Patient: 'rx."patientId"' }),
    subject: referenceParam('http://hl7.org/fhir/SearchParameter/MedicationRequest-subject', {
      Patient: 'rx."patientId"',
    }),
    requester: referenceParam('http://hl7.org/fhir/SearchParameter/MedicationRequest-requester', {
      Practitioner: 'rx."doctorId"',
    }),
    medication: referenceParam('http://hl7.org/fhir/SearchParameter/medications-medication', {
      Medication: `(case when ${entryField('medicineId')} ~ '^[0-9a-fA-F-]{36}$' then ${entryField('medicineId')}::uuid end)`,
    }),
    status: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/medications-status',
      where: ({ code }) => {
        const values = Object.entries(PRESCRIPTION_STATUS.toFhir)
          .filter(([, c]) => c === code)
          .map(([v]) => v);
        const orNull = code === PRESCRIPTION_STATUS.render(null).code ? 'rx.status is null or ' : '';
        if (code === PRESCRIPTION_STATUS.fallback)
          return {
            sql: `(rx.status is not null and rx.status not in (${Object.keys(PRESCRIPTION_STATUS.toFhir)
              .map(() => '?')
              .join(', ')}))`,
            params: Object.keys(PRESCRIPTION_STATUS.toFhir),
          };
        return values.length
          ? { sql: `(${orNull}rx.status in (${values.map(() => '?').join(', ')}))`, params: values }
          : { sql: 'false', params: [] };
      },
    }),
    intent: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/MedicationRequest-intent',
      where: ({ code }) => ({ sql: code === 'order' ? 'true' : 'false', params: [] }),
    }),
    authoredon: dateTimeParam(
      'http://hl7.org/fhir/SearchParameter/MedicationRequest-authoredon',
      utcTimestamp('rx."issuedDate"'),
    ),
    code: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/medications-code',
      where: ({ system, code }, ctx) =>
        system === undefined || system === medicineCodeSystem(ctx)
          ? {
              sql: `(${entryField('medicineCode')} = ? or lower(${entryField('name')}) = lower(?))`,
              params: [code, code],
            }
          : { sql: 'false', params: [] },
    }),
    identifier: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/clinical-identifier',
      where: ({ system, code }, ctx) => {
        const ors: string[] = [];
        const params: unknown[] = [];
        if (system === undefined || system === numberSystem(ctx)) {
          ors.push('rx."prescriptionNumber" = ?');
          params.push(code);
        }
        if (system === undefined || system === entrySystem(ctx)) {
          ors.push(`(rx."prescriptionNumber" || '/' || x.entry_id) = ?`);
          params.push(code);
        }
        return { sql: ors.length ? `(${ors.join(' or ')})` : 'false', params };
      },
    }),
  },

  read({ prescriptions: row, entry: item }, ctx) {
    const rx = (row ?? {}) as JsonRow;
    const entry = item as unknown as PrescribedMedicine;
    const status = PRESCRIPTION_STATUS.render(rx.status);
    const number = String(rx.prescriptionNumber);
    const extension: Extension[] = [prescribedMedicine(entry)];
    if (typeof rx.isRecurring === 'boolean' || str(rx.recurringEndDate))
      extension.push({
        url: RECURRING,
        extension: [
          ...(typeof rx.isRecurring === 'boolean' ? [{ url: 'recurring', valueBoolean: rx.isRecurring }] : []),
          ...(str(rx.recurringEndDate) ? [{ url: 'until', valueDateTime: timestampToFhir(rx.recurringEndDate) }] : []),
        ],
      });
    if (typeof rx.isDigitallySigned === 'boolean' || str(rx.digitalSignatureUrl))
      extension.push({
        url: DIGITAL_SIGNATURE,
        extension: [
          ...(typeof rx.isDigitallySigned === 'boolean' ? [{ url: 'signed', valueBoolean: rx.isDigitallySigned }] : []),
          ...(str(rx.digitalSignatureUrl) ? [{ url: 'url', valueUrl: String(rx.digitalSignatureUrl) }] : []),
        ],
      });
    if (str(rx.pdfUrl)) extension.push({ url: DOCUMENT_URL, valueUrl: String(rx.pdfUrl) });
    for (const pharmacy of Array.isArray(rx.pharmacyNotified) ? rx.pharmacyNotified : [])
      extension.push({ url: PHARMACY_NOTIFIED, valueString: String(pharmacy) });
    const medicine = entry.medicineId
      ? { medicationReference: { ...ctx.ref('Medication', entry.medicineId), display: entry.name } }
      : {
          medicationCodeableConcept: {
            coding: [{ system: medicineCodeSystem(ctx), code: entry.medicineCode, display: entry.name }],
            text: entry.name,
          },
        };
    const issued = timestampToFhir(rx.issuedDate);
    const expiry = timestampToFhir(rx.expiryDate);
    const supply = entry.duration
      ? {
          expectedSupplyDuration: {
            value: entry.duration.value,
            unit: { d: 'days', wk: 'weeks', mo: 'months' }[entry.duration.unit],
            system: UCUM,
            code: entry.duration.unit,
          },
        }
      : {};
    const dispenseRequest = {
      ...(issued || expiry
        ? { validityPeriod: { ...(issued ? { start: issued } : {}), ...(expiry ? { end: expiry } : {}) } }
        : {}),
      ...(entry.refills !== undefined ? { numberOfRepeatsAllowed: entry.refills } : {}),
      ...(entry.quantity
        ? { quantity: { value: entry.quantity.value, ...(entry.quantity.unit ? { unit: entry.quantity.unit } : {}) } }
        : {}),
      ...supply,
    };
    return {
      resourceType: 'MedicationRequest',
      extension,
      identifier: [{ system: entrySystem(ctx), value: `${number}/${entry.id}` }],
      status: status.code,
      ...(status.extension.length ? { _status: { extension: status.extension } } : {}),
      intent: 'order',
      ...medicine,
      subject: ctx.ref('Patient', String(rx.patientId)),
      ...(issued ? { authoredOn: issued } : {}),
      ...(str(rx.doctorId) ? { requester: ctx.ref('Practitioner', String(rx.doctorId)) } : {}),
      ...(str(rx.diagnosis) ? { reasonCode: [{ text: String(rx.diagnosis) }] } : {}),
      groupIdentifier: { system: numberSystem(ctx), value: number },
      ...(str(rx.notes) ? { note: [{ text: String(rx.notes) }] } : {}),
      dosageInstruction: [dosage(entry)],
      ...(Object.keys(dispenseRequest).length ? { dispenseRequest } : {}),
      ...(entry.substitutionAllowed !== undefined
        ? { substitution: { allowedBoolean: entry.substitutionAllowed } }
        : {}),
    } as Omit<MedicationRequest, 'id' | 'meta'>;
  },

  lookups: (resource, ctx) => lookupsOf(resource, ctx),
  write: (resource, ctx, existing, found) => prescriptionPlan(resource, ctx, existing, found),
  softDelete: { root: { deletedAt: 'now' } },
});
