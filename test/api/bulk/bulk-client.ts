// A Bulk Data client for the black-box tests: kick-off, polling to the manifest, file downloads.
import type { TestServer } from '../../support/server.js';

export interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
  error: unknown[];
}

export const ASYNC = { prefer: 'respond-async' };

/** The status URL's path below the FHIR base. */
export function statusPath(server: TestServer, contentLocation: string | null): string {
  if (!contentLocation) throw new Error('no Content-Location');
  return contentLocation.slice(server.config.fhirBaseUrl.length);
}

export async function kickOff(
  server: TestServer,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<string> {
  const res = await server.call(body ? 'POST' : 'GET', path, { headers: { ...ASYNC, ...headers }, body });
  if (res.status !== 202) throw new Error(`kick-off ${path}: ${res.status} ${res.text}`);
  return statusPath(server, res.headers.get('content-location'));
}

export async function poll(
  server: TestServer,
  status: string,
  headers: Record<string, string> = {},
  timeoutMs = 30000,
): Promise<{ manifest: Manifest; progress: string[] }> {
  const started = Date.now();
  const progress: string[] = [];
  for (;;) {
    const res = await server.call('GET', status, { headers });
    if (res.status === 200) return { manifest: res.body as Manifest, progress };
    if (res.status !== 202) throw new Error(`poll: ${res.status} ${res.text}`);
    progress.push(`${res.headers.get('x-progress')}|${res.headers.get('retry-after')}`);
    if (Date.now() - started > timeoutMs) throw new Error(`export not done in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The NDJSON lines of one output file, parsed. */
export async function download(
  server: TestServer,
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | null; resources: any[] }> {
  const res = await fetch(url.replace(server.config.fhirBaseUrl, `${server.url}${server.config.fhirBasePath}`), {
    headers: { accept: 'application/fhir+ndjson', ...headers },
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    resources:
      res.status === 200
        ? text
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l))
        : [],
  };
}

export async function exportAll(
  server: TestServer,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
) {
  const status = await kickOff(server, path, headers, body);
  const { manifest } = await poll(server, status, headers);
  const files: Record<string, any[]> = {};
  for (const o of manifest.output) files[o.type] = (await download(server, o.url, headers)).resources;
  return { status, manifest, files };
}
