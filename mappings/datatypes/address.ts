// Address ⇄ users.address, city, state, postalCode, country: the first home (or unlabelled) address.
import type { Address } from 'fhir/r4.js';
import type { JsonRow, SlotRule, WriteProblem } from '../types.js';
import { fits, str } from './columns.js';

export const homeAddressSlot: SlotRule = {
  path: 'address',
  key: (item) => (item.use === undefined || item.use === 'home' ? 'home' : undefined),
};

export function renderAddress(user: JsonRow): Address[] {
  const address: Address = {};
  const line = str(user.address);
  if (line) address.line = [line];
  if (str(user.city)) address.city = str(user.city);
  if (str(user.state)) address.state = str(user.state);
  if (str(user.postalCode)) address.postalCode = str(user.postalCode);
  if (str(user.country)) address.country = str(user.country);
  return Object.keys(address).length > 0 ? [address] : [];
}

export function addressColumns(addresses: readonly Address[] | undefined, problems: WriteProblem[], base: string) {
  const index = addresses?.findIndex((a) => homeAddressSlot.key(a as Record<string, unknown>) !== undefined) ?? -1;
  const a = index >= 0 ? addresses![index]! : undefined;
  const at = `${base}.address[${index}]`;
  return {
    address: fits(problems, `${at}.line[0]`, a?.line?.[0], 500),
    city: fits(problems, `${at}.city`, a?.city, 100),
    state: fits(problems, `${at}.state`, a?.state, 100),
    postalCode: fits(problems, `${at}.postalCode`, a?.postalCode, 20),
    country: fits(problems, `${at}.country`, a?.country, 100),
  };
}
