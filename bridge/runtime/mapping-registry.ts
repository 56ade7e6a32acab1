import fs from 'node:fs';
import path from 'node:path';
import type { TargetConfig } from '../config/schema.js';
import { PermanentError } from '../errors/index.js';
import { collectLookups, fieldUse, loadMapping, mapOrThrow, MappingCompileError, formatIssue, requiredSpec, type CompiledMapping, type CompileOptions, type LookupRequest, type XrefResolver } from '../mapping/index.js';
import type { ClaimedEvent, WebReadSpec } from '../odoo/contract.js';
import type { MappingStore } from '../state/mapping-store.js';
import type { LinkSource, MappedOutbound, OutboundMapper, RecordSource } from './ports.js';

/** The connector operation a mapped event stands for, from its model and event type. */
export function kindOf(model: string, eventType: string): string {
  // inbound shipment announced to the WMS, amended, cancelled (issue 8)
  if (eventType === 'asn' || eventType === 'asn_amend') return 'receipt';
  if (eventType === 'asn_cancel') return 'receipt_cancel';
  if (model === 'res.partner') return 'customer';
  if (model === 'product.product' || model === 'product.template') return 'product';
  if (eventType === 'cancel') return 'order_cancel';
  if (eventType === 'status') return 'order_status';
  return 'order';
}

interface TargetMappings { code: string; system: string; byKey: Map<string, CompiledMapping> }

/** Each problem of a mapping file that failed to load, one line each (`file:line:col construct: message`). */
export function loadProblems(err: unknown): string[] {
  if (err instanceof MappingCompileError) return err.issues.map(formatIssue);
  return [err instanceof Error ? err.message : String(err)];
}

/** One outbound mapping file as the Odoo field check sees it. */
export interface MappingFileSpec {
  file: string;
  model: string;
  spec: WebReadSpec;
  /** Where the mapping reads a field path (line, column, construct), for the check's problems. */
  where?: (segs: readonly string[]) => { line: number; col: number; construct: string } | undefined;
}

function mergeSpec(into: WebReadSpec, add: WebReadSpec): void {
  for (const [k, v] of Object.entries(add)) {
    const cur = into[k] as { fields?: WebReadSpec } | undefined;
    const sub = (v as { fields?: WebReadSpec }).fields;
    if (!cur) { into[k] = sub ? { fields: structuredClone(sub) } : {}; continue; }
    if (sub) { cur.fields ??= {}; mergeSpec(cur.fields, sub); }
  }
}

/** True when every field of `need` is in `have` (recursively through `fields`). */
function specCovers(have: WebReadSpec | undefined, need: WebReadSpec): boolean {
  for (const [k, v] of Object.entries(need)) {
    const cur = have?.[k] as { fields?: WebReadSpec } | undefined;
    if (!cur) return false;
    const sub = (v as { fields?: WebReadSpec }).fields;
    if (sub && Object.keys(sub).length > 0 && !specCovers(cur.fields, sub)) return false;
  }
  return true;
}

/**
 * Loads and compiles the outbound mappings of every configured target once at start (all
 * errors of all files reported together), and maps claimed events with them.
 *
 * Replays pinned to a mapping version (`replay_mapping_version` of a claimed event): every
 * source loaded is kept by version in the state file (`useStore`); a pinned event is mapped
 * with that stored source (compiled once, cached), or fails permanently (category 'mapping')
 * when this sidecar never loaded that version. Never falls back to the current mapping.
 */
export class MappingRegistry implements OutboundMapper {
  private readonly targets = new Map<string, TargetMappings>();
  private readonly vars = new Map<string, Record<string, unknown>>();
  /** Source text of every loaded outbound mapping, by version. */
  private readonly sources = new Map<string, { file: string; system: string; source: string }>();
  /** Mappings compiled from stored sources for pinned replays, by version. */
  private readonly pinnedCache = new Map<string, CompiledMapping>();
  private store: MappingStore | undefined;

