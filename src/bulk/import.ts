// Bulk import (npm run import): NDJSON files and Bundles of any mapped resources, loaded through
// the FHIR router in-process, so every resource takes the REST write path (the mappings, the
// validation, the repository) in transaction Bundles of `chunk` resources. A chunk that fails is
// replayed as a batch, so the good resources are written and each bad one is reported with its
// file, line and OperationOutcome. `allOrNothing` runs everything in one database transaction
// that any bad line rolls back. A resource with an id keeps it (update as create); one whose ids
// the server assigns (an entry of an array, or part of another row: Coverage) is created with a
// POST, and a DiagnosticReport's `result` is left to its Observations.
import fs from 'node:fs';
import readline from 'node:readline';
import type { Bundle, BundleEntry, FhirResource, OperationOutcome } from 'fhir/r4.js';
import type { ResourceMapping } from '../../mappings/types.js';
import { FhirError, operationOutcome } from '../fhir/outcome.js';
import type { FhirResponse } from '../fhir/request.js';
import type { RoutedRequest } from '../fhir/router.js';

export interface ImportRouter {
  handle(request: RoutedRequest): Promise<FhirResponse>;
}

export interface Rejected {
  file: string;
  /** Line of an NDJSON file (1-based); for a Bundle file, the line 1 and the entry index. */
  line: number;
  entry?: number;
  outcome: OperationOutcome;
}

export interface ImportResult {
  written: number;
  rejected: Rejected[];
  /** Resources of read-only types (derived from other rows: Encounter, Schedule, AuditEvent), by type. */
  skipped: Record<string, number>;
  ms: number;
}

export interface ImportOptions {
  chunk: number;
  baseUrl: string;
  /** Bytes read so far of all files. */
  onProgress?: (bytes: number, written: number) => void;
}

interface Item {
  file: string;
  line: number;
  entry?: number;
  resource?: FhirResource;
  /** A transaction or batch Bundle, sent as it is. */
  bundle?: Bundle;
  problem?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function itemsOf(value: unknown, file: string, line: number): Item[] {
  if (!isObject(value) || typeof value.resourceType !== 'string')
    return [{ file, line, problem: 'the line is not a FHIR resource (no resourceType)' }];
  if (value.resourceType !== 'Bundle') return [{ file, line, resource: value as unknown as FhirResource }];
  const bundle = value as unknown as Bundle;
  if (bundle.type === 'transaction' || bundle.type === 'batch') return [{ file, line, bundle }];
  return (bundle.entry ?? []).map((e: BundleEntry, entry) =>
    e.resource
      ? { file, line, entry, resource: e.resource as FhirResource }
      : { file, line, entry, problem: `Bundle.entry[${entry}] has no resource` },
  );
}

/** The first line of a file (up to 1 MB), to tell NDJSON from one indented JSON document. */
function firstLine(file: string): string {
  const buffer = Buffer.alloc(1024 * 1024);
  const fd = fs.openSync(file, 'r');
  try {
    const read = fs.readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, read).toString('utf8');
    const end = text.indexOf('\n');
    return end < 0 ? text : text.slice(0, end);
  } finally {
    fs.closeSync(fd);
  }
}

/** The items of one file: NDJSON lines (streamed), or one indented JSON document (a Bundle). */
async function* readFile(file: string, progress: (bytes: number) => void): AsyncGenerator<Item> {
  const first = firstLine(file).trim();
  let ndjson = first === '';
  try {
    JSON.parse(first);
    ndjson = true;
  } catch {
    // not a whole document on its first line
  }
  if (!ndjson && first.startsWith('{')) {
    const text = fs.readFileSync(file, 'utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { file, line: 1, problem: `the file is neither NDJSON nor one JSON document: ${(error as Error).message}` };
      return;
    }
    progress(Buffer.byteLength(text));
    yield* itemsOf(value, file, 1);
    return;
  }
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line++;
    progress(Buffer.byteLength(raw) + 1);
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      yield { file, line, problem: `the line is not JSON: ${(error as Error).message}` };
      continue;
    }
    yield* itemsOf(value, file, line);
  }
}

/**
 * Types whose ids the server assigns: an entry of an array (MedicationRequest, Observation,
 * AllergyIntolerance, Condition) gets a new one; part of another row (Coverage) that row's.
 */
const assignsIds = (mapping: ResourceMapping) =>
  Boolean(mapping.source.entries || mapping.source.textEntries || mapping.source.partOfRow);

