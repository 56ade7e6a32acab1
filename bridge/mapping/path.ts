/** Paths into the data: parsing (compile time) and the getters used at run time. */

export type PathRoot = 'scope' | 'root' | 'parent' | 'vars' | 'meta' | 'event' | 'now';

export interface ParsedPath {
  root: PathRoot;
  /** Property names and list indexes after the root. */
  segs: (string | number)[];
  text: string;
}

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_PATH_SEGMENTS = 16;

const SEG_RE = /^([A-Za-z_@][A-Za-z0-9_\-@:]*)((?:\[\d{1,6}\])*)$/;
const ROOTS: Record<string, PathRoot> = {
  $: 'scope',
  $root: 'root',
  $parent: 'parent',
  $vars: 'vars',
  $meta: 'meta',
  $event: 'event',
  $now: 'now',
};

/** True when `key` must never be used to read or write an object (prototype pollution). */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key) || key in Object.prototype;
}

/** Parses a path; returns an error message (what was expected) instead of throwing. */
export function parsePath(text: string): ParsedPath | string {
  if (typeof text !== 'string' || text.length === 0) return 'expected a non-empty path';
  const parts = text.split('.');
  let root: PathRoot = 'scope';
  let first = 0;
  const head = parts[0]!;
  if (head.startsWith('$')) {
    const r = ROOTS[head];
    if (!r) return `unknown path root '${head}' (expected one of: ${Object.keys(ROOTS).join(', ')})`;
    root = r;
    first = 1;
    if ((r === 'event' || r === 'now' || r === 'scope') && parts.length > 1 && r !== 'scope') {
      return `'${head}' has no properties`;
    }
    if ((r === 'vars' || r === 'meta') && parts.length < 2) return `'${head}' needs a name after it, e.g. ${head}.name`;
  }
  const segs: (string | number)[] = [];
  for (let i = first; i < parts.length; i++) {
    const p = parts[i]!;
    const m = SEG_RE.exec(p);
    if (!m) {
      if (p === '') return `empty segment in path '${text}'`;
      return `invalid path segment '${p}' (expected a field name of letters, digits and _, optionally followed by [index])`;
    }
    const name = m[1]!;
    if (isForbiddenKey(name)) return `path segment '${name}' is not allowed (reserved name)`;
    segs.push(name);
    if (m[2]) for (const idx of m[2].slice(1, -1).split('][')) segs.push(Number(idx));
  }
  if (segs.length > MAX_PATH_SEGMENTS) return `path too deep (${segs.length} segments, at most ${MAX_PATH_SEGMENTS})`;
  return { root, segs, text };
}

/** Renders segments the way admins read them: a.b[2].c */
export function renderSegs(segs: readonly (string | number)[], prefix = ''): string {
  let out = prefix;
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${s}` : s;
  }
  return out;
}

/** Marker returned by getters when the data has the wrong shape (diagnosed on the slow path). */
export const BAD_SHAPE: unique symbol = Symbol('bad-shape');

export type Getter = (v: unknown) => unknown;

/**
 * Builds a getter for the given segments. Returns undefined when a value on the way is absent
 * (undefined, null or false), BAD_SHAPE when a value on the way is not an object / list as needed.
 */
export function makeGetter(segs: readonly (string | number)[]): Getter {
  const n = segs.length;
  if (n === 0) return (v) => v;
  const allNames = segs.every((s) => typeof s === 'string');
  if (allNames && n === 1) {
    const a = segs[0] as string;
    return (v) => {
      if (v === null || v === undefined || v === false) return undefined;
      if (typeof v !== 'object' || Array.isArray(v)) return BAD_SHAPE;
      return (v as Record<string, unknown>)[a];
    };
  }
  if (allNames && n === 2) {
    const a = segs[0] as string;
    const b = segs[1] as string;
    return (v) => {
      if (v === null || v === undefined || v === false) return undefined;
      if (typeof v !== 'object' || Array.isArray(v)) return BAD_SHAPE;
      const w = (v as Record<string, unknown>)[a];
      if (w === null || w === undefined || w === false) return undefined;
      if (typeof w !== 'object' || Array.isArray(w)) return BAD_SHAPE;
      return (w as Record<string, unknown>)[b];
    };
  }
  return (v) => {
    let cur = v;
    for (let i = 0; i < n; i++) {
      if (cur === null || cur === undefined || cur === false) return undefined;
      if (typeof cur !== 'object') return BAD_SHAPE;
      const s = segs[i]!;
      if (typeof s === 'number') {
        if (!Array.isArray(cur)) return BAD_SHAPE;
        cur = cur[s];
      } else {
        if (Array.isArray(cur)) return BAD_SHAPE;
        cur = (cur as Record<string, unknown>)[s];
      }
    }
    return cur;
  };
}

/** Slow path: explains where and why a path could not be followed. */
export function diagnose(v: unknown, segs: readonly (string | number)[], prefix: string): { at: string; problem: string } {
  let cur = v;
  let at = prefix;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (cur === null || cur === undefined || cur === false) {
      return { at: renderSegs(segs.slice(i), at), problem: i === 0 ? 'missing' : `missing (${at} is ${cur === false ? 'false' : describe(cur)})` };
    }
    if (typeof s === 'number') {
      if (!Array.isArray(cur)) return { at, problem: `expected a list to take [${s}] from, got ${describe(cur)}` };
    } else if (typeof cur !== 'object' || Array.isArray(cur)) {
      return {
        at,
        problem: Array.isArray(cur)
          ? `expected an object to read '${s}' from, got a list (use each: to map a list)`
          : `expected an object to read '${s}' from, got ${describe(cur)}`,
      };
    }
    cur = (cur as Record<string | number, unknown>)[s];
    at = renderSegs([s], at);
  }
  return { at, problem: 'missing' };
}

export function describe(v: unknown): string {
  if (v === undefined) return 'absent';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
