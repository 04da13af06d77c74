// The elements an update changed, before and after (for the audit row's `changes`, D9): top-level
// elements of the two renderings compared as JSON; meta and text left out.
const IGNORED = new Set(['meta', 'text']);

export function changedElements(
  before: string | undefined,
  after: string | undefined,
): { old: Record<string, unknown> | null; new: Record<string, unknown> | null } {
  const a = before ? (JSON.parse(before) as Record<string, unknown>) : undefined;
  const b = after ? (JSON.parse(after) as Record<string, unknown>) : undefined;
  if (!a || !b) return { old: a ?? null, new: b ?? null };
  const old: Record<string, unknown> = {};
  const now: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (IGNORED.has(key) || JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
    old[key] = a[key] ?? null;
    now[key] = b[key] ?? null;
  }
  return { old, new: now };
}
