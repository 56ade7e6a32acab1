/**
 * Structural difference of two mapped payloads (plain JSON values), for `mappings diff`.
 * Pure: no I/O. Objects are compared by key, lists by position (a mapping keeps the order of
 * its source lines), everything else by value.
 */

export interface PayloadChange {
  /** `+` only in the new payload, `-` only in the old one, `~` in both with another value. */
  op: '+' | '-' | '~';
  /** Data path in the payload: `products[3].quantity`, `''` for the whole payload. */
  path: string;
  before?: unknown;
  after?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function keyPath(base: string, key: string): string {
  const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  return base ? `${base}.${k}` : k;
}

function walk(a: unknown, b: unknown, path: string, out: PayloadChange[], max: number): void {
  if (out.length >= max) return;
  if (isObject(a) && isObject(b)) {
    for (const k of Object.keys(a)) {
      if (!(k in b)) out.push({ op: '-', path: keyPath(path, k), before: a[k] });
      else walk(a[k], b[k], keyPath(path, k), out, max);
      if (out.length >= max) return;
    }
    for (const k of Object.keys(b)) {
      if (!(k in a)) out.push({ op: '+', path: keyPath(path, k), after: b[k] });
      if (out.length >= max) return;
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n && out.length < max; i++) {
      const p = `${path}[${i}]`;
      if (i >= a.length) out.push({ op: '+', path: p, after: b[i] });
      else if (i >= b.length) out.push({ op: '-', path: p, before: a[i] });
      else walk(a[i], b[i], p, out, max);
    }
    return;
  }
  // Different kinds, or two scalars: equal only when the same value of the same type.
  if (!Object.is(a, b) && !(a === 0 && b === 0)) out.push({ op: '~', path, before: a, after: b });
}

/**
 * The changes from `before` to `after`, at most `max` (the rest are not computed; `truncated`
 * says so). An empty list: the payloads are the same.
 */
export function diffPayloads(before: unknown, after: unknown, max = 200): { changes: PayloadChange[]; truncated: boolean } {
  const changes: PayloadChange[] = [];
  walk(before, after, '', changes, max + 1);
  const truncated = changes.length > max;
  return { changes: truncated ? changes.slice(0, max) : changes, truncated };
}

/** A value shown in one line: JSON, cut at `width` characters. */
export function showValue(v: unknown, width = 80): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > width ? `${s.slice(0, width - 1)}…` : s;
}

/** One line per change: `~ products[0].quantity: 2 -> 2.5`, `+ phone: "555"`, `- tags: [...]`. */
export function formatChange(c: PayloadChange, width = 80): string {
  const where = c.path || '(payload)';
  if (c.op === '+') return `+ ${where}: ${showValue(c.after, width)}`;
  if (c.op === '-') return `- ${where}: ${showValue(c.before, width)}`;
  return `~ ${where}: ${showValue(c.before, width)} -> ${showValue(c.after, width)}`;
}
