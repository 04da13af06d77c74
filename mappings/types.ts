// The contract of a resource mapping (D6): one declarative definition per FHIR resource, read by
// the REST layer, the repository, validation, search and the CapabilityStatement.
import type { FhirResource, Reference } from 'fhir/r4.js';
import type { FieldSecrets } from '../src/db/field-encryption.js';

export type ResourceType = FhirResource['resourceType'];

export type Interaction =
  'read' | 'vread' | 'search-type' | 'create' | 'update' | 'patch' | 'delete' | 'history-instance' | 'history-type';

/** Every instance and type interaction: a resource the server reads and writes. */
export const READ_WRITE_INTERACTIONS: readonly Interaction[] = [
  'read',
  'vread',
  'search-type',
  'create',
  'update',
  'patch',
  'delete',
  'history-instance',
  'history-type',
];

export type SearchParamType = 'string' | 'token' | 'date' | 'reference' | 'number' | 'quantity' | 'uri' | 'composite';

/** One comma-separated part of one search value. */
export interface SearchValue {
  raw: string;
  modifier?: string;
  /** token: the part before '|', undefined when there is no '|'. */
  system?: string;
  /** token: the part after '|' (or the whole value). */
  code: string;
}

/** An SQL condition with its values, bound as `?` in order (knex raw syntax: `\\?` is a literal `?`). */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

export interface SearchParamDefinition {
  type: SearchParamType;
  /** Canonical URL of the SearchParameter (core or profiles/). */
  definition?: string;
  documentation?: string;
  /** Modifiers `where` understands itself; :missing, :not, :text, :Type and :identifier come from the fields below. */
  modifiers?: readonly string[];
  /** Compiles one value to SQL over the mapping's `source.from` aliases. */
  where(value: SearchValue, ctx: MapContext): SqlCondition;
  /** :missing: SQL over the `source.from` aliases that is true when the element is absent. */
  missing?: string;
  /** _sort: the SQL expression to order by; absent ⇒ not sortable. */
  sort?: string;
  /** token :text: the text columns searched (starts-with, case- and accent-insensitive). */
  text?: readonly string[];
  /**
   * reference: the SQL of the referenced resource's id for each target type (a uuid over the
   * `source.from` aliases). Chains, _include, _revinclude and _has follow these.
   */
  targets?: Partial<Record<ResourceType, string>>;
  /**
   * reference: a target's SQL yields a set of ids per row (a set-returning function over a JSONB
   * array, as DiagnosticReport.result), so the engine selects it instead of comparing it.
   */
  setValued?: boolean;
}

/** A row of a table as PostgreSQL's to_jsonb gives it (dates and timestamps as text). */
export type JsonRow = Record<string, unknown>;

/** The rows one version of a resource is rendered from (fhir_snapshot in the versions migration). */
export interface Snapshot {
  [table: string]: JsonRow | null | undefined;
}

export interface MapContext {
  /** D3: the identifier system of a kind of business number, e.g. 'patient-number'. */
  identifierSystem(kind: string): string;
  ref(type: ResourceType, id: string): Reference;
  secrets: FieldSecrets;
  /** IANA zone of the hospital's local times (HOSPITAL_TIME_ZONE). */
  timeZone: string;
  /** The code system of lab test and analyte codes that look like LOINC codes (LAB_CODE_SYSTEM). */
  labCodeSystem: string;
}

/** Column values for one table, keyed by the schema document's column names. */
export type ColumnValues = Record<string, unknown>;

export interface WriteProblem {
  expression: string;
  diagnostics: string;
}

export interface WritePlan {
  /** The root table's columns (the table whose id is the resource id). */
  root: ColumnValues;
  /** The parent row's columns (users for Patient and Practitioner), joined by root[parent.link]. */
  parent?: ColumnValues;
  /** Keyed hashes of searchable secrets (the SSN), kept in fhir_identifier_hashes. */
  hashes?: { system: string; value: string | undefined }[];
  /** D4: values no column can hold at all → 422 naming the element. */
  problems: WriteProblem[];
  /** Entry mappings: the entry itself, and on create the row to add it to (else a new row is made). */
  entry?: Record<string, unknown>;
  /** `id`: the new resource's id when it is not the row's (a vital sign of patients: fhir_vital_sign_id). */
  addTo?: { rowId: string; id?: string };
  /**
   * Create only, for a resource that stands for part of an existing row (a lab's report on its
   * order): the row's columns are updated and the resource takes the row's id.
   */
  into?: { rowId: string };
  /** Statements run in the write's transaction once the rows are written (a vital sign's effective time). */
  after?: SqlCondition[];
  /** Resources the row points at: each must exist and not be deleted, else 422 naming the element. */
  references?: { expression: string; type: ResourceType; id: string }[];
}

/**
 * A rule checked in the write's transaction before the rows change (a double booking): `lock` is
 * taken first (an advisory lock or SELECT ... FOR UPDATE) so concurrent writes check one at a
 * time; a row returned by `conflict` means the write is refused with 409.
 */
export interface WriteConflictCheck {
  lock: SqlCondition;
  conflict: SqlCondition;
  expression: string;
  diagnostics: string;
}

/**
 * Array elements that columns own, identified by a key (D4): the first item of an array with a
 * given key is the column's; the rest of the array is kept as the client sent it.
 */
export interface SlotRule {
  path: string;
  key(item: Record<string, unknown>): string | undefined;
}

