// Resource validation: base R4 rules (http://hl7.org/fhir/R4/validation.html) and the server's profiles (profiles/).
import { expect } from 'chai';
import type { Patient, Practitioner } from 'fhir/r4.js';
import { ValueSetCodes } from '../../../../src/fhir/validation/binding.js';
import {
  knownProfiles,
  prepareValidation,
  validateResource,
  type ValidationIssue,
} from '../../../../src/fhir/validation/index.js';
import { compileProfile } from '../../../../src/fhir/validation/profile-rules.js';
import { loadProfileFiles } from '../../../../src/fhir/validation/profiles.js';

const BASE = 'https://fhir-interop-server.dev/fhir/StructureDefinition';
const PATIENT = `${BASE}/patient`;
const PRACTITIONER = `${BASE}/practitioner`;
const PRACTITIONER_ROLE = `${BASE}/practitioner-role`;
const AUDIT_EVENT = `${BASE}/audit-event`;
const APPOINTMENT = `${BASE}/appointment`;
const SCHEDULE = `${BASE}/schedule`;
const DIAGNOSTIC_REPORT = `${BASE}/diagnostic-report-lab`;
const OBSERVATION = `${BASE}/observation-lab`;
const SERVICE_REQUEST = `${BASE}/service-request`;
const SLOT = `${BASE}/slot`;
const INVOICE = `${BASE}/invoice`;
const ENCOUNTER = `${BASE}/encounter`;
const MEDICATION = `${BASE}/medication`;
const MEDICATION_REQUEST = `${BASE}/medication-request`;
const SPECIALIZATION = `${BASE}/practitioner-specialization`;
const MARITAL = 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus';

