// MedicationRequest → a prescription row and one entry of its medicines array. A create adds the
// entry to the patient's prescription whose number is the groupIdentifier (found by `lookupsOf`),
// or makes a new prescription (its number assigned when the client gives none).
import type { MedicationRequest } from 'fhir/r4.js';
import type { PrescribedMedicine } from '../../src/db/jsonb/shapes.js';
import { jsonbProblems } from '../../src/db/jsonb/validate.js';
import { medicineCodeSystem } from '../medication.js';
import type { JsonRow, MapContext, SqlCondition, Snapshot, WritePlan, WriteProblem } from '../types.js';
import { parseReference } from './clinical-search.js';
import { fits } from './columns.js';
import { fhirToTimestamp } from './hospital-time.js';
import {
  DIGITAL_SIGNATURE,
  DOCUMENT_URL,
  numberSystem,
  PHARMACY_NOTIFIED,
  PRESCRIBED_MEDICINE,
  PRESCRIPTION_STATUS,
  RECURRING,
} from './prescription-codes.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PERIOD_UNITS = ['h', 'd', 'wk', 'mo'] as const;
const DURATION_UNITS = ['d', 'wk', 'mo'] as const;

const groupNumber = (resource: MedicationRequest, ctx: MapContext) => {
  const group = resource.groupIdentifier;
  return group?.value && (group.system === undefined || group.system === numberSystem(ctx)) ? group.value : undefined;
};

const medicineId = (resource: MedicationRequest) => {
  const reference = resource.medicationReference?.reference;
  const parsed = reference ? parseReference(reference) : undefined;
  return parsed && (parsed.type === undefined || parsed.type === 'Medication') && UUID.test(parsed.id)
    ? parsed.id
    : undefined;
};

/** The prescription of the groupIdentifier and the catalogue row of a referenced Medication. */
export function lookupsOf(resource: MedicationRequest, ctx: MapContext): Record<string, SqlCondition> {
  const lookups: Record<string, SqlCondition> = {};
  const number = groupNumber(resource, ctx);
  if (number)
    lookups.group = {
      sql: `select id, "patientId" from prescriptions where "prescriptionNumber" = ? and "deletedAt" is null`,
      params: [number],
    };
  const medicine = medicineId(resource);
  if (medicine)
    lookups.medicine = {
      sql: `select id, "medicineCode", name, "genericName", strength, formulation from medicines
             where id = ?::uuid and "deletedAt" is null`,
      params: [medicine],
    };
  return lookups;
}

