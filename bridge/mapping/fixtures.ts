/**
 * Fixture cases that sit next to mappings (mappings/<preset>/fixtures/<mapping>.yaml): parsing
 * and running. Pure: the caller reads the files.
 */
import { parse } from 'yaml';
import * as z from 'zod';
import type { CompiledMapping } from './compiler.js';
import { formatRunIssue } from './errors.js';
import { runMapping, xrefFromTable } from './index.js';

const XrefTableSchema = z.strictObject({
  links: z.array(z.strictObject({ system: z.string(), model: z.string(), id: z.number(), external_id: z.string() })).optional(),
  keys: z.array(z.strictObject({ model: z.string(), field: z.string(), value: z.union([z.string(), z.number()]), id: z.number() })).optional(),
});

export const FixtureCaseSchema = z
  .strictObject({
    name: z.string().min(1),
    event: z.string().optional(),
    now: z.string().optional(),
    vars: z.record(z.string(), z.unknown()).optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
    xref: XrefTableSchema.optional(),
    input: z.unknown(),
    expected: z.unknown().optional(),
    /** Each entry must appear in one of the formatted run errors. */
    errors: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((c) => (c.expected === undefined) !== (c.errors === undefined), 'a case needs expected or errors (not both)');
export type FixtureCase = z.infer<typeof FixtureCaseSchema>;

export const FixtureFileSchema = z.strictObject({ cases: z.array(FixtureCaseSchema).min(1) });

export function parseFixtures(text: string, file: string): { ok: true; cases: FixtureCase[] } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, error: `${file}: invalid YAML: ${(e as Error).message.split('\n')[0]}` };
  }
  const r = FixtureFileSchema.safeParse(raw);
  if (!r.success) {
    return { ok: false, error: r.error.issues.map((i) => `${file}: ${i.path.join('.')}: ${i.message}`).join('\n') };
  }
  return { ok: true, cases: r.data.cases };
}

/** Differences between two JSON values, as `path: expected X, got Y` lines (at most `max`). */
export function diffValues(expected: unknown, actual: unknown, path = '', out: string[] = [], max = 10): string[] {
  if (out.length >= max) return out;
  const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) out.push(`${path || '(root)'}: expected ${expected.length} item(s), got ${actual.length}`);
    for (let i = 0; i < Math.min(expected.length, actual.length); i++) diffValues(expected[i], actual[i], `${path}[${i}]`, out, max);
    return out;
  }
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object' && !Array.isArray(expected) && !Array.isArray(actual)) {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const k of new Set([...Object.keys(e), ...Object.keys(a)])) {
      diffValues(e[k], a[k], path ? `${path}.${k}` : k, out, max);
    }
    return out;
  }
  if (!Object.is(expected, actual)) out.push(`${path || '(root)'}: expected ${show(expected)}, got ${show(actual)}`);
  return out;
}

export interface FixtureResult {
  name: string;
  ok: boolean;
  problems: string[];
}

export function runFixtureCase(m: CompiledMapping, c: FixtureCase): FixtureResult {
  const ctx = {
    ...(c.event !== undefined ? { event: c.event } : {}),
    now: c.now ?? '2026-01-01T00:00:00Z',
    vars: c.vars ?? {},
    meta: c.meta ?? {},
    xref: xrefFromTable(c.xref ?? {}),
  };
  const r = runMapping(m, c.input, ctx);
  if (c.errors) {
    if (r.ok) return { name: c.name, ok: false, problems: [`expected errors, got a payload: ${JSON.stringify(r.value).slice(0, 300)}`] };
    const lines = r.errors.map(formatRunIssue);
    const missing = c.errors.filter((want) => !lines.some((l) => l.includes(want)));
    return {
      name: c.name,
      ok: missing.length === 0,
      problems: missing.map((w) => `expected an error containing ${JSON.stringify(w)}; got:\n    ${lines.join('\n    ')}`),
    };
  }
  if (!r.ok) return { name: c.name, ok: false, problems: r.errors.map(formatRunIssue) };
  const d = diffValues(c.expected, JSON.parse(JSON.stringify(r.value)));
  return { name: c.name, ok: d.length === 0, problems: d };
}
