// A small FHIR client over fetch for the black-box tests.
export interface FhirReply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export function fhirClient(base: string) {
  return async function call<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; raw?: string } = {},
  ): Promise<FhirReply<T>> {
    const headers: Record<string, string> = { accept: 'application/fhir+json', ...options.headers };
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/fhir+json';
    }
    const res = await fetch(`${base}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };
}

let counter = 0;
/** A valid Patient for this server's profile; every call gets a new email. */
export function newPatient(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    resourceType: 'Patient',
    name: [{ use: 'official', family: 'Testperson', given: ['Alex'] }],
    telecom: [{ system: 'email', value: `alex.${process.pid}.${counter}.${Date.now()}@example.org` }],
    gender: 'female',
    birthDate: '1985-02-03',
    ...overrides,
  };
}

export function newPractitioner(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    resourceType: 'Practitioner',
    extension: [
      {
        url: 'https://fhir-interop-server.dev/fhir/StructureDefinition/practitioner-specialization',
        valueCodeableConcept: { text: 'Cardiology' },
      },
    ],
    name: [{ use: 'official', family: 'Heart', given: ['Hana'] }],
    telecom: [{ system: 'email', value: `hana.${process.pid}.${counter}.${Date.now()}@example.org` }],
    gender: 'female',
    ...overrides,
  };
}
