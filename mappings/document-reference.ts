// DocumentReference ⇄ medical_records (http://hl7.org/fhir/R4/documentreference.html): a clinical
// record of a patient's visit. type from recordType (LOINC document codes where one fits),
// description from title, content = the record as readable text (description, findings,
// diagnosis, treatment) plus each of attachmentUrls; securityLabel R (restricted) when
// isConfidential, which src/auth/access-policy.ts enforces through `confidential`.
import type { Attachment, DocumentReference, Extension, Reference } from 'fhir/r4.js';
import { lastUpdatedParam, parseReference, referenceParam } from './datatypes/clinical-search.js';
import { fits, fullDate, str } from './datatypes/columns.js';
import { fhirToTimestamp, timestampToFhir } from './datatypes/hospital-time.js';
import { EXTENSION_BASE } from './datatypes/status-maps.js';
import { dateParam, tokenParam } from './params.js';
import { defineMapping, READ_WRITE_INTERACTIONS, type MapContext, type WriteProblem } from './types.js';

export const DOCUMENT_REFERENCE_PROFILE = `${EXTENSION_BASE}/document-reference`;
export const RECORD_SECTIONS = `${EXTENSION_BASE}/medical-record-sections`;
export const LOINC = 'http://loinc.org';
export const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category';
const TEXT_TYPE = 'text/plain; charset=utf-8';
export const US_CORE_DOCUMENT_REFERENCE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-documentreference';
// US Core binds type (required) to LOINC document codes or this one: the record type no LOINC code names.
const UNKNOWN_TYPE = { system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', code: 'UNK', display: 'unknown' };

/** recordType → LOINC document code (null: no LOINC code fits; the record type system alone). */
export const RECORD_TYPES: Readonly<Record<string, { code: string; display: string } | null>> = {
  consultation: { code: '11488-4', display: 'Consult note' },
  diagnosis: null,
  test: { code: '11502-2', display: 'Laboratory report' },
  surgery: { code: '11504-8', display: 'Surgical operation note' },
  discharge: { code: '18842-5', display: 'Discharge summary' },
  progress: { code: '11506-3', display: 'Progress note' },
  imaging: { code: '18748-4', display: 'Diagnostic imaging study' },
};
const byLoinc = new Map(Object.entries(RECORD_TYPES).flatMap(([type, l]) => (l ? [[l.code, type] as const] : [])));

/** The code system of recordType values (also those other applications wrote, kept as they are). */
export const recordTypeSystem = (ctx: MapContext) => ctx.identifierSystem('record-type');

const SECTIONS = ['description', 'findings', 'diagnosis', 'treatment'] as const;
const HEADINGS: Record<(typeof SECTIONS)[number], string> = {
  description: '',
  findings: 'Findings',
  diagnosis: 'Diagnosis',
  treatment: 'Treatment plan',
};

/** The record as one readable text: the description, then each section present under its heading. */
export function readableRecord(row: Record<string, unknown>): string {
  return SECTIONS.filter((s) => str(row[s]))
    .map((s) => (HEADINGS[s] ? `${HEADINGS[s]}: ${String(row[s])}` : String(row[s])))
    .join('\n\n');
}

const confidential = `coalesce(mr."isConfidential", true)`;

export const documentReferenceMapping = defineMapping<DocumentReference>({
  resourceType: 'DocumentReference',
  profile: DOCUMENT_REFERENCE_PROFILE,
  conformsTo: [US_CORE_DOCUMENT_REFERENCE],
  interactions: READ_WRITE_INTERACTIONS,
  source: { table: 'medical_records', from: 'medical_records mr', id: 'mr.id', hardDelete: true },
  compartment: { Patient: 'mr."patientId"' },
  confidential,
  summary: [
    'masterIdentifier',
    'identifier',
    'status',
    'docStatus',
    'type',
    'category',
    'subject',
    'date',
    'author',
    'authenticator',
    'custodian',
    'relatesTo',
    'description',
    'securityLabel',
    'content',
  ],
  slots: [
    { path: 'extension', key: (item) => (item.url === RECORD_SECTIONS ? RECORD_SECTIONS : undefined) },
    {
      // the readable text and each attachment URL are the columns'; the client's order is kept
      path: 'content',
      key: (item) => {
        const attachment = item.attachment as Attachment | undefined;
        if (attachment?.url) return `url:${attachment.url}`;
        return attachment?.data !== undefined ? 'text' : undefined;
      },
    },
  ],
  search: {
    _lastUpdated: lastUpdatedParam,
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/clinical-patient', { Patient: 'mr."patientId"' }),
    subject: referenceParam('http://hl7.org/fhir/SearchParameter/DocumentReference-subject', {
      Patient: 'mr."patientId"',
    }),
    author: referenceParam('http://hl7.org/fhir/SearchParameter/DocumentReference-author', {
      Practitioner: 'mr."doctorId"',
    }),
    type: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/clinical-type',
      text: ['mr."recordType"'],
      where: ({ system, code }, ctx) => {
        const types: string[] = [];
        if (system === undefined || system === LOINC) {
          const type = byLoinc.get(code);
          if (type) types.push(type);
        }
        if (system === undefined || system === recordTypeSystem(ctx)) types.push(code);
        return types.length
          ? { sql: `mr."recordType" in (${types.map(() => '?').join(', ')})`, params: types }
          : { sql: 'false', params: [] };
      },
    }),
    date: dateParam('http://hl7.org/fhir/SearchParameter/DocumentReference-date', 'mr."createdAt"', {
      kind: 'timestamp',
    }),
    period: dateParam('http://hl7.org/fhir/SearchParameter/DocumentReference-period', 'mr."visitDate"'),
    'security-label': tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/DocumentReference-security-label',
      where: ({ system, code }) => {
        if (system !== undefined && system !== CONFIDENTIALITY) return { sql: 'false', params: [] };
        if (code === 'R') return { sql: confidential, params: [] };
        if (code === 'N') return { sql: `not ${confidential}`, params: [] };
        return { sql: 'false', params: [] };
      },
    }),
  },

  read({ medical_records: row }, ctx) {
    const r = row ?? {};
    const type = String(r.recordType);
    const loinc = RECORD_TYPES[type];
    const extension: Extension[] = [
      {
        url: RECORD_SECTIONS,
        extension: SECTIONS.filter((s) => str(r[s])).map((s) => ({ url: s, valueString: String(r[s]) })),
      },
    ];
    const author: Reference[] = [];
    if (str(r.doctorId) || str(r.doctorName))
      author.push({
        ...(str(r.doctorId) ? ctx.ref('Practitioner', String(r.doctorId)) : {}),
        ...(str(r.doctorName) ? { display: String(r.doctorName) } : {}),
      });
    const urls = Array.isArray(r.attachmentUrls) ? (r.attachmentUrls as unknown[]).map(String) : [];
    const restricted = r.isConfidential !== false;
    const created = timestampToFhir(r.createdAt);
    return {
      resourceType: 'DocumentReference',
      extension,
      status: 'current',
      type: {
        coding: [
          loinc ? { system: LOINC, code: loinc.code, display: loinc.display } : UNKNOWN_TYPE,
          { system: recordTypeSystem(ctx), code: type },
        ],
        text: type,
      },
      category: [{ coding: [{ system: CATEGORY, code: 'clinical-note', display: 'Clinical Note' }] }],
      subject: ctx.ref('Patient', String(r.patientId)),
      ...(created ? { date: created } : {}),
      ...(author.length ? { author } : {}),
      description: String(r.title),
      securityLabel: [
        {
          coding: [
            restricted
              ? { system: CONFIDENTIALITY, code: 'R', display: 'restricted' }
              : { system: CONFIDENTIALITY, code: 'N', display: 'normal' },
          ],
        },
      ],
      content: [
        { attachment: { contentType: TEXT_TYPE, data: Buffer.from(readableRecord(r), 'utf8').toString('base64') } },
        ...urls.map((url) => ({ attachment: { url } })),
      ],
      ...(str(r.visitDate) ? { context: { period: { start: String(r.visitDate).slice(0, 10) } } } : {}),
    } as Omit<DocumentReference, 'id' | 'meta'>;
  },

  write(resource, ctx) {
    const problems: WriteProblem[] = [];
    const references: { expression: string; type: 'Patient' | 'Practitioner'; id: string }[] = [];
    if (resource.status !== 'current')
      problems.push({
        expression: 'DocumentReference.status',
        diagnostics: 'only current records are stored (medical_records has no status column)',
      });
    const subject = resource.subject?.reference ? parseReference(resource.subject.reference) : undefined;
    if (subject?.type !== 'Patient')
      problems.push({
        expression: 'DocumentReference.subject',
        diagnostics: 'a DocumentReference needs a subject that is a Patient (medical_records.patientId)',
      });
    else references.push({ expression: 'DocumentReference.subject', type: 'Patient', id: subject.id });

    const recordType = recordTypeOf(resource, ctx);
    if (!recordType)
      problems.push({
        expression: 'DocumentReference.type',
        diagnostics: `type must be a record type (${Object.keys(RECORD_TYPES).join(', ')}): a LOINC code of one, a code of ${recordTypeSystem(ctx)}, or its text`,
      });
    if (!resource.description)
      problems.push({
        expression: 'DocumentReference.description',
        diagnostics: 'a DocumentReference needs a description (medical_records.title NOT NULL)',
      });

    const sections = resource.extension?.find((e) => e.url === RECORD_SECTIONS)?.extension;
    const section = (name: string) => sections?.find((e) => e.url === name)?.valueString;
    const content = resource.content ?? [];
    const readable = content.find((c) => c.attachment.data !== undefined && !c.attachment.url)?.attachment;
    const description = sections ? section('description') : readable ? decoded(readable) : undefined;
    if (!description)
      problems.push({
        expression: sections ? 'DocumentReference.extension' : 'DocumentReference.content',
        diagnostics:
          'a DocumentReference needs the record text: a text/plain attachment with data, or the description of the medical-record-sections extension (medical_records.description NOT NULL)',
      });
    const attachmentUrls = content.flatMap((c) => (c.attachment.url ? [c.attachment.url] : []));

    const authors = resource.author ?? [];
    const doctorIndex = authors.findIndex((a) => a.reference && parseReference(a.reference).type === 'Practitioner');
    const doctor = doctorIndex >= 0 ? parseReference(authors[doctorIndex]!.reference!).id : undefined;
    if (doctor)
      references.push({ expression: `DocumentReference.author[${doctorIndex}]`, type: 'Practitioner', id: doctor });
    const doctorName = authors[Math.max(doctorIndex, 0)]?.display;

    const start = resource.context?.period?.start;
    const visitDate = start === undefined ? null : fullDate(start.slice(0, 10));
    if (start !== undefined && !visitDate)
      problems.push({
        expression: 'DocumentReference.context.period.start',
        diagnostics: 'the visit date must be a full date (medical_records.visitDate is a DATE)',
      });
    const end = resource.context?.period?.end;
    if (start !== undefined && end !== undefined && end < start)
      problems.push({
        expression: 'DocumentReference.context.period.end',
        diagnostics: 'the period ends before it starts',
      });

    const created = resource.date === undefined ? undefined : fhirToTimestamp(resource.date);
    if (created === undefined && resource.date !== undefined)
      problems.push({ expression: 'DocumentReference.date', diagnostics: 'date must be an instant with a time zone' });

    const labels = (resource.securityLabel ?? [])
      .flatMap((l) => l.coding ?? [])
      .filter((c) => c.system === CONFIDENTIALITY);
    const isConfidential = labels.length === 0 || labels.some((c) => c.code === 'R' || c.code === 'V');

    const root: Record<string, unknown> = {
      patientId: subject?.id,
      recordType: fits(problems, 'DocumentReference.type', recordType, 100),
      title: fits(problems, 'DocumentReference.description', resource.description, 200),
      description,
      findings: section('findings') ?? null,
      diagnosis: section('diagnosis') ?? null,
      treatment: section('treatment') ?? null,
      doctorName: fits(problems, 'DocumentReference.author', doctorName, 100),
      doctorId: doctor ?? null,
      attachmentUrls,
      visitDate,
      isConfidential,
      ...(created ? { createdAt: created } : {}),
    };
    return { root, problems, references };
  },

  softDelete: {},
});

function decoded(attachment: Attachment): string | undefined {
  const text = Buffer.from(attachment.data ?? '', 'base64').toString('utf8');
  return text === '' ? undefined : text;
}

/** recordType from a LOINC coding of the table, a coding of the record-type system, or the text of a known type. */
function recordTypeOf(resource: DocumentReference, ctx: MapContext): string | undefined {
  const codings = resource.type?.coding ?? [];
  const own = codings.find((c) => c.system === recordTypeSystem(ctx) && c.code)?.code;
  if (own) return own;
  for (const c of codings) if (c.system === LOINC && c.code && byLoinc.has(c.code)) return byLoinc.get(c.code);
  const text = resource.type?.text;
  return text !== undefined && text in RECORD_TYPES ? text : undefined;
}
