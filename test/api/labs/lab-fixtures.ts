// What the lab tests share: an order as the hospital's application writes it (a lab_tests row),
// and the transaction a lab sends back: a DiagnosticReport with its Observations by urn:uuid.
import { insertRow } from '../clinical/clinical-fixtures.js';
import type { TestServer } from '../../support/server.js';

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

export function order(server: TestServer, patientId: string, values: Record<string, unknown> = {}) {
  return insertRow(server, 'lab_tests', {
    patientId,
    testName: 'Basic metabolic panel',
    testCode: '51990-0',
    status: 'ordered',
    description: 'Basic metabolic panel - Blood',
    orderedBy: 'Dr. Hana Heart',
    orderedDate: '2026-03-01T08:00:00',
    ...values,
  });
}

export function labObservation(patient: string, orderId: string, i: number, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    basedOn: [{ reference: `ServiceRequest/${orderId}` }],
    status: 'final',
    category: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }],
      },
    ],
    code: { coding: [{ system: LOINC, code: '2345-7', display: 'Glucose' }], text: `Glucose ${i}` },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: '2026-03-02T07:30:00Z',
    valueQuantity: { value: 90 + i, unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
    referenceRange: [
      {
        low: { value: 70, unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
        high: { value: 99, unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
      },
    ],
    interpretation: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N' }] },
    ],
    ...extra,
  };
}

/** A lab's transaction: `results` Observations and the report on the order, by urn:uuid references. */
export function labTransaction(
  patient: string,
  orderId: string,
  results: number,
  options: { observation?: (i: number) => Record<string, unknown>; report?: Record<string, unknown> } = {},
) {
  const urls = Array.from({ length: results }, () => `urn:uuid:${crypto.randomUUID()}`);
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: `urn:uuid:${crypto.randomUUID()}`,
        resource: {
          resourceType: 'DiagnosticReport',
          basedOn: [{ reference: `ServiceRequest/${orderId}` }],
          status: 'final',
          category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
          code: {
            coding: [{ system: LOINC, code: '51990-0', display: 'Basic metabolic panel' }],
            text: 'Basic metabolic panel',
          },
          subject: { reference: `Patient/${patient}` },
          effectiveDateTime: '2026-03-02T07:30:00Z',
          issued: '2026-03-03T10:00:00Z',
          performer: [{ display: 'Lee Lab, MLS' }],
          result: urls.map((reference) => ({ reference })),
          conclusion: 'All results within reference ranges.',
          presentedForm: [{ contentType: 'application/pdf', url: 'https://files.example.org/lab/r.pdf' }],
          ...options.report,
        },
        request: { method: 'POST', url: 'DiagnosticReport' },
      },
      ...urls.map((fullUrl, i) => ({
        fullUrl,
        resource: labObservation(patient, orderId, i, options.observation?.(i)),
        request: { method: 'POST', url: 'Observation' },
      })),
    ],
  };
}
