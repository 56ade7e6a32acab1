import fs from 'node:fs';
import path from 'node:path';
import type { TargetConfig } from '../config/schema.js';
import { PermanentError } from '../errors/index.js';
import { collectLookups, loadMapping, mapOrThrow, requiredSpec, type CompiledMapping, type XrefResolver } from '../mapping/index.js';
import type { ClaimedEvent, WebReadSpec } from '../odoo/contract.js';
import type { LinkSource, MappedOutbound, OutboundMapper } from './ports.js';

/** The connector operation a mapped event stands for, from its model and event type. */
export function kindOf(model: string, eventType: string): string {
  if (model === 'res.partner') return 'customer';
  if (model === 'product.product' || model === 'product.template') return 'product';
  if (eventType === 'cancel') return 'order_cancel';
  if (eventType === 'status') return 'order_status';
  return 'order';
}

interface TargetMappings { code: string; system: string; byKey: Map<string, CompiledMapping> }

function mergeSpec(into: WebReadSpec, add: WebReadSpec): void {
  for (const [k, v] of Object.entries(add)) {
    const cur = into[k] as { fields?: WebReadSpec } | undefined;
    const sub = (v as { fields?: WebReadSpec }).fields;
    if (!cur) { into[k] = sub ? { fields: structuredClone(sub) } : {}; continue; }
    if (sub) { cur.fields ??= {}; mergeSpec(cur.fields, sub); }
  }
}

/**
 * Loads and compiles the outbound mappings of every configured target once at start (all
 * errors of all files reported together), and maps claimed events with them.
 */
export class MappingRegistry implements OutboundMapper {
  private readonly targets = new Map<string, TargetMappings>();
  private readonly vars = new Map<string, Record<string, unknown>>();

  constructor(dir: string, targets: Record<string, TargetConfig>, private readonly links?: LinkSource) {
    const problems: string[] = [];
    for (const [code, t] of Object.entries(targets)) {
      const folder = path.join(dir, t.mappings ?? t.preset);
      const byKey = new Map<string, CompiledMapping>();
      if (!fs.existsSync(folder)) { problems.push(`targets.${code}.mappings: folder ${folder} does not exist`); continue; }
      for (const name of fs.readdirSync(folder).filter((n) => /\.ya?ml$/.test(n)).sort()) {
        const file = path.join(folder, name);
        try {
          const m = loadMapping(fs.readFileSync(file, 'utf8'), file);
          if (m.direction !== 'outbound') continue;
          for (const ev of m.events) byKey.set(`${m.source}|${ev}`, m);
        } catch (err) {
          problems.push(err instanceof Error ? err.message : String(err));
        }
      }
      this.targets.set(code, { code, system: t.preset, byKey });
      this.vars.set(code, (t.options.vars ?? {}) as Record<string, unknown>);
    }
    if (problems.length > 0) throw new PermanentError(`mappings have errors:\n${problems.join('\n')}`, { category: 'mapping' });
  }

  count(): number {
    const all = new Set<CompiledMapping>();
    for (const t of this.targets.values()) for (const m of t.byKey.values()) all.add(m);
    return all.size;
  }

  specs(targets: string[]): Record<string, WebReadSpec> {
    const out: Record<string, WebReadSpec> = {};
    for (const code of targets) {
      for (const m of this.targets.get(code)?.byKey.values() ?? []) {
        if (!m.odooModel && !m.source.includes('.')) continue;
        const model = m.odooModel ?? m.source;
        mergeSpec((out[model] ??= {}), requiredSpec(m) as WebReadSpec);
      }
    }
    return out;
  }

  /** Each outbound mapping's file, Odoo model and web_read spec (for the start-up field check). */
  specsByFile(): Array<{ file: string; model: string; spec: WebReadSpec }> {
    const seen = new Set<CompiledMapping>();
    const out: Array<{ file: string; model: string; spec: WebReadSpec }> = [];
    for (const t of this.targets.values()) {
      for (const m of t.byKey.values()) {
        if (seen.has(m)) continue;
        seen.add(m);
        out.push({ file: m.file, model: m.odooModel ?? m.source, spec: requiredSpec(m) as WebReadSpec });
      }
    }
    return out;
  }

