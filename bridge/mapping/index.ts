/**
 * Public API of the mapping engine (pure: no I/O).
 *
 *   const m = loadMapping(text, 'mappings/shipbob/order_release.yaml');   // throws MappingCompileError
 *   const spec = requiredSpec(m);                                           // web_read specification
 *   const wanted = collectLookups(m, record, ctx);                          // xrefs to pre-fetch
 *   const r = runMapping(m, record, { event: 'release', xref, vars, meta }); // {ok, value} | {ok:false, errors}
 */
import { compileMapping, type CompiledMapping, type CompileOptions } from './compiler.js';
import { MappingCompileError, MappingRunError, type MappingRunIssue } from './errors.js';
import { Rt, type LookupRequest, type MappingContext, type Scope, type XrefResolver } from './runtime.js';

export { compileMapping, DEFAULT_LIMITS } from './compiler.js';
export type { CompiledMapping, CompileOptions, CompileResult, Limits, LookupDecl } from './compiler.js';
export type { MappingContext, XrefResolver, LookupRequest } from './runtime.js';
export { MappingError, MappingCompileError, MappingRunError, formatIssue, formatRunIssue } from './errors.js';
export type { MappingIssue, MappingRunIssue } from './errors.js';
export { generateMappingJsonSchema, LANGUAGE_VERSION } from './schema.js';
export { floatRound, convertUom, uomRuleOf, UOM_FIELDS, type UomRule } from './numeric.js';
export { DEFAULT_ODOO_SERIES } from './compiler.js';

/** Compiles or throws MappingCompileError listing every issue in the file. */
export function loadMapping(text: string, file: string, options?: CompileOptions): CompiledMapping {
  const r = compileMapping(text, file, options);
  if (!r.ok) throw new MappingCompileError(r.issues);
  return r.mapping;
}

export type RunResult = { ok: true; value: unknown } | { ok: false; errors: MappingRunIssue[]; dropped: number };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function start(m: CompiledMapping, input: unknown, ctx: MappingContext): { rt: Rt; root: Scope } {
  const root: Scope = { v: input, rec: isPlainObject(input) ? input : undefined, c0: undefined, c1: undefined, p: null, i: -1, from: null, seg: '' };
  return { rt: new Rt(m.file, ctx, root, m.limits.maxErrors), root };
}

const TOP = { construct: '(input)', line: 0, col: 0, data: () => '' };

/** Maps one record / message. Never throws for bad data: every problem comes back in `errors`. */
export function runMapping(m: CompiledMapping, input: unknown, ctx: MappingContext = {}): RunResult {
  const { rt, root } = start(m, input, ctx);
  if (!isPlainObject(input)) {
    rt.fail(TOP, '', `expected ${m.direction === 'outbound' ? `a ${m.source} record` : `a ${m.source} message`} (an object), got ${Array.isArray(input) ? 'a list' : input === null ? 'null' : typeof input}`);
    return { ok: false, errors: rt.errors ?? [], dropped: 0 };
  }
  if (ctx.event !== undefined && !m.events.includes(ctx.event)) {
    rt.fail({ ...TOP, construct: 'events' }, '', `event '${ctx.event}' is not served by this mapping (events: ${m.events.join(', ')})`);
    return { ok: false, errors: rt.errors ?? [], dropped: 0 };
  }
  const value = m.root(root, rt);
  if (rt.errors !== undefined) return { ok: false, errors: rt.errors, dropped: rt.dropped };
  if (m.outputSchema) {
    const r = m.outputSchema.safeParse(value);
    if (!r.success) {
      for (const iss of r.error.issues.slice(0, m.limits.maxErrors)) {
        const path = iss.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
        rt.fail({ ...TOP, construct: `output ${m.output}` }, path, iss.message.replace(/^Invalid input: /, ''));
      }
      return { ok: false, errors: rt.errors ?? [], dropped: Math.max(0, r.error.issues.length - m.limits.maxErrors) };
    }
    return { ok: true, value: r.data };
  }
  return { ok: true, value };
}

/** Maps one record or throws MappingRunError (permanent, category 'mapping'). */
export function mapOrThrow(m: CompiledMapping, input: unknown, ctx: MappingContext = {}): unknown {
  const r = runMapping(m, input, ctx);
  if (!r.ok) throw new MappingRunError(r.errors, m.version);
  return r.value;
}

/**
 * The cross-references this record needs, so the sidecar can fetch them in one batch before
 * running: the mapping is run once with a recording resolver.
 */
export function collectLookups(m: CompiledMapping, input: unknown, ctx: MappingContext = {}): LookupRequest[] {
  if (m.lookups.length === 0 || !isPlainObject(input)) return [];
  const { rt, root } = start(m, input, ctx);
  rt.recorder = new Map();
  m.root(root, rt);
  return [...rt.recorder.values()];
}

/** web_read specification of Odoo 17+/18: {field: {} | {fields: {...}}}. */
export interface WebReadSpec {
  [field: string]: { fields?: WebReadSpec };
}

/** The web_read specification that reads every path an outbound mapping uses ({} for inbound). */
export function requiredSpec(m: CompiledMapping): WebReadSpec {
  const spec: WebReadSpec = {};
  if (m.direction !== 'outbound') return spec;
  for (const use of m.paths) {
    let level = spec;
    const segs = use.segs;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      const last = i === segs.length - 1;
      if (seg === 'id' && last && !use.leafFields) break;
      const entry = (level[seg] ??= {});
      if (!last || use.leafFields) {
        entry.fields ??= {};
        level = entry.fields;
      }
    }
    if (use.leafFields) for (const f of use.leafFields) level[f] ??= {};
  }
  return spec;
}

/**
 * Where a mapping first reads a record field path (`['partner_shipping_id', 'city']`, or a
 * prefix of a longer path it reads): its line, column and construct, to name it in problems
 * found outside the engine (e.g. a field this Odoo does not have). Undefined when it reads none.
 */
export function fieldUse(m: CompiledMapping, segs: readonly string[]): { line: number; col: number; construct: string } | undefined {
  const isPrefixOf = (full: readonly string[]) => segs.length <= full.length && segs.every((s, i) => s === full[i]);
  for (const use of m.paths) {
    if (isPrefixOf(use.segs) || use.leafFields?.some((f) => isPrefixOf([...use.segs, f]))) return use.at;
  }
  return undefined;
}

/** An XrefResolver over plain tables (fixtures, preview, tests). */
export interface XrefTable {
  links?: { system: string; model: string; id: number; external_id: string }[];
  keys?: { model: string; field: string; value: string | number; id: number }[];
}

export function xrefFromTable(t: XrefTable): XrefResolver {
  const to = new Map<string, string>();
  const from = new Map<string, number>();
  const keys = new Map<string, number>();
  for (const l of t.links ?? []) {
    to.set(`${l.system}\u0000${l.model}\u0000${l.id}`, l.external_id);
    from.set(`${l.system}\u0000${l.model}\u0000${l.external_id}`, l.id);
  }
  for (const k of t.keys ?? []) keys.set(`${k.model}\u0000${k.field}\u0000${String(k.value)}`, k.id);
  return {
    toExternal: (model, id, system) => to.get(`${system}\u0000${model}\u0000${id}`),
    fromExternal: (system, model, ext) => from.get(`${system}\u0000${model}\u0000${ext}`),
    byKey: (model, field, value) => keys.get(`${model}\u0000${field}\u0000${String(value)}`),
  };
}
export { outlineMapping, finiteValues, constantOf, type MappingOutline, type FieldOutline } from './outline.js';
export { valueShapes, kindOfValue, type ValueShape, type ValueKind } from './shapes.js';
