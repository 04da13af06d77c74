// Medication ⇄ medicines (http://hl7.org/fhir/R4/medication.html): the pharmacy's catalogue entry,
// its code, form, strength, manufacturer and batch; prices, stock and clinical notes as extensions.
import type { Extension, Medication, Ratio } from 'fhir/r4.js';
import { dateTimeParam, utcTimestamp, lastUpdatedParam } from './datatypes/clinical-search.js';
import { fits, str } from './datatypes/columns.js';
import { fhirToTimestamp, timestampToFhir } from './datatypes/hospital-time.js';
import { CURRENCY, centsText, money, toCents } from './datatypes/money.js';
import { EXTENSION_BASE } from './datatypes/status-maps.js';
import { stringParam, tokenParam } from './params.js';
import { defineMapping, READ_WRITE_INTERACTIONS, type JsonRow, type MapContext, type WriteProblem } from './types.js';

export const MEDICATION_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/medication';
export const PURCHASE_PRICE = `${EXTENSION_BASE}/purchase-price`;
export const SELLING_PRICE = `${EXTENSION_BASE}/selling-price`;
export const STOCK = `${EXTENSION_BASE}/stock`;
export const REORDER_LEVEL = `${EXTENSION_BASE}/reorder-level`;
export const SIDE_EFFECT = `${EXTENSION_BASE}/side-effect`;
export const CONTRAINDICATION = `${EXTENSION_BASE}/contraindication`;
export const STORAGE = `${EXTENSION_BASE}/storage-conditions`;
export const DESCRIPTION = `${EXTENSION_BASE}/description`;
export const STRENGTH_TEXT = `${EXTENSION_BASE}/strength-text`;
const SINGLE = [PURCHASE_PRICE, SELLING_PRICE, STOCK, REORDER_LEVEL, STORAGE, DESCRIPTION];

export const medicineCodeSystem = (ctx: MapContext) => ctx.identifierSystem('medicine-code');

const STRENGTH = /^(\d+(?:\.\d+)?)\s*([A-Za-zµ%]+)(?:\s*\/\s*(\d+(?:\.\d+)?)?\s*([A-Za-z]+))?$/;

/** "500mg" or "125mg/5mL" as a Ratio, when it reads as one. */
export function strengthRatio(text: string): Ratio | undefined {
  const match = STRENGTH.exec(text.trim());
  if (!match) return undefined;
  const [, value, unit, perValue, perUnit] = match;
  return {
    numerator: { value: Number(value), unit },
    denominator: perUnit ? { value: Number(perValue ?? 1), unit: perUnit } : { value: 1 },
  };
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []);