function entryOf(
  resource: MedicationRequest,
  ctx: MapContext,
  medicine: JsonRow | undefined,
  problems: WriteProblem[],
): PrescribedMedicine | undefined {
  const named = resource.extension?.find((e) => e.url === PRESCRIBED_MEDICINE);
  const part = (url: string) => named?.extension?.find((e) => e.url === url)?.valueString;
  const concept = resource.medicationCodeableConcept;
  const coding = concept?.coding?.find((c) => c.system === medicineCodeSystem(ctx)) ?? concept?.coding?.[0];
  const reference = medicineId(resource);
  if (resource.medicationReference && !medicine)
    problems.push({
      expression: 'MedicationRequest.medicationReference',
      diagnostics: `${resource.medicationReference.reference ?? 'the reference'} is not a Medication of this server`,
    });
  const code = part('code') ?? (medicine?.medicineCode as string | undefined) ?? coding?.code;
  const name =
    part('name') ??
    (medicine?.name as string | undefined) ??
    concept?.text ??
    coding?.display ??
    resource.medicationReference?.display;
  if (!code || !name) {
    problems.push({
      expression: 'MedicationRequest.medication[x]',
      diagnostics: 'the medication needs a code and a name (a Medication reference, or a coding with text)',
    });
    return undefined;
  }
  const dosage = resource.dosageInstruction?.[0];
  const repeat = dosage?.timing?.repeat;
  const dose = dosage?.doseAndRate?.[0]?.doseQuantity;
  const periodUnit = repeat?.periodUnit as (typeof PERIOD_UNITS)[number] | undefined;
  if (!dose?.value || !repeat?.frequency || !repeat.period || !periodUnit || !PERIOD_UNITS.includes(periodUnit)) {
    problems.push({
      expression: 'MedicationRequest.dosageInstruction[0]',
      diagnostics:
        'dosageInstruction[0] needs doseAndRate[0].doseQuantity.value and timing.repeat frequency, period and periodUnit (h, d, wk or mo)',
    });
    return undefined;
  }
  const supply = resource.dispenseRequest?.expectedSupplyDuration;
  const durationUnit = (supply?.code ?? supply?.unit) as (typeof DURATION_UNITS)[number] | undefined;
  if (supply && (!supply.value || !durationUnit || !DURATION_UNITS.includes(durationUnit)))
    problems.push({
      expression: 'MedicationRequest.dispenseRequest.expectedSupplyDuration',
      diagnostics: 'expectedSupplyDuration needs a value and the UCUM code d, wk or mo',
    });
  const quantity = resource.dispenseRequest?.quantity;
  // D4: an entry's names travel in the prescribed-medicine extension; the catalogue fills in only
  // when the client sent none (an entry without a strength stays without one)
  const catalogue = named ? undefined : medicine;
  const genericName = part('genericName') ?? (catalogue?.genericName as string | null | undefined) ?? undefined;
  const strength = part('strength') ?? (catalogue?.strength as string | undefined);
  const form = part('form') ?? (catalogue?.formulation as string | undefined);
  return {
    id: 'pending',
    ...(reference && medicine ? { medicineId: reference } : {}),
    medicineCode: code,
    name,
    ...(genericName ? { genericName } : {}),
    ...(strength ? { strength } : {}),
    ...(form ? { form } : {}),
    dose: { value: dose.value, ...(dose.unit ? { unit: dose.unit } : {}) },
    ...(dosage?.route?.text ? { route: dosage.route.text } : {}),
    frequency: {
      ...(dosage?.text ? { text: dosage.text } : {}),
      count: repeat.frequency,
      period: repeat.period,
      periodUnit,
      ...(dosage?.asNeededBoolean !== undefined ? { asNeeded: dosage.asNeededBoolean } : {}),
    },
    ...(supply?.value && durationUnit ? { duration: { value: supply.value, unit: durationUnit } } : {}),
    ...(quantity?.value !== undefined
      ? { quantity: { value: quantity.value, ...(quantity.unit ? { unit: quantity.unit } : {}) } }
      : {}),
    ...(resource.dispenseRequest?.numberOfRepeatsAllowed !== undefined
      ? { refills: resource.dispenseRequest.numberOfRepeatsAllowed }
      : {}),
    ...(dosage?.patientInstruction ? { instructions: dosage.patientInstruction } : {}),
    ...(resource.substitution?.allowedBoolean !== undefined
      ? { substitutionAllowed: resource.substitution.allowedBoolean }
      : {}),
  };
}

