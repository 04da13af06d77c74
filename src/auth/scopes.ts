// SMART scopes, v1 and v2 (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html):
// `patient/Observation.read`, `user/*.*`, `system/*.read` and `patient/Observation.rs`,
// `user/Appointment.cruds`, with v2 search-parameter restrictions such as `?category=...|laboratory`.
import type { Interaction } from '../../mappings/types.js';

export type ScopeContext = 'patient' | 'user' | 'system';
export type Action = 'c' | 'r' | 'u' | 'd' | 's';

export interface Grant {
  context: ScopeContext;
  /** A resource type, or '*' for all. */
  type: string;
  actions: ReadonlySet<Action>;
  /** v2 restrictions: search parameters (name → values) every permitted row must match. */
  restrictions: readonly { name: string; value: string }[];
  scope: string;
}

const V1 = /^(patient|user|system)\/([A-Z][A-Za-z]+|\*)\.(read|write|\*)$/;
const V2 = /^(patient|user|system)\/([A-Z][A-Za-z]+|\*)\.(c?r?u?d?s?)(\?.+)?$/;

const V1_ACTIONS: Record<string, Action[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

/** The resource grant a scope stands for, or undefined for other scopes (openid, launch, ...). */
export function parseResourceScope(scope: string): Grant | undefined {
  const v1 = V1.exec(scope);
  if (v1)
    return {
      context: v1[1] as ScopeContext,
      type: v1[2]!,
      actions: new Set(V1_ACTIONS[v1[3]!]),
      restrictions: [],
      scope,
    };
  const v2 = V2.exec(scope);
  if (!v2 || v2[3] === '') return undefined;
  const restrictions = [...new URLSearchParams(v2[4]?.slice(1) ?? '')].map(([name, value]) => ({ name, value }));
  if (restrictions.some((r) => !/^[a-z][a-z0-9-]*$/.test(r.name) || r.value === '')) return undefined;
  return {
    context: v2[1] as ScopeContext,
    type: v2[2]!,
    actions: new Set(v2[3]!.split('') as Action[]),
    restrictions,
    scope,
  };
}

export const splitScopes = (text: string | undefined): string[] =>
  [...new Set((text ?? '').split(/\s+/).filter(Boolean))].sort();

/** The SMART action an interaction needs. */
export function actionOf(interaction: Interaction): Action {
  switch (interaction) {
    case 'read':
    case 'vread':
    case 'history-instance':
      return 'r';
    case 'search-type':
    case 'history-type':
      return 's';
    case 'create':
      return 'c';
    case 'update':
    case 'patch':
      return 'u';
    case 'delete':
      return 'd';
  }
}

/**
 * Whether `requested` is covered by one of `allowed` (a client's registered scopes or what the
 * user's roles permit): same context, type or '*', a subset of actions, and, when the allowed
 * scope is restricted, the same restrictions.
 */
export function scopeCovered(requested: string, allowed: readonly string[]): boolean {
  if (allowed.includes(requested)) return true;
  const want = parseResourceScope(requested);
  if (!want) return false;
  return allowed.some((a) => {
    const have = parseResourceScope(a);
    if (!have || have.context !== want.context) return false;
    if (have.type !== '*' && have.type !== want.type) return false;
    if (![...want.actions].every((x) => have.actions.has(x))) return false;
    return have.restrictions.every((r) => want.restrictions.some((w) => w.name === r.name && w.value === r.value));
  });
}
