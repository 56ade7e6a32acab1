import type { z } from 'zod';

export interface Issue {
  /** Dotted JSON path with [i] for array indexes, e.g. "recipient.address.city", "products[0].quantity". */
  path: string;
  message: string;
  code: string;
  /** For unrecognized keys: the unknown key names. */
  keys?: string[];
}

export function pathToString(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

export type Parsed<T> = { ok: true; data: T } | { ok: false; issues: Issue[] };

export function validate<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.output<S>> {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, data: r.data };
  const issues: Issue[] = r.error.issues.map((i) => {
    const issue: Issue = { path: pathToString(i.path), message: i.message, code: i.code };
    if (i.code === 'unrecognized_keys') issue.keys = [...(i as { keys: string[] }).keys];
    return issue;
  });
  return { ok: false, issues };
}