export function prescriptionPlan(
  resource: MedicationRequest,
  ctx: MapContext,
  existing: Snapshot | undefined,
  found: Readonly<Record<string, JsonRow[]>> = {},
): WritePlan {
  const problems: WriteProblem[] = [];
  const references: NonNullable<WritePlan['references']> = [];
  const ext = (url: string) => resource.extension?.find((e) => e.url === url);
  const sub = (url: string, part: string) => ext(url)?.extension?.find((e) => e.url === part);
  const subject = resource.subject?.reference ? parseReference(resource.subject.reference) : undefined;
  if (!subject || (subject.type !== undefined && subject.type !== 'Patient'))
    problems.push({ expression: 'MedicationRequest.subject', diagnostics: 'the subject must be a Patient' });
  else references.push({ expression: 'MedicationRequest.subject', type: 'Patient', id: subject.id });
  const requester = resource.requester?.reference ? parseReference(resource.requester.reference) : undefined;
  if (requester && requester.type !== 'Practitioner')
    problems.push({ expression: 'MedicationRequest.requester', diagnostics: 'the requester must be a Practitioner' });
  else if (requester)
    references.push({ expression: 'MedicationRequest.requester', type: 'Practitioner', id: requester.id });
  if (resource.intent !== 'order')
    problems.push({
      expression: 'MedicationRequest.intent',
      diagnostics: `intent ${resource.intent} has no place in prescriptions: a prescription is an order`,
    });
  const status = PRESCRIPTION_STATUS.column(resource.status, resource._status?.extension);
  if (status === undefined)
    problems.push({
      expression: 'MedicationRequest.status',
      diagnostics: `the status ${resource.status} has no prescriptions.status value`,
    });
  const issuedDate = fhirToTimestamp(resource.authoredOn);
  if (!resource.authoredOn || !issuedDate)
    problems.push({
      expression: 'MedicationRequest.authoredOn',
      diagnostics: 'authoredOn is required, with a time zone (prescriptions.issuedDate NOT NULL)',
    });
  const expiryDate = fhirToTimestamp(resource.dispenseRequest?.validityPeriod?.end);
  const recurringEnd = fhirToTimestamp(sub(RECURRING, 'until')?.valueDateTime);
  if (expiryDate === undefined || recurringEnd === undefined)
    problems.push({ expression: 'MedicationRequest.dispenseRequest', diagnostics: 'dates need a time zone' });

  // the group: a new entry joins the prescription of its groupIdentifier, which must be the same patient's
  const number = groupNumber(resource, ctx);
  const group = found.group?.[0];
  const existingRow = existing?.prescriptions as JsonRow | undefined;
  if (existing && !existing.entry)
    problems.push({ expression: 'MedicationRequest', diagnostics: 'the entry was removed from its prescription' });
  if (existingRow && number !== undefined && number !== existingRow.prescriptionNumber)
    problems.push({
      expression: 'MedicationRequest.groupIdentifier',
      diagnostics: 'a MedicationRequest cannot move to another prescription',
    });
  const ownerOf = existingRow ?? group;
  if (ownerOf && subject && String(ownerOf.patientId) !== subject.id)
    problems.push({
      expression: 'MedicationRequest.subject',
      diagnostics: `the prescription ${number ?? String(existingRow?.prescriptionNumber)} belongs to another patient`,
    });

  const entry = entryOf(resource, ctx, found.medicine?.[0], problems);
  if (entry) {
    const previousKey = existing?.entry?.id;
    const withKey = { ...entry, id: typeof previousKey === 'string' ? previousKey : 'm1' };
    for (const problem of jsonbProblems('medicines', [withKey]))
      problems.push({ expression: 'MedicationRequest', diagnostics: `the medicine entry ${problem}` });
  }
  const { id: _pending, ...entryValues } = entry ?? ({} as Partial<PrescribedMedicine>);
  const signed = sub(DIGITAL_SIGNATURE, 'signed')?.valueBoolean;
  const recurring = sub(RECURRING, 'recurring')?.valueBoolean;
  const pharmacies = (resource.extension ?? []).filter((e) => e.url === PHARMACY_NOTIFIED).map((e) => e.valueString);
  const root: Record<string, unknown> = {
    patientId: subject?.id,
    doctorId: requester?.id ?? null,
    ...(number !== undefined
      ? { prescriptionNumber: fits(problems, 'MedicationRequest.groupIdentifier', number, 50) }
      : {}),
    status,
    notes: resource.note?.[0]?.text ?? null,
    diagnosis: resource.reasonCode?.[0]?.text ?? null,
    issuedDate,
    expiryDate: expiryDate ?? null,
    isRecurring: recurring ?? (existing ? null : false),
    recurringEndDate: recurringEnd ?? null,
    isDigitallySigned: signed ?? (existing ? null : false),
    digitalSignatureUrl: fits(problems, 'MedicationRequest.extension', sub(DIGITAL_SIGNATURE, 'url')?.valueUrl, 500),
    pdfUrl: fits(problems, 'MedicationRequest.extension', ext(DOCUMENT_URL)?.valueUrl, 500),
    pharmacyNotified: pharmacies.length || existingRow?.pharmacyNotified !== null ? pharmacies : null,
  };
  return {
    root,
    entry: entryValues,
    ...(!existing && group ? { addTo: { rowId: String(group.id) } } : {}),
    problems,
    references,
  };
}