const patient = (): Patient => ({
  resourceType: 'Patient',
  name: [{ use: 'official', family: 'Doe', given: ['Jane', 'Q'] }],
  telecom: [
    { system: 'email', value: 'jane.doe@example.org' },
    { system: 'phone', value: '+1 555 0100' },
  ],
  gender: 'female',
  birthDate: '1990-04-02',
  address: [{ line: ['1 Main Street'], city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US' }],
  maritalStatus: { coding: [{ system: MARITAL, code: 'M' }] },
});

const practitioner = (): Practitioner => ({
  resourceType: 'Practitioner',
  name: [{ family: 'House', given: ['Gregory'] }],
  telecom: [{ system: 'email', value: 'house@example.org' }],
  gender: 'male',
  extension: [{ url: SPECIALIZATION, valueCodeableConcept: { text: 'Diagnostic medicine' } }],
});

/** A copy of `resource` changed by `edit`, so each test breaks one rule. */
function changed<T>(resource: T, edit: (copy: Record<string, unknown>) => void): unknown {
  const copy = structuredClone(resource) as Record<string, unknown>;
  edit(copy);
  return copy;
}

const where = (issues: ValidationIssue[]) => issues.map((issue) => issue.expression[0]);
const keys = (issues: ValidationIssue[]) => issues.map((issue) => /fails ([\w-]+):/.exec(issue.diagnostics)?.[1]);

describe('validation (http://hl7.org/fhir/R4/validation.html)', () => {
  before(async () => {
    await prepareValidation();
  });

  it('prepareValidation is idempotent: a second call resolves at once', async () => {
    const started = performance.now();
    await prepareValidation();
    expect(performance.now() - started).to.be.below(50);
  });

  describe('base R4 rules (the FHIR JSON schema, http://hl7.org/fhir/R4/json.html)', () => {
    it('a valid Patient passes with no issues', () => {
      expect(validateResource(patient())).to.deep.equal([]);
    });

    it('a given name sent as a string instead of an array is a structure issue at Patient.name[0].given', () => {
      const issues = validateResource(changed(patient(), (p) => ((p.name as object[])[0] = { given: 'Jane' })));
      expect(issues).to.have.length(1);
      expect(issues[0]).to.include({ severity: 'error', code: 'structure' });
      expect(issues[0].expression).to.deep.equal(['Patient.name[0].given']);
      expect(issues[0].diagnostics).to.contain('must be an array');
    });

    it('an element R4 does not define is named in the issue', () => {
      const issues = validateResource(changed(patient(), (p) => (p.favouriteColour = 'blue')));
      expect(issues).to.have.length(1);
      expect(issues[0]).to.include({ code: 'structure' });
      expect(issues[0].expression).to.deep.equal(['Patient.favouriteColour']);
      expect(issues[0].diagnostics).to.contain("'favouriteColour'").and.contain('Patient');
    });

    it('an unknown element inside a datatype names the datatype (HumanName)', () => {
      const issues = validateResource(
        changed(patient(), (p) => ((p.name as object[])[0] = { family: 'Doe', nick: 'J' })),
      );
      expect(where(issues)).to.deep.equal(['Patient.name[0].nick']);
      expect(issues[0].diagnostics).to.contain('HumanName');
    });

    it('a birthDate that is not YYYY, YYYY-MM or YYYY-MM-DD is a value issue at Patient.birthDate', () => {
      const issues = validateResource(changed(patient(), (p) => (p.birthDate = '1990-13-01')));
      expect(issues).to.have.length(1);
      expect(issues[0]).to.include({ code: 'value' });
      expect(issues[0].expression).to.deep.equal(['Patient.birthDate']);
      expect(issues[0].diagnostics).to.contain('1990-13-01').and.contain('YYYY-MM-DD');
    });

    it('a birthDate on a day that does not exist is reported ("Dates SHALL be valid dates")', () => {
      expect(where(validateResource(changed(patient(), (p) => (p.birthDate = '2023-02-29'))))).to.deep.equal([
        'Patient.birthDate',
      ]);
      expect(validateResource(changed(patient(), (p) => (p.birthDate = '2024-02-29')))).to.deep.equal([]);
      expect(validateResource(changed(patient(), (p) => (p.birthDate = '1990-04')))).to.deep.equal([]);
    });

    it('an invalid gender code is a code-invalid issue at Patient.gender listing the allowed codes', () => {
      const issues = validateResource(changed(patient(), (p) => (p.gender = 'girl')));
      expect(issues).to.have.length(1);
      expect(issues[0]).to.include({ code: 'code-invalid' });
      expect(issues[0].expression).to.deep.equal(['Patient.gender']);
      expect(issues[0].diagnostics).to.contain("'girl'").and.contain('male, female, other, unknown');
    });

    it('a value of the wrong JSON type is one issue, not one per schema keyword', () => {
      const issues = validateResource(changed(patient(), (p) => (p.active = 'yes')));
      expect(issues).to.have.length(1);
      expect(issues[0].diagnostics).to.contain('must be a boolean');
    });

    it('several problems are all reported at once', () => {
      const broken = changed(patient(), (p) => {
        p.name = [{ given: 'Jane', family: 3 }];
        p.gender = 'girl';
        p.birthDate = 'yesterday';
        p.shoeSize = 42;
        p.meta = { lastUpdated: 'now' };
      });
      expect(where(validateResource(broken))).to.have.members([
        'Patient.name[0].given',
        'Patient.name[0].family',
        'Patient.gender',
        'Patient.birthDate',
        'Patient.shoeSize',
        'Patient.meta.lastUpdated',
      ]);
    });

    it('a CapabilityStatement with fhirVersion 4.0.1 passes (the published schema stops at 4.0.0)', () => {
      const capability = {
        resourceType: 'CapabilityStatement',
        status: 'active',
        date: '2025-01-01',
        kind: 'instance',
        fhirVersion: '4.0.1',
        format: ['json'],
        rest: [{ mode: 'server', resource: [{ type: 'Patient', interaction: [{ code: 'read' }] }] }],
      };
      expect(validateResource(capability)).to.deep.equal([]);
    });

    it('a body that is not a resource gives one structure issue', () => {
      for (const body of ['Patient', null, [], 42]) {
        const issues = validateResource(body);
        expect(issues, JSON.stringify(body)).to.have.length(1);
        expect(issues[0]).to.include({ code: 'structure' });
      }
    });

    it('a missing or unknown resourceType gives one issue at resourceType', () => {
      const missing = validateResource({ id: 'x' });
      expect(missing).to.have.length(1);
      expect(missing[0]).to.include({ code: 'required' });
      expect(where(missing)).to.deep.equal(['Resource.resourceType']);
      const unknown = validateResource({ resourceType: 'Patients' });
      expect(unknown).to.have.length(1);
      expect(unknown[0].diagnostics).to.contain("'Patients' is not an R4 resource type");
    });

    it('a problem in a resource inside a Bundle or contained is one precise issue, not oneOf noise', () => {
      const bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: { resourceType: 'Patient', gender: 'girl' } }, { resource: { resourceType: 'Nope' } }],
      };
      expect(where(validateResource(bundle))).to.deep.equal([
        'Bundle.entry[0].resource.gender',
        'Bundle.entry[1].resource.resourceType',
      ]);
      const contained = changed(patient(), (p) => (p.contained = [{ resourceType: 'Organization', name: 5 }]));
      expect(where(validateResource(contained))).to.deep.equal(['Patient.contained[0].name']);
    });
  });

  describe('profiles (http://hl7.org/fhir/R4/profiling.html)', () => {
    it('knownProfiles lists the canonical URLs of the resource profiles in profiles/', () => {
      expect(knownProfiles()).to.deep.equal([
        `${BASE}/allergy-intolerance`,
        APPOINTMENT,
        AUDIT_EVENT,
        `${BASE}/condition`,
        `${BASE}/coverage`,
        DIAGNOSTIC_REPORT,
        `${BASE}/document-reference`,
        ENCOUNTER,
        INVOICE,
        MEDICATION,
        MEDICATION_REQUEST,
        `${BASE}/observation-blood-type`,
        OBSERVATION,
        `${BASE}/observation-vital-signs`,
        PATIENT,
        PRACTITIONER,
        PRACTITIONER_ROLE,
        SCHEDULE,
        SERVICE_REQUEST,
        SLOT,
      ]);
    });

    it('an unknown profile gives one not-supported issue', () => {
      const issues = validateResource(patient(), { profile: 'http://example.org/StructureDefinition/nope' });
      expect(issues).to.have.length(1);
      expect(issues[0]).to.include({ severity: 'error', code: 'not-supported' });
      expect(issues[0].diagnostics).to.contain('http://example.org/StructureDefinition/nope');
    });

    it('a profile for another resource type is reported', () => {
      const issues = validateResource(practitioner(), { profile: PATIENT });
      expect(issues).to.have.length(1);
      expect(issues[0].diagnostics).to.contain('constrains Patient');
    });

    it('a profile canonical with a |version is the same profile', () => {
      expect(validateResource(patient(), { profile: `${PATIENT}|0.1.0` })).to.deep.equal([]);
    });

    it('base issues come first, then the profile issues', () => {
      const issues = validateResource(
        changed(patient(), (p) => {
          p.telecom = [];
          p.birthDate = 'x';
        }),
        { profile: PATIENT },
      );
      expect(where(issues)).to.deep.equal(['Patient.birthDate', 'Patient']);
    });
  });

  describe(`Patient profile (${PATIENT})`, () => {
    const validate = (resource: unknown) => validateResource(resource, { profile: PATIENT });

    it('a Patient with an official name, an email, a gender and a coded marital status passes', () => {
      expect(validate(patient())).to.deep.equal([]);
    });

    it('Patient.name is required (min 1)', () => {
      const issues = validate(changed(patient(), (p) => delete p.name));
      const required = issues.find((issue) => issue.code === 'required');
      expect(required?.expression).to.deep.equal(['Patient.name']);
      expect(keys(issues)).to.contain('hosp-pat-1');
    });

    it('hosp-pat-1: the official name (or one without use) needs a family and a given', () => {
      for (const name of [
        [{ family: 'Doe' }],
        [{ given: ['Jane'] }],
        [{ use: 'nickname', family: 'D', given: ['J'] }],
      ]) {
        const issues = validate(changed(patient(), (p) => (p.name = name)));
        expect(issues, JSON.stringify(name)).to.have.length(1);
        expect(issues[0]).to.include({ severity: 'error', code: 'invariant' });
        expect(issues[0].expression).to.deep.equal(['Patient']);
        expect(issues[0].diagnostics).to.contain('hosp-pat-1').and.contain('users.firstName and lastName');
      }
      expect(validate(changed(patient(), (p) => (p.name = [{ family: 'Doe', given: ['Jane'] }])))).to.deep.equal([]);
    });

    it('hosp-pat-2: a Patient needs an email telecom', () => {
      const issues = validate(changed(patient(), (p) => (p.telecom = [{ system: 'phone', value: '555' }])));
      expect(keys(issues)).to.deep.equal(['hosp-pat-2']);
      expect(issues[0].diagnostics).to.contain('users.email is required and unique');
    });

    it('Patient.gender is bound (required) to administrative-gender, and a bad code is reported once', () => {
      const issues = validate(changed(patient(), (p) => (p.gender = 'girl')));
      expect(where(issues)).to.deep.equal(['Patient.gender']);
    });

    it('the gender binding itself rejects a code outside the ValueSet (profile rules without the schema)', async () => {
      const files = await loadProfileFiles();
      const valueSets = new Map(files.valueSets.map((vs) => [vs.url!, new ValueSetCodes(vs)]));
      const definition = files.structureDefinitions.find((sd) => sd.url === PATIENT)!;
      const profile = compileProfile(definition, valueSets);
      const issues = profile.validate({ ...patient(), gender: 'girl' }, 'Patient');
      expect(issues).to.have.length(1);
      expect(issues[0]).to.include({ code: 'code-invalid' });
      expect(issues[0].diagnostics).to.contain('http://hl7.org/fhir/ValueSet/administrative-gender');
    });

    it('Patient.maritalStatus passes with a v3-MaritalStatus coding or the NullFlavor UNK', () => {
      for (const coding of [
        { system: MARITAL, code: 'S' },
        { system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', code: 'UNK' },
      ]) {
        const issues = validate(
          changed(patient(), (p) => (p.maritalStatus = { coding: [{ system: 'x', code: 'y' }, coding] })),
        );
        expect(issues, coding.code).to.deep.equal([]);
      }
    });

    it('Patient.maritalStatus with a code outside the ValueSet, or from another system, is code-invalid', () => {
      for (const coding of [
        { system: MARITAL, code: 'X' },
        { system: 'http://example.org/marital', code: 'M' },
      ]) {
        const issues = validate(changed(patient(), (p) => (p.maritalStatus = { coding: [coding] })));
        expect(issues, coding.system).to.have.length(1);
        expect(issues[0]).to.include({ code: 'code-invalid' });
        expect(issues[0].expression).to.deep.equal(['Patient.maritalStatus']);
      }
    });

    it('Patient.maritalStatus with only a text is reported: a required binding needs a coding', () => {
      const issues = validate(changed(patient(), (p) => (p.maritalStatus = { text: 'married' })));
      expect(issues).to.have.length(1);
      expect(issues[0]).to.include({ code: 'code-invalid' });
      expect(issues[0].diagnostics).to.contain("only a text ('married')");
    });

    const long = (n: number) => 'x'.repeat(n);
    const sizes: [string, string, string, (p: Record<string, unknown>, n: number) => void, number][] = [
      ['hosp-pat-3', 'name.family', 'Patient.name[0]', (p, n) => (p.name = [{ family: long(n), given: ['J'] }]), 100],
      [
        'hosp-pat-4',
        'joined given',
        'Patient.name[0]',
        (p, n) => (p.name = [{ family: 'D', given: ['J', long(n - 2)] }]),
        100,
      ],
      ['hosp-pat-5', 'email', 'Patient.telecom[0]', (p, n) => (p.telecom = [{ system: 'email', value: long(n) }]), 255],
      [
        'hosp-pat-6',
        'phone',
        'Patient.telecom[1]',
        (p, n) => ((p.telecom as object[])[1] = { system: 'phone', value: long(n) }),
        20,
      ],
      [
        'hosp-pat-7',
        'an address line',
        'Patient.address[0]',
        (p, n) => (p.address = [{ line: ['1 Main Street', long(n)] }]),
        500,
      ],
      ['hosp-pat-8', 'city', 'Patient.address[0]', (p, n) => (p.address = [{ city: long(n) }]), 100],
      ['hosp-pat-9', 'state', 'Patient.address[0]', (p, n) => (p.address = [{ state: long(n) }]), 100],
      ['hosp-pat-10', 'postalCode', 'Patient.address[0]', (p, n) => (p.address = [{ postalCode: long(n) }]), 20],
      ['hosp-pat-11', 'country', 'Patient.address[0]', (p, n) => (p.address = [{ country: long(n) }]), 100],
    ];
    for (const [key, what, at, set, max] of sizes) {
      it(`${key}: ${what} longer than its users column (VARCHAR(${max})) fails, ${max} characters pass`, () => {
        const tooLong = validate(changed(patient(), (p) => set(p, max + 1)));
        expect(keys(tooLong)).to.deep.equal([key]);
        expect(where(tooLong)).to.deep.equal([at]);
        expect(tooLong[0].diagnostics).to.contain(`VARCHAR(${max})`);
        expect(validate(changed(patient(), (p) => set(p, max)))).to.deep.equal([]);
      });
    }
  });

  describe(`Practitioner profile (${PRACTITIONER})`, () => {
    const validate = (resource: unknown) => validateResource(resource, { profile: PRACTITIONER });

    it('a Practitioner with name, email, gender and the specialization extension passes', () => {
      expect(validate(practitioner())).to.deep.equal([]);
      const coded = changed(practitioner(), (p) => {
        p.extension = [
          {
            url: SPECIALIZATION,
            valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '394579002' }] },
          },
        ];
      });
      expect(validate(coded)).to.deep.equal([]);
    });

    it('hosp-prac-1 and hosp-prac-2: the name needs family and given, and an email telecom is required', () => {
      const issues = validate(
        changed(practitioner(), (p) => {
          p.name = [{ family: 'House' }];
          delete p.telecom;
        }),
      );
      expect(keys(issues)).to.deep.equal(['hosp-prac-1', 'hosp-prac-2']);
    });

    it('Practitioner.gender is bound (required) to administrative-gender', () => {
      expect(where(validate(changed(practitioner(), (p) => (p.gender = 'm'))))).to.deep.equal(['Practitioner.gender']);
    });

    it('hosp-prac-3: without the practitioner-specialization extension the specialization is missing', () => {
      const issues = validate(changed(practitioner(), (p) => delete p.extension));
      expect(keys(issues)).to.deep.equal(['hosp-prac-3']);
      expect(issues[0].diagnostics).to.contain(SPECIALIZATION).and.contain('doctors.specialization');
    });

    it('the specialization extension needs a valueCodeableConcept', () => {
      const issues = validate(
        changed(practitioner(), (p) => (p.extension = [{ url: SPECIALIZATION, valueString: 'Cardiology' }])),
      );
      expect(where(issues)).to.deep.equal(['Practitioner.extension[0].valueString']);
      expect(issues[0].diagnostics).to.contain('valueCodeableConcept');
    });

    it('hosp-spec-1: the specialization needs a text or a coding', () => {
      const issues = validate(
        changed(practitioner(), (p) => (p.extension = [{ url: SPECIALIZATION, valueCodeableConcept: {} }])),
      );
      expect(keys(issues)).to.deep.equal(['hosp-spec-1']);
      expect(where(issues)).to.deep.equal(['Practitioner.extension[0]']);
    });

    it('hosp-spec-2: the specialization text fits doctors.specialization (VARCHAR(100))', () => {
      const text = (n: number) =>
        changed(
          practitioner(),
          (p) => (p.extension = [{ url: SPECIALIZATION, valueCodeableConcept: { text: 'x'.repeat(n) } }]),
        );
      expect(keys(validate(text(101)))).to.deep.equal(['hosp-spec-2']);
      expect(validate(text(100))).to.deep.equal([]);
    });

    it('the specialization extension may appear once, and only on a Practitioner', () => {
      const twice = changed(
        practitioner(),
        (p) => (p.extension = [...(p.extension as object[]), ...(p.extension as object[])]),
      );
      expect(where(validate(twice))).to.deep.equal(['Practitioner.extension']);
      const onName = changed(practitioner(), (p) => {
        (p.name as Record<string, unknown>[])[0].extension = p.extension;
      });
      const issues = validate(onName);
      expect(where(issues)).to.deep.equal(['Practitioner.name[0].extension[0]']);
      expect(issues[0].diagnostics).to.contain('not allowed on Practitioner.name');
    });

    it('the users column sizes apply to a Practitioner too (hosp-prac-4)', () => {
      const issues = validate(changed(practitioner(), (p) => (p.name = [{ family: 'x'.repeat(101), given: ['G'] }])));
      expect(keys(issues)).to.deep.equal(['hosp-prac-4']);
    });
  });

  describe(`PractitionerRole profile (${PRACTITIONER_ROLE})`, () => {
    const validate = (resource: unknown) => validateResource(resource, { profile: PRACTITIONER_ROLE });
    const role = {
      resourceType: 'PractitionerRole',
      practitioner: { reference: 'Practitioner/123' },
      specialty: [{ text: 'Cardiology' }],
    };

    it('a PractitionerRole with a practitioner and a specialty passes', () => {
      expect(validate(role)).to.deep.equal([]);
    });

    it('practitioner and specialty are required (doctors.userId and doctors.specialization)', () => {
      const issues = validate({ resourceType: 'PractitionerRole', specialty: [] });
      expect(issues.map((issue) => issue.code)).to.deep.equal(['required', 'required']);
      expect(where(issues)).to.deep.equal(['PractitionerRole.practitioner', 'PractitionerRole.specialty']);
    });
  });

  it('validating a typical Patient against its profile stays fast (budget 5 ms, measured ~0.3 ms)', () => {
    const resource = patient();
    for (let i = 0; i < 50; i++) validateResource(resource, { profile: PATIENT });
    const started = performance.now();
    for (let i = 0; i < 200; i++) validateResource(resource, { profile: PATIENT });
    expect((performance.now() - started) / 200).to.be.below(5);
  });
});