export const medicationMapping = defineMapping<Medication>({
  resourceType: 'Medication',
  profile: MEDICATION_PROFILE,
  conformsTo: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-medication'],
  interactions: READ_WRITE_INTERACTIONS,
  source: { table: 'medicines', from: 'medicines m', id: 'm.id' },
  summary: ['identifier', 'code', 'status', 'manufacturer'],
  slots: [
    { path: 'identifier', key: (item) => (typeof item.system === 'string' ? item.system : undefined) },
    {
      path: 'extension',
      key: (item) =>
        SINGLE.includes(String(item.url))
          ? String(item.url)
          : item.url === SIDE_EFFECT || item.url === CONTRAINDICATION
            ? `${String(item.url)}/${String(item.valueString)}`
            : undefined,
    },
    { path: 'ingredient', key: () => 'strength' },
  ],
  search: {
    _lastUpdated: lastUpdatedParam,
    code: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/clinical-code',
      where: ({ system, code }, ctx) =>
        system === undefined || system === medicineCodeSystem(ctx)
          ? { sql: '(m."medicineCode" = ? or lower(m.name) = lower(?))', params: [code, code] }
          : { sql: 'false', params: [] },
    }),
    form: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Medication-form',
      where: ({ code }) => ({ sql: 'lower(m.formulation) = lower(?)', params: [code] }),
    }),
    status: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Medication-status',
      where: ({ code }) =>
        code === 'active' || code === 'inactive'
          ? { sql: 'm."isActive" = ?', params: [code === 'active'] }
          : { sql: 'false', params: [] },
    }),
    'lot-number': tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Medication-lot-number',
      where: ({ code }) => ({ sql: 'm."batchNumber" = ?', params: [code] }),
    }),
    'expiration-date': dateTimeParam(
      'http://hl7.org/fhir/SearchParameter/Medication-expiration-date',
      utcTimestamp('m."expiryDate"'),
    ),
    name: stringParam('https://fhir-interop-server.dev/fhir/SearchParameter/Medication-name', [
      'm.name',
      'm."genericName"',
    ]),
  },

  read({ medicines: row }, ctx) {
    const m = (row ?? {}) as JsonRow;
    const name = String(m.name);
    const strength = String(m.strength ?? '');
    const ratio = strengthRatio(strength);
    const extension: Extension[] = [
      ...(money(m.purchasePrice) ? [{ url: PURCHASE_PRICE, valueMoney: money(m.purchasePrice) }] : []),
      ...(money(m.sellingPrice) ? [{ url: SELLING_PRICE, valueMoney: money(m.sellingPrice) }] : []),
      ...(typeof m.stock === 'number' ? [{ url: STOCK, valueInteger: m.stock }] : []),
      ...(typeof m.reorderLevel === 'number' ? [{ url: REORDER_LEVEL, valueInteger: m.reorderLevel }] : []),
      ...(str(m.description) ? [{ url: DESCRIPTION, valueString: String(m.description) }] : []),
      ...(str(m.storageConditions) ? [{ url: STORAGE, valueString: String(m.storageConditions) }] : []),
      ...strings(m.sideEffects).map((valueString) => ({ url: SIDE_EFFECT, valueString })),
      ...strings(m.contraindications).map((valueString) => ({ url: CONTRAINDICATION, valueString })),
    ];
    const batch = {
      ...(str(m.batchNumber) ? { lotNumber: String(m.batchNumber) } : {}),
      ...(str(m.expiryDate) ? { expirationDate: timestampToFhir(m.expiryDate) } : {}),
    };
    return {
      resourceType: 'Medication',
      ...(extension.length ? { extension } : {}),
      identifier: [{ system: medicineCodeSystem(ctx), value: String(m.medicineCode) }],
      code: { coding: [{ system: medicineCodeSystem(ctx), code: String(m.medicineCode), display: name }], text: name },
      ...(typeof m.isActive === 'boolean' ? { status: m.isActive ? 'active' : 'inactive' } : {}),
      ...(str(m.manufacturer) ? { manufacturer: { display: String(m.manufacturer) } } : {}),
      form: { text: String(m.formulation) },
      ingredient: [
        {
          itemCodeableConcept: { text: str(m.genericName) ?? name },
          isActive: true,
          strength: { extension: [{ url: STRENGTH_TEXT, valueString: strength }], ...(ratio ?? {}) },
        },
      ],
      ...(Object.keys(batch).length ? { batch } : {}),
    } as Omit<Medication, 'id' | 'meta'>;
  },

  write(resource, ctx, existing) {
    const problems: WriteProblem[] = [];
    const ext = (url: string) => resource.extension?.find((e) => e.url === url);
    // an empty list keeps the column's empty form as it was ({} or NULL)
    const all = (url: string, column: string) => {
      const values = (resource.extension ?? []).filter((e) => e.url === url).map((e) => e.valueString ?? '');
      return values.length || !existing || existing.medicines?.[column] !== null ? values : null;
    };
    const coding = resource.code?.coding?.find((c) => c.system === medicineCodeSystem(ctx));
    const code = coding?.code ?? resource.identifier?.find((i) => i.system === medicineCodeSystem(ctx))?.value;
    const name = resource.code?.text ?? coding?.display;
    if (!code)
      problems.push({
        expression: 'Medication.code',
        diagnostics: `a Medication needs a coding of ${medicineCodeSystem(ctx)} (medicines.medicineCode NOT NULL)`,
      });
    if (!name)
      problems.push({
        expression: 'Medication.code',
        diagnostics: 'a Medication needs code.text (medicines.name NOT NULL)',
      });
    const ingredient = resource.ingredient?.[0];
    const strengthText =
      ingredient?.strength?.extension?.find((e) => e.url === STRENGTH_TEXT)?.valueString ??
      (ingredient?.strength?.numerator?.value !== undefined
        ? `${ingredient.strength.numerator.value}${ingredient.strength.numerator.unit ?? ''}${
            ingredient.strength.denominator?.unit
              ? `/${ingredient.strength.denominator.value === 1 ? '' : (ingredient.strength.denominator.value ?? '')}${ingredient.strength.denominator.unit}`
              : ''
          }`
        : undefined);
    if (!strengthText)
      problems.push({
        expression: 'Medication.ingredient',
        diagnostics: 'a Medication needs ingredient[0].strength (medicines.strength NOT NULL)',
      });
    if (!resource.form?.text)
      problems.push({
        expression: 'Medication.form',
        diagnostics: 'a Medication needs form.text (medicines.formulation NOT NULL)',
      });
    const price = (url: string, label: string) => {
      const value = ext(url)?.valueMoney;
      const cents = toCents(value?.value);
      if (cents === undefined || (value?.currency !== undefined && value.currency !== CURRENCY)) {
        problems.push({
          expression: 'Medication.extension',
          diagnostics: `a Medication needs the ${label} extension, a ${CURRENCY} amount with at most 2 decimals`,
        });
        return undefined;
      }
      return centsText(cents);
    };
    const generic = ingredient?.itemCodeableConcept?.text;
    const expiry = fhirToTimestamp(resource.batch?.expirationDate);
    if (expiry === undefined)
      problems.push({ expression: 'Medication.batch.expirationDate', diagnostics: 'expirationDate needs a time zone' });
    const integer = (url: string) => ext(url)?.valueInteger;
    const root: Record<string, unknown> = {
      medicineCode: fits(problems, 'Medication.code', code, 50),
      name: fits(problems, 'Medication.code.text', name, 200),
      genericName: fits(
        problems,
        'Medication.ingredient[0].itemCodeableConcept.text',
        generic !== name ? generic : undefined,
        200,
      ),
      strength: fits(problems, 'Medication.ingredient[0].strength', strengthText, 50),
      formulation: fits(problems, 'Medication.form.text', resource.form?.text, 50),
      manufacturer: fits(problems, 'Medication.manufacturer.display', resource.manufacturer?.display, 100),
      batchNumber: fits(problems, 'Medication.batch.lotNumber', resource.batch?.lotNumber, 50),
      description: ext(DESCRIPTION)?.valueString ?? null,
      purchasePrice: price(PURCHASE_PRICE, 'purchase-price'),
      sellingPrice: price(SELLING_PRICE, 'selling-price'),
      stock: integer(STOCK) ?? (existing ? null : 0),
      reorderLevel: integer(REORDER_LEVEL) ?? (existing ? null : 50),
      expiryDate: expiry ?? null,
      sideEffects: all(SIDE_EFFECT, 'sideEffects'),
      contraindications: all(CONTRAINDICATION, 'contraindications'),
      storageConditions: ext(STORAGE)?.valueString ?? null,
      isActive: resource.status === undefined ? (existing ? null : true) : resource.status === 'active',
    };
    if (resource.status !== undefined && resource.status !== 'active' && resource.status !== 'inactive')
      problems.push({
        expression: 'Medication.status',
        diagnostics: `the status ${String(resource.status)} has no medicines.isActive value (active or inactive)`,
      });
    return { root, problems };
  },

  softDelete: { root: { deletedAt: 'now' } },
});
