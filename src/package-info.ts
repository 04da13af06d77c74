// The server's name and version, from package.json (found from src/ under tsx and from dist/src/).
import { existsSync, readFileSync } from 'node:fs';

export interface PackageInfo {
  name: string;
  version: string;
}

function find(): PackageInfo {
  for (const relative of ['../package.json', '../../package.json']) {
    const url = new URL(relative, import.meta.url);
    if (existsSync(url)) return JSON.parse(readFileSync(url, 'utf8')) as PackageInfo;
  }
  return { name: 'fhir-interop-server', version: '0.0.0' };
}

export const packageInfo: PackageInfo = find();