  constructor(
    dir: string,
    targets: Record<string, TargetConfig>,
    private readonly links?: LinkSource & Partial<RecordSource>,
    /** Compile options of every mapping, e.g. the Odoo series read (CompileOptions.odooSeries). */
    private readonly compileOptions: CompileOptions = {},
  ) {
    const problems: string[] = [];
    for (const [code, t] of Object.entries(targets)) {
      const folder = path.join(dir, t.mappings ?? t.preset);
      const byKey = new Map<string, CompiledMapping>();
      if (!fs.existsSync(folder)) { problems.push(`targets.${code}.mappings: folder ${folder} does not exist`); continue; }
      for (const name of fs.readdirSync(folder).filter((n) => /\.ya?ml$/.test(n)).sort()) {
        const file = path.join(folder, name);
        try {
          const text = fs.readFileSync(file, 'utf8');
          const m = loadMapping(text, file, this.compileOptions);
          if (m.direction !== 'outbound') continue;
          for (const ev of m.events) byKey.set(`${m.source}|${ev}`, m);
          this.sources.set(m.version, { file, system: m.system, source: text });
        } catch (err) {
          problems.push(...loadProblems(err));
        }
      }
      this.targets.set(code, { code, system: t.preset, byKey });
      this.vars.set(code, (t.options.vars ?? {}) as Record<string, unknown>);
    }
    if (problems.length > 0) throw new PermanentError(`mappings have errors:\n${problems.join('\n')}`, { category: 'mapping', details: { problems } });
  }

  /**
   * Keeps the source of every loaded mapping in the state file (by version) and looks pinned
   * versions up there from now on.
   */
  useStore(store: MappingStore): this {
    for (const [version, m] of this.sources) store.remember({ version, ...m });
    this.store = store;
    return this;
  }

  /** The compiled mapping of a pinned version: current, cached, or compiled from the state file. */
  pinned(version: string, event: Pick<ClaimedEvent, 'target' | 'model' | 'event_type'>): CompiledMapping {
    let m = this.pinnedCache.get(version);
    if (!m) {
      for (const t of this.targets.values()) for (const c of t.byKey.values()) if (c.version === version) m = c;
    }
    if (!m) {
      const stored = this.store?.get(version);
      if (!stored) {
        throw new PermanentError(`mapping version ${version} (pinned by a replay with the mapping version the event was sent with) is unknown to this sidecar: its state file has no mapping source with that version. Replay with --mapping-version current, or run a sidecar that loaded that mapping`, { category: 'mapping', details: { mapping_version: version } });
      }
      try {
        m = loadMapping(stored.source, `${stored.file}@${version.slice(0, 12)}`, this.compileOptions);
      } catch (err) {
        throw new PermanentError(`mapping version ${version} (${stored.file}, stored in the state file) no longer compiles: ${err instanceof Error ? err.message : String(err)}`, { category: 'mapping', details: { mapping_version: version } });
      }
      this.pinnedCache.set(version, m);
    }
    const system = this.targets.get(event.target)?.system;
    if (m.direction !== 'outbound' || m.source !== event.model || !m.events.includes(event.event_type) || (system !== undefined && m.system !== system)) {
      throw new PermanentError(`mapping version ${version} (${m.file}: ${m.system} ${m.source} [${m.events.join(', ')}]) does not serve ${event.model} '${event.event_type}' events of target '${event.target}'`, { category: 'mapping', details: { mapping_version: version } });
    }
    return m;
  }

