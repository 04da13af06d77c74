// Status columns ⇄ FHIR status codes, both ways. Where several column values share one FHIR code
// (scheduled and confirmed are both `booked`), or a value is not in the table at all, the exact
// column value travels in the source-status extension, so a round trip never changes the row (D4).
import type { Extension } from 'fhir/r4.js';

export const EXTENSION_BASE = 'https://fhir-interop-server.dev/fhir/StructureDefinition';
export const SOURCE_STATUS = `${EXTENSION_BASE}/source-status`;

export interface StatusTable<Code extends string> {
  /** Column value → FHIR code; the first value listed for a code is the one a write stores. */
  readonly toFhir: Readonly<Record<string, Code>>;
  /** The code for a value the table does not know (written by another application). */
  readonly fallback: Code;
  /** The column value when the column is NULL (its DEFAULT). */
  readonly nullValue: string;
}

export function statusTable<Code extends string>(table: StatusTable<Code>) {
  const canonical = new Map<string, string>();
  for (const [value, code] of Object.entries(table.toFhir)) if (!canonical.has(code)) canonical.set(code, value);
  return {
    ...table,
    codes: [...new Set(Object.values(table.toFhir))] as Code[],
    /** The FHIR code of a column value, and the extension that keeps it when the code alone does not say it. */
    render(value: unknown): { code: Code; extension: Extension[] } {
      const column = typeof value === 'string' ? value : table.nullValue;
      const code = table.toFhir[column] ?? table.fallback;
      const exact = canonical.get(code) === column ? [] : [{ url: SOURCE_STATUS, valueCode: column }];
      return { code, extension: value === null || value === undefined ? [] : exact };
    },
    /** The column value for a FHIR code (the extension's when it agrees with the code); undefined when the code has none. */
    column(code: string | undefined, extension: readonly Extension[] | undefined): string | undefined {
      if (code === undefined) return undefined;
      const exact = extension?.find((e) => e.url === SOURCE_STATUS)?.valueCode;
      if (exact !== undefined && (table.toFhir[exact] ?? table.fallback) === code) return exact;
      return canonical.get(code);
    },
  };
}

/** The extensions other than source-status (those are the status's). */
export const withoutSourceStatus = (extension: readonly Extension[] | undefined) =>
  (extension ?? []).filter((e) => e.url !== SOURCE_STATUS);
