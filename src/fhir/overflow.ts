// D4, nothing lost: what a client sent beyond what the columns hold is kept beside the row and
// merged back on read. `split` keeps the parts of the sent resource that the rendering of the
// stored columns does not reproduce; `merge` puts them back, the columns winning where they speak.
// Arrays whose items the columns own (SlotRule: telecom email, official name, ...) keep the
// client's order in a layout of {$slot} (the column item, plus what it does not hold) and {$item}.
import type { SlotRule } from '../../mappings/types.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const OMIT = Symbol('omit');
type Split = Json | typeof OMIT;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function slotItems(rendered: unknown, rule: SlotRule): Map<string, JsonObject> {
  const items = new Map<string, JsonObject>();
  if (!Array.isArray(rendered)) return items;
  for (const item of rendered) {
    if (!isObject(item)) continue;
    const key = rule.key(item);
    if (key !== undefined && !items.has(key)) items.set(key, item);
  }
  return items;
}

function splitValue(sent: Json, rendered: unknown, path: string, rules: Map<string, SlotRule>): Split {
  if (Array.isArray(sent)) {
    const rule = rules.get(path);
    if (rule) return splitSlots(sent, rendered, rule, path, rules);
    const items = sent.map((item, i) =>
      splitValue(item, Array.isArray(rendered) ? rendered[i] : undefined, path, rules),
    );
    if (items.every((item) => item === OMIT)) return OMIT;
    return items.map((item) => (item === OMIT ? null : item));
  }
  if (isObject(sent)) {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(sent)) {
      const part = splitValue(value, isObject(rendered) ? rendered[key] : undefined, `${path}.${key}`, rules);
      if (part !== OMIT) out[key] = part;
    }
    return Object.keys(out).length > 0 ? out : OMIT;
  }
  return deepEqual(sent, rendered) ? OMIT : sent;
}

function splitSlots(
  sent: Json[],
  rendered: unknown,
  rule: SlotRule,
  path: string,
  rules: Map<string, SlotRule>,
): Split {
  const owned = slotItems(rendered, rule);
  const used = new Set<string>();
  const layout: JsonObject[] = [];
  for (const item of sent) {
    const key = isObject(item) ? rule.key(item) : undefined;
    if (key !== undefined && !used.has(key) && owned.has(key)) {
      used.add(key);
      const residual = splitValue(item, owned.get(key), path, rules);
      layout.push({ $slot: key, ...(residual === OMIT ? {} : (residual as JsonObject)) });
    } else layout.push({ $item: item });
  }
  const renderedOrder = [...owned.keys()];
  const plain =
    layout.length === renderedOrder.length &&
    layout.every((entry, i) => Object.keys(entry).length === 1 && entry.$slot === renderedOrder[i]);
  return plain && Array.isArray(rendered) && rendered.length === layout.length ? OMIT : layout;
}

/** What of `sent` the rendering of the stored columns does not reproduce; undefined when nothing. */
export function splitOverflow(sent: object, rendered: object, slots: readonly SlotRule[]): object | undefined {
  const rules = new Map(slots.map((rule) => [rule.path, rule]));
  const { id: _id, meta: _meta, ...body } = sent as JsonObject;
  const part = splitValue(body, rendered, '', new Map([...rules].map(([p, r]) => [`.${p}`, r])));
  return part === OMIT ? undefined : (part as object);
}

function mergeValue(rendered: unknown, overflow: Json, path: string, rules: Map<string, SlotRule>): Json | undefined {
  if (Array.isArray(overflow)) {
    const rule = rules.get(path);
    if (rule && overflow.every((entry) => isObject(entry) && ('$slot' in entry || '$item' in entry)))
      return mergeSlots(rendered, overflow as JsonObject[], rule, path, rules);
    const base = Array.isArray(rendered) ? (rendered as Json[]) : [];
    const out: Json[] = [];
    for (let i = 0; i < Math.max(base.length, overflow.length); i++) {
      const part = overflow[i];
      const value = part === null || part === undefined ? base[i] : mergeValue(base[i], part, path, rules);
      if (value !== undefined) out.push(value);
    }
    return out;
  }
  if (isObject(overflow)) {
    const out: JsonObject = isObject(rendered) ? { ...(rendered as JsonObject) } : {};
    for (const [key, value] of Object.entries(overflow)) {
      const merged = mergeValue(isObject(rendered) ? rendered[key] : undefined, value, `${path}.${key}`, rules);
      if (merged !== undefined) out[key] = merged;
    }
    return out;
  }
  return rendered === undefined ? overflow : (rendered as Json);
}

function mergeSlots(
  rendered: unknown,
  layout: JsonObject[],
  rule: SlotRule,
  path: string,
  rules: Map<string, SlotRule>,
): Json[] {
  const owned = slotItems(rendered, rule);
  const used = new Set<string>();
  const out: Json[] = [];
  for (const entry of layout) {
    if ('$item' in entry) {
      out.push(entry.$item!);
      continue;
    }
    const key = String(entry.$slot);
    const item = owned.get(key);
    if (!item || used.has(key)) continue; // the column was emptied since: the element is gone
    used.add(key);
    const { $slot: _slot, ...residual } = entry;
    out.push(Object.keys(residual).length > 0 ? (mergeValue(item, residual, path, rules) as Json) : item);
  }
  if (Array.isArray(rendered))
    for (const item of rendered as Json[]) {
      const key = isObject(item) ? rule.key(item) : undefined;
      if (key === undefined ? !out.includes(item) : !used.has(key)) {
        if (key !== undefined) used.add(key);
        out.push(item);
      }
    }
  return out;
}

/** The rendering of the columns with the kept overflow merged back. */
export function mergeOverflow<T extends object>(rendered: T, overflow: unknown, slots: readonly SlotRule[]): T {
  if (!isObject(overflow)) return rendered;
  const rules = new Map(slots.map((rule) => [`.${rule.path}`, rule]));
  return mergeValue(rendered, overflow, '', rules) as unknown as T;
}
