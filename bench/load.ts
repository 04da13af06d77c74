// Load generation with autocannon over loopback: one run, its throughput, p99 and status counts,
// and the request streams of the REST scenarios (random reads, creates with unique emails).
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';

export interface LoadResult {
  /** Mean of autocannon's per-second request counts. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxLatencyMs: number;
  requests: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  requests: autocannon.Request[];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: options.requests,
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxLatencyMs: result.latency.max,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
}

/** GET `${prefix}/Patient/<id>`, the id drawn at random from `ids` for every request. */
export function readRequests(prefix: string, ids: string[]): autocannon.Request[] {
  return [
    {
      method: 'GET',
      headers: { accept: 'application/fhir+json' },
      setupRequest: (request) => ({
        ...request,
        path: `${prefix}/Patient/${ids[Math.floor(Math.random() * ids.length)]}`,
      }),
    },
  ];
}

const FAMILY = ['Garcia', 'Nguyen', 'Okafor', 'Schmidt', 'Rossi', 'Kowalski', 'Haddad', 'Tanaka', 'Silva', 'Murphy'];
const GIVEN = ['Maria', 'James', 'Aiko', 'Chidi', 'Lena', 'Omar', 'Sofia', 'Piotr', 'Grace', 'Mateo'];
const CITIES = [
  { city: 'Springfield', state: 'IL', postalCode: '62704' },
  { city: 'Madison', state: 'WI', postalCode: '53703' },
  { city: 'Portland', state: 'OR', postalCode: '97205' },
];
let counter = 0;

/** A realistic Patient to create; its email is unique per call (bench-<counter>-<random>@example.org). */
export function patientBody(): string {
  const n = counter++;
  const place = CITIES[n % CITIES.length];
  const month = String((n % 12) + 1).padStart(2, '0');
  const day = String((n % 28) + 1).padStart(2, '0');
  return JSON.stringify({
    resourceType: 'Patient',
    name: [{ use: 'official', family: FAMILY[n % FAMILY.length], given: [GIVEN[(n * 7) % GIVEN.length]] }],
    telecom: [
      { system: 'email', value: `bench-${n}-${randomBytes(4).toString('hex')}@example.org`, use: 'home' },
      { system: 'phone', value: `+1-555-${String(n % 10000).padStart(4, '0')}`, use: 'mobile' },
    ],
    gender: n % 2 ? 'female' : 'male',
    birthDate: `${1940 + (n % 65)}-${month}-${day}`,
    address: [{ use: 'home', line: [`${100 + (n % 900)} Main Street`], ...place, country: 'US' }],
  });
}

/** POST `${prefix}/Patient` with a fresh patientBody() for every request. */
export function createRequests(prefix: string): autocannon.Request[] {
  return [
    {
      method: 'POST',
      path: `${prefix}/Patient`,
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
      setupRequest: (request) => ({ ...request, body: patientBody() }),
    },
  ];
}
