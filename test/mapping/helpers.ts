import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writer } from '../../bridge/cli/mappings-files.js';
import { stringify } from 'yaml';
import {
  compileMapping,
  formatIssue,
  formatRunIssue,
  runMapping,
  xrefFromTable,
  type CompiledMapping,
  type MappingContext,
  type XrefTable,
} from '../../bridge/mapping/index.js';

export const ROOT = new URL('../../../', import.meta.url).pathname;

export interface Head {
  direction?: 'outbound' | 'inbound';
  source?: string;
  system?: string;
  events?: string[];
  output?: string;
  odoo_model?: string;
}

export function mappingText(fields: unknown, head: Head = {}): string {
  const h = { direction: 'outbound', source: 'sale.order', system: 'test', events: ['release'], output: 'test.payload', ...head };
  return stringify({ ...h, fields });
}

export function compileOk(text: string, file = 'test.yaml'): CompiledMapping {
  const r = compileMapping(text, file);
  if (!r.ok) throw new Error('expected the mapping to compile:\n' + r.issues.map(formatIssue).join('\n'));
  return r.mapping;
}

export function compileIssues(text: string, file = 'test.yaml'): string[] {
  const r = compileMapping(text, file);
  if (r.ok) throw new Error('expected compile errors, the mapping compiled');
  return r.issues.map(formatIssue);
}

export interface RunCase {
  name: string;
  fields: unknown;
  head?: Head;
  input: unknown;
  ctx?: MappingContext & { table?: XrefTable };
  expected?: unknown;
  /** Substrings, each expected in one of the run errors. */
  errors?: string[];
}

export function run(c: RunCase): { ok: true; value: unknown } | { ok: false; errors: string[] } {
  const m = compileOk(mappingText(c.fields, c.head));
  const { table, ...ctx } = c.ctx ?? {};
  if (table) ctx.xref = xrefFromTable(table);
  const r = runMapping(m, c.input, ctx);
  return r.ok ? r : { ok: false, errors: r.errors.map(formatRunIssue) };
}

/** A Writer that keeps what the mapping commands print. */
export function capture(): Writer & { outs: string[]; errs: string[]; text: () => string } {
  const outs: string[] = [];
  const errs: string[] = [];
  return { outs, errs, out: (l) => outs.push(l), err: (l) => errs.push(l), text: () => [...outs, ...errs].join('\n') };
}

/** A temporary folder holding `files` (relative name -> text). */
export function tempDir(files: Record<string, string>, prefix = 'mappings-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