function entryOf(resource: FhirResource, mapping: ResourceMapping): BundleEntry {
  if (mapping.rowLists?.some((name) => name in resource)) {
    const kept = { ...resource } as Record<string, unknown>;
    for (const name of mapping.rowLists) delete kept[name];
    resource = kept as unknown as FhirResource;
  }
  const keepsId = resource.id && mapping.interactions.includes('update') && !assignsIds(mapping);
  if (keepsId) return { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } };
  const { id: _id, ...rest } = resource;
  return { resource: rest as FhirResource, request: { method: 'POST', url: resource.resourceType } };
}

const post = (baseUrl: string, body: Bundle): RoutedRequest => ({
  method: 'POST',
  segments: [],
  baseUrl,
  query: {},
  headers: { prefer: 'return=minimal' },
  body,
});

const outcomeOf = (error: unknown): OperationOutcome =>
  error instanceof FhirError ? error.toOperationOutcome() : operationOutcome('fatal', 'exception', String(error));

export class AbortImport extends Error {
  constructor(readonly rejected: Rejected) {
    super(`${rejected.file}:${rejected.line}: ${rejected.outcome.issue.map((i) => i.diagnostics).join('; ')}`);
  }
}

export async function importFiles(
  files: readonly string[],
  router: ImportRouter,
  mappings: readonly ResourceMapping[],
  options: ImportOptions & { allOrNothing: boolean },
): Promise<ImportResult> {
  const started = Date.now();
  const byType = new Map(mappings.map((m) => [m.resourceType as string, m]));
  const result: ImportResult = { written: 0, rejected: [], skipped: {}, ms: 0 };
  let bytes = 0;
  const reject = (item: Item, outcome: OperationOutcome) => {
    const rejected: Rejected = {
      file: item.file,
      line: item.line,
      ...(item.entry !== undefined ? { entry: item.entry } : {}),
      outcome,
    };
    if (options.allOrNothing) throw new AbortImport(rejected);
    result.rejected.push(rejected);
  };

  async function flush(chunk: { item: Item; entry: BundleEntry }[]) {
    if (chunk.length === 0) return;
    const entry = chunk.map((c) => c.entry);
    try {
      await router.handle(post(options.baseUrl, { resourceType: 'Bundle', type: 'transaction', entry }));
      result.written += chunk.length;
      return;
    } catch (error) {
      if (options.allOrNothing) {
        const at = /Bundle\.entry\[(\d+)\]/.exec(error instanceof Error ? error.message : '');
        const culprit = chunk[at ? Number(at[1]) : 0]!.item;
        reject(culprit, outcomeOf(error));
      }
    }
    // one bad resource spoilt the transaction: each on its own, so the rest is written
    const response = await router.handle(post(options.baseUrl, { resourceType: 'Bundle', type: 'batch', entry }));
    const answers = (response.json as Bundle | undefined)?.entry ?? [];
    chunk.forEach((c, i) => {
      const answer = answers[i]?.response;
      if (answer && /^2/.test(answer.status)) result.written++;
      else
        reject(
          c.item,
          (answer?.outcome as OperationOutcome | undefined) ??
            operationOutcome('error', 'exception', `status ${answer?.status ?? 'unknown'}`),
        );
    });
  }

  let chunk: { item: Item; entry: BundleEntry }[] = [];
  for (const file of files) {
    for await (const item of readFile(file, (n) => {
      bytes += n;
      options.onProgress?.(bytes, result.written);
    })) {
      if (item.problem) {
        reject(item, operationOutcome('error', 'structure', item.problem));
        continue;
      }
      if (item.bundle) {
        await flush(chunk);
        chunk = [];
        try {
          await router.handle(post(options.baseUrl, item.bundle));
          result.written += item.bundle.entry?.length ?? 0;
        } catch (error) {
          reject(item, outcomeOf(error));
        }
        continue;
      }
      const resource = item.resource!;
      const mapping = byType.get(resource.resourceType);
      if (!mapping) {
        reject(
          item,
          operationOutcome(
            'error',
            'not-supported',
            `${resource.resourceType} is not a resource type this server stores`,
          ),
        );
        continue;
      }
      // read-only types, and derived resources of a writable type (BMI, from height and weight)
      if (
        (!mapping.interactions.includes('create') && !mapping.interactions.includes('update')) ||
        mapping.sourceOf?.(undefined, resource)?.readOnly
      ) {
        result.skipped[resource.resourceType] = (result.skipped[resource.resourceType] ?? 0) + 1;
        continue;
      }
      chunk.push({ item, entry: entryOf(resource, mapping) });
      if (chunk.length >= options.chunk) {
        await flush(chunk);
        chunk = [];
        options.onProgress?.(bytes, result.written);
      }
    }
  }
  await flush(chunk);
  options.onProgress?.(bytes, result.written);
  result.ms = Date.now() - started;
  return result;
}