export interface ResourceMapping<R extends FhirResource = FhirResource> {
  resourceType: R['resourceType'];
  /** Canonical URL of the profile; its StructureDefinition lives in profiles/. */
  profile: string;
  /** Published profiles the output also meets (US Core 3.1.1), declared beside ours. */
  conformsTo?: readonly string[];
  /**
   * Elements that list other resources of the same row (a DiagnosticReport's `result`): a bulk
   * import leaves them out, as those resources come back by their own import under new ids.
   */
  rowLists?: readonly string[];
  interactions: readonly Interaction[];
  source: {
    /** The root table: its uuid is the resource id (D3). */
    table: string;
    /** SQL FROM clause with aliases for search; the root's alias first. */
    from: string;
    /** The root id column in `from`, e.g. p.id */
    id: string;
    /** The parent table and the root column that references it (users for Patient). */
    parent?: { table: string; link: string };
    /**
     * Rows that are never changed (audit_logs): no triggers and no version rows; each row is one
     * version (1), read on demand, last updated at this column's time (a TIMESTAMP holding UTC).
     */
    appendOnly?: {
      lastUpdated: string;
      /**
       * Rows computed by an SQL function (Slot): a FROM clause with the `from` aliases that finds
       * the one row of an id (bound as `?`) without computing all of them.
       */
      byId?: string;
      /** SQL of a row's snapshot over the `from` aliases; fhir_snapshot(type, id) when absent. */
      snapshot?: string;
      /** The order of a search without _sort; newest `lastUpdated` first when absent. */
      order?: { sql: string; descending: boolean };
    };
    /** New rows: a business number assigned when the client supplies none. */
    numbering?: { table: string; column: string; prefix: string; width: number; sequence: string };
    /**
     * The resource is one entry of a JSONB array of the root row (D3): `column` holds the array,
     * `key` the entry's stable key (new ones are `keyPrefix` + n), and the SQL function `idFunction`
     * (row id uuid, key text) → uuid gives the resource id.
     */
    entries?: { column: string; key: string; keyPrefix: string; idFunction: string };
    /**
     * The resource is one entry of a TEXT[] column of the root row (patients.allergies): the
     * entry's id is kept in fhir_patient_facts (kind = the column); the plan's `entry.text` is the
     * value and `addTo` the row a new entry joins; delete removes the entry from the array.
     */
    textEntries?: { column: string };
    /** The resource is columns of an existing row (Coverage on patients): its id is the row's; create fills `addTo`'s row. */
    partOfRow?: boolean;
    /** The row has no deleted marker (medical_records): delete removes it, and the triggers record a deleted version. */
    hardDelete?: boolean;
  };
  /**
   * SQL over `source.from` that is true when the row is restricted (securityLabel R): only principals
   * whose role allows confidential records see it (src/auth/access-policy.ts).
   */
  confidential?: string;
  /** Patient compartment: SQL of the patient id for a row of `from` (scopes, $everything). */
  compartment?: { Patient: string };
  slots: readonly SlotRule[];
  /** The resource's summary elements (isSummary in its StructureDefinition), for _summary=true. */
  summary?: readonly string[];
  search: Readonly<Record<string, SearchParamDefinition>>;
  /** Rows → resource, without id and meta (the repository adds them). */
  read(snapshot: Snapshot, ctx: MapContext): Omit<R, 'id' | 'meta'>;
  /** Resource → column values; absent for read-only resources. `existing` is set on update. */
  write?(resource: R, ctx: MapContext, existing?: Snapshot, found?: Readonly<Record<string, JsonRow[]>>): WritePlan;
  /** Rows a write needs to read first (in its transaction), handed to `write` as `found` by name. */
  lookups?(resource: R, ctx: MapContext): Record<string, SqlCondition>;
  /** Conflicts a write must not create (checked with the plan's column values and the resource id). */
  conflicts?(plan: WritePlan, id: string, existing?: Snapshot): WriteConflictCheck[];
  /** Column values a new row gets besides what the resource says (create only). */
  createDefaults?(ctx: MapContext): { root?: ColumnValues; parent?: ColumnValues };
  /** Column values that mark a row deleted (soft delete, D1 columns). */
  softDelete: { root?: ColumnValues; parent?: ColumnValues };
  /**
   * Further sources of the same type (Observation: the vital signs of patients beside the lab
   * results), each a mapping of its own rows whose search rows `source.from` already unions; the
   * CapabilityStatement lists their profiles. Not registered on their own.
   */
  sources?: readonly ResourceMapping<R>[];
  /**
   * The source holding a resource, by its snapshot when it exists, else by its content (a create);
   * undefined: this mapping itself. Writes, deletes, renderings and validation go through it.
   */
  sourceOf?(snapshot: Snapshot | undefined, resource?: R): ResourceMapping<R> | undefined;
  /** A source whose resources are derived (BMI): a create, update or delete is refused (422) with this problem. */
  readOnly?: WriteProblem;
}

/** The mapping of the source that holds a resource (ResourceMapping.sourceOf), else the mapping itself. */
export function sourceFor<R extends FhirResource>(
  mapping: ResourceMapping<R>,
  snapshot: Snapshot | undefined,
  resource?: R,
): ResourceMapping<R> {
  return mapping.sourceOf?.(snapshot, resource) ?? mapping;
}

export const defineMapping = <R extends FhirResource>(mapping: ResourceMapping<R>): ResourceMapping<R> => mapping;