  find(target: string, model: string, eventType: string): CompiledMapping {
    const t = this.targets.get(target);
    const m = t?.byKey.get(`${model}|${eventType}`);
    if (!m) throw new PermanentError(`no mapping for ${model} '${eventType}' events of target '${target}' (add one to its mappings folder)`, { category: 'mapping' });
    return m;
  }

  async map(event: ClaimedEvent): Promise<MappedOutbound> {
    const m = this.find(event.target, event.model, event.event_type);
    const record = event.record === false ? { id: event.res_id } : event.record;
    const ctx = { event: event.event_type, vars: this.vars.get(event.target) ?? {}, meta: { event_id: event.id, idempotency_key: event.idempotency_key, external_ref: event.external_ref || undefined } };
    const xref = await this.resolveLinks(m, record, ctx, event.target);
    const payload = mapOrThrow(m, record, { ...ctx, xref }) as Record<string, unknown>;
    return { kind: kindOf(event.model, event.event_type), payload, mappingVersion: m.version };
  }

  private async resolveLinks(m: CompiledMapping, record: unknown, ctx: object, target: string): Promise<XrefResolver | undefined> {
    const wanted = collectLookups(m, record, ctx);
    if (wanted.length === 0) return undefined;
    if (!this.links) throw new PermanentError(`mapping ${m.file} needs cross-references but no link source is configured`, { category: 'internal' });
    const reqs: Array<{ model: string; id?: number; externalId?: string }> = [];
    for (const w of wanted) {
      if (w.kind === 'to_external') reqs.push({ model: w.model, id: w.id });
      else if (w.kind === 'from_external') reqs.push({ model: w.model, externalId: w.externalId });
    }
    const rows = await this.links.links(target, reqs);
    const to = new Map(rows.map((r) => [`${r.model}|${r.res_id}`, r.external_id]));
    const from = new Map(rows.map((r) => [`${r.model}|${r.external_id}`, r.res_id]));
    return {
      toExternal: (model, id) => to.get(`${model}|${id}`),
      fromExternal: (_system, model, ext) => from.get(`${model}|${ext}`),
    };
  }
}

/** sync.link rows read through the Odoo gateway (the service user may read them). */
export function odooLinkSource(call: (model: string, method: string, params: Record<string, unknown>) => Promise<unknown>): LinkSource {
  return {
    async links(target, requests) {
      const byModel = new Map<string, { ids: number[]; exts: string[] }>();
      for (const r of requests) {
        const e = byModel.get(r.model) ?? { ids: [], exts: [] };
        if (r.id !== undefined) e.ids.push(r.id);
        if (r.externalId !== undefined) e.exts.push(r.externalId);
        byModel.set(r.model, e);
      }
      const out: Array<{ model: string; res_id: number; external_id: string }> = [];
      for (const [model, { ids, exts }] of byModel) {
        const domain: unknown[] = [['target_id.code', '=', target], ['model', '=', model]];
        if (ids.length && exts.length) domain.push('|', ['res_id', 'in', ids], ['external_id', 'in', exts]);
        else if (ids.length) domain.push(['res_id', 'in', ids]);
        else domain.push(['external_id', 'in', exts]);
        const rows = (await call('sync.link', 'search_read', { domain, fields: ['model', 'res_id', 'external_id'] })) as Array<{ model: string; res_id: number; external_id: string | false }>;
        for (const r of rows) if (r.external_id) out.push({ model: r.model, res_id: r.res_id, external_id: r.external_id });
      }
      return out;
    },
  };
}

export function loadOutboundMapper(dir: string, targets: Record<string, TargetConfig>, links?: LinkSource): MappingRegistry {
  return new MappingRegistry(dir, targets, links);
}
