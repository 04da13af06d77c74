// ContactPoint ⇄ users.email / users.phoneNumber: the first email and the first phone.
import type { ContactPoint } from 'fhir/r4.js';
import type { SlotRule } from '../types.js';

export const telecomSlot: SlotRule = {
  path: 'telecom',
  key: (item) => (item.system === 'email' || item.system === 'phone' ? String(item.system) : undefined),
};

export const firstOf = (telecom: readonly ContactPoint[] | undefined, system: 'email' | 'phone') =>
  telecom?.find((t) => t.system === system)?.value;

export function renderTelecom(email: string | undefined, phone: string | undefined): ContactPoint[] {
  return [
    ...(email ? [{ system: 'email' as const, value: email }] : []),
    ...(phone ? [{ system: 'phone' as const, value: phone }] : []),
  ];
}
