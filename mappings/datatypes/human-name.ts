// HumanName ⇄ users.firstName / users.lastName: the official name (use official, or no use).
import type { HumanName } from 'fhir/r4.js';
import type { SlotRule } from '../types.js';

export const officialNameSlot: SlotRule = {
  path: 'name',
  key: (item) => (item.use === undefined || item.use === 'official' ? 'official' : undefined),
};

export function officialName(names: readonly HumanName[] | undefined): HumanName | undefined {
  return names?.find((n) => officialNameSlot.key(n as Record<string, unknown>) !== undefined);
}

export function renderOfficialName(firstName: string | undefined, lastName: string | undefined): HumanName[] {
  if (!firstName && !lastName) return [];
  return [{ use: 'official', ...(lastName ? { family: lastName } : {}), ...(firstName ? { given: [firstName] } : {}) }];
}
