// The fast path of the VARCHAR-size invariants must decide exactly as fhirpath.js does, for every
// such constraint in profiles/, over generated elements (and leave the rest to fhirpath).
import fs from 'node:fs';
import { expect } from 'chai';
import fc from 'fast-check';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import type { StructureDefinition } from 'fhir/r4.js';
import { fastInvariant } from '../../../../src/fhir/validation/length-invariant.js';

const profilesDir = new URL('../../../../profiles/', import.meta.url);
const constraints = fs
  .readdirSync(profilesDir)
  .filter((name) => name.startsWith('StructureDefinition-'))
  .flatMap((name) => {
    const definition = JSON.parse(fs.readFileSync(new URL(name, profilesDir), 'utf8')) as StructureDefinition;
    return (definition.differential?.element ?? []).flatMap((element) =>
      (element.constraint ?? []).map((c) => ({ path: element.path, key: c.key, expression: c.expression! })),
    );
  })
  .filter((c) => fastInvariant(c.expression) !== undefined);

const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ minLength: 95, maxLength: 520 }));
const element = fc.record(
  {
    family: fc.oneof(text, fc.integer(), fc.constant(undefined)),
    _family: fc.constant({ extension: [] }),
    given: fc.oneof(fc.array(text, { maxLength: 4 }), fc.constant(['x', 7])),
    line: fc.oneof(fc.array(text, { maxLength: 3 }), text),
    city: text,
    state: text,
    postalCode: fc.oneof(text, fc.array(text, { maxLength: 2 })),
    country: text,
    system: fc.constantFrom('email', 'phone', 'fax', 'url'),
    value: fc.oneof(text, fc.constant(undefined)),
  },
  { requiredKeys: [] },
);

describe('fast VARCHAR-size invariants (src/fhir/validation/length-invariant.ts)', function () {
  it('recognise the size constraints of the profiles (and nothing that is not one)', () => {
    expect(constraints.map((c) => c.key)).to.include.members(['hosp-pat-3', 'hosp-pat-4', 'hosp-pat-5', 'hosp-pat-7']);
    expect(fastInvariant("name.where(use = 'official').exists()")).to.equal(undefined);
    expect(fastInvariant('family.empty() or given.length() <= 100')).to.equal(undefined);
  });

  for (const { path, key, expression } of constraints) {
    it(`${key} (${expression}) decides as fhirpath.js does`, () => {
      const fast = fastInvariant(expression)!;
      const slow = fhirpath.compile({ base: path, expression }, r4model) as (data: unknown) => unknown[];
      let decided = 0;
      fc.assert(
        fc.property(element, (node) => {
          const answer = fast(node);
          if (answer === undefined) return;
          decided++;
          let result: unknown[];
          try {
            result = slow(node);
          } catch {
            throw new Error(`fhirpath fails on ${JSON.stringify(node)} where the fast path answered ${answer}`);
          }
          const holds = result.length === 0 || (result.length === 1 && result[0] === true);
          expect(answer, JSON.stringify(node)).to.equal(holds);
        }),
        { numRuns: 300, seed: 20261202 },
      );
      expect(decided).to.be.greaterThan(20);
    });
  }
});