  count(): number {
    return this.compiled().length;
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

  /** Each outbound mapping's file, Odoo model and web_read spec (for the Odoo field check at start and reload). */
  specsByFile(): MappingFileSpec[] {
    return this.compiled().map((m) => ({ file: m.file, model: m.odooModel ?? m.source, spec: requiredSpec(m) as WebReadSpec, where: (segs) => fieldUse(m, segs) }));
  }

  /** The source text of the target's outbound `upsert` mapping of `model` (reconciliation reads which CRM properties it writes). */
  upsertSource(target: string, model: string): string | undefined {
    const m = this.targets.get(target)?.byKey.get(`${model}|upsert`);
    return m ? this.sources.get(m.version)?.source : undefined;
  }

  /** The version of each loaded outbound mapping file. */
  fileVersions(): Map<string, string> {
    return new Map(this.compiled().map((m) => [m.file, m.version]));
  }

  private compiled(): CompiledMapping[] {
    const all = new Set<CompiledMapping>();
    for (const t of this.targets.values()) for (const m of t.byKey.values()) all.add(m);
    return [...all];
  }

  find(target: string, model: string, eventType: string): CompiledMapping {
    const t = this.targets.get(target);
    const m = t?.byKey.get(`${model}|${eventType}`);
    if (!m) throw new PermanentError(`no mapping for ${model} '${eventType}' events of target '${target}' (add one to its mappings folder)`, { category: 'mapping' });
    return m;
  }

  async map(event: ClaimedEvent): Promise<MappedOutbound> {
    const pin = event.replay_mapping_version || undefined;
    const m = pin ? this.pinned(pin, event) : this.find(event.target, event.model, event.event_type);
    let record = event.record === false ? { id: event.res_id } : event.record;
    if (pin && event.record !== false) record = await this.readForPinned(m, event, record);
    const ctx = { event: event.event_type, vars: this.vars.get(event.target) ?? {}, meta: { event_id: event.id, idempotency_key: event.idempotency_key, external_ref: event.external_ref || undefined } };
    const xref = await this.resolveLinks(m, record, ctx, event.target);
    const payload = mapOrThrow(m, record, { ...ctx, xref }) as Record<string, unknown>;
    return { kind: kindOf(event.model, event.event_type), payload, mappingVersion: m.version };
  }

  /**
   * The claim read the record with the current mappings' spec; a pinned (older) mapping may read
   * fields the current ones do not: then the record is read again with the pinned mapping's spec.
   */
  private async readForPinned(m: CompiledMapping, event: ClaimedEvent, record: Record<string, unknown>): Promise<Record<string, unknown>> {
    const need = requiredSpec(m) as WebReadSpec;
    if (specCovers(this.specs([event.target])[event.model], need)) return record;
    if (!this.links?.read) throw new PermanentError(`mapping version ${m.version} (${m.file}) reads fields the current mappings do not, and no record source is configured to read them`, { category: 'internal' });
    const fresh = await this.links.read(event.model, event.res_id, need);
    if (!fresh) throw new PermanentError(`${event.model},${event.res_id} no longer exists in Odoo`, { category: 'validation' });
    return fresh;
  }

  private async resolveLinks(m: CompiledMapping, record: unknown, ctx: object, target: string): Promise<XrefResolver | undefined> {
    const wanted = collectLookups(m, record, ctx);
    if (wanted.length === 0) return undefined;
    if (!this.links) throw new PermanentError(`mapping ${m.file} needs cross-references but no link source is configured`, { category: 'internal' });
    return linkResolver(this.links, target, wanted);
  }
}

/** Reads the sync.link rows of `target` that answer `wanted` (one query per model) and answers the lookups from them. */
export async function linkResolver(links: LinkSource, target: string, wanted: readonly LookupRequest[]): Promise<XrefResolver> {
  const reqs: Array<{ model: string; id?: number; externalId?: string }> = [];
  for (const w of wanted) {
    if (w.kind === 'to_external') reqs.push({ model: w.model, id: w.id });
    else if (w.kind === 'from_external') reqs.push({ model: w.model, externalId: w.externalId });
  }
  const rows = reqs.length > 0 ? await links.links(target, reqs) : [];
  const to = new Map(rows.map((r) => [`${r.model}|${r.res_id}`, r.external_id]));
  const from = new Map(rows.map((r) => [`${r.model}|${r.external_id}`, r.res_id]));
  return {
    toExternal: (model, id) => to.get(`${model}|${id}`),
    fromExternal: (_system, model, ext) => from.get(`${model}|${ext}`),
  };
}

/** sync.link rows read through the Odoo gateway (the service user may read them). */
export function odooLinkSource(call: (model: string, method: string, params: Record<string, unknown>) => Promise<unknown>): LinkSource & RecordSource {
  return {
    async read(model, id, spec) {
      // web_search_read is a model method (no ids argument); archived records are read too, as by sync_claim.
      const res = (await call(model, 'web_search_read', { domain: [['id', '=', id]], specification: spec, context: { active_test: false } })) as { records: Array<Record<string, unknown>> };
      return res.records[0];
    },
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

export function loadOutboundMapper(dir: string, targets: Record<string, TargetConfig>, links?: LinkSource & Partial<RecordSource>, compileOptions: CompileOptions = {}): MappingRegistry {
  return new MappingRegistry(dir, targets, links, compileOptions);
}
