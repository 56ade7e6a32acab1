import { PermanentError } from '../errors/index.js';

/** Small readers of mapped payloads and vendor responses, failing with a 'mapping' error. */
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function requireStr(payload: Obj, key: string, what: string): string {
  const v = str(payload[key]);
  if (v === undefined) throw new PermanentError(`${what}: the mapped payload has no '${key}'`, { category: 'mapping' });
  return v;
}

/** Reads a dotted path (`results.0.id`). */
export function at(v: unknown, path: string): unknown {
  let cur = v;
  for (const part of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isObj(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

export function asArray(v: unknown, key = 'items'): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObj(v) && Array.isArray(v[key])) return v[key] as unknown[];
  return [];
}

export function unsupported(preset: string, req: { kind: string; eventType: string }): PermanentError {
  return new PermanentError(
    `${preset} connector cannot deliver kind '${req.kind}' for event '${req.eventType}'; check the target's mappings`,
    { category: 'mapping' },
  );
}
