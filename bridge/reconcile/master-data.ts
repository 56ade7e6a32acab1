import type { ReconLine, ReconMasterItem, ReconPage } from '../odoo/contract.js';
import { externalSort } from './external-sort.js';
import { mergeJoin, paged, type JoinGroup } from './merge-join.js';
import type { ReconRun } from './run.js';

type Obj = Record<string, unknown>;

/**
 * Master-data reconciliation (customers, products): Odoo's records of a model against the
 * target's (CRM contacts/companies/products, WMS products), Odoo wins.
 *
 * Pass 1, by identity: when the target stores the Odoo id on its records (HubSpot
 * `odoo_partner_id` / `odoo_product_id`: `idLinked`) the join key is the Odoo id; otherwise
 * (ShipBob products) the natural key (SKU). Both sides are external-sorted by that key and
 * merge-joined:
 *   Odoo only                     -> missing_in_target, repaired by sync_recon_resend
 *   target only                   -> missing_in_odoo (reported; the target never writes Odoo master data)
 *   both                          -> the Odoo record is read (web_read with the mapping's spec) and
 *                                    mapped with the target's outbound mapping; every field of the
 *                                    mapped payload (the fields Odoo owns) is compared with the
 *                                    target's record: a difference -> drift, repaired by resend
 *   2+ target records for a key   -> duplicated (reported, never merged automatically)
 * Pass 2 (idLinked targets only), by natural key: Odoo's natural keys against every target
 * record's natural key (e.g. email): 2+ target records for one key -> duplicated (two CRM
 * contacts for one Odoo customer, one linked, one made by hand); an unlinked target record
 * matching no Odoo record -> missing_in_odoo.
 */

export interface TargetMasterRecord {
  /** The target's own id. */
  id: string;
  /** The Odoo id the record carries (idLinked targets). */
  odooId?: number;
  naturalKey?: string;
  /** The record in the shape of the mapped payload (what `comparable` is applied to). */
  view: Obj;
}

export interface MasterTargetSource {
  readonly idLinked: boolean;
  records(): AsyncIterable<TargetMasterRecord>;
  /** The part of a payload / view that is compared (e.g. HubSpot: the properties). */
  comparable(payloadOrView: Obj): Obj;
}

export type OdooMasterPages = (afterId: number | false, limit: number) => Promise<ReconPage<ReconMasterItem, number>>;

/** Odoo records of `ids` mapped with the target's outbound mapping: payload, or the mapping error. */
export type OdooMapper = (ids: number[]) => Promise<Map<number, { payload?: Obj; error?: string }>>;

export interface MasterDataOptions {
  model: string;
  /**
   * Part of the line keys after the model when one model is reconciled in several passes (HubSpot
   * partners: contacts and companies are separate objects whose ids may collide).
   */
  keyScope?: string;
  pageSize: number;
  sortChunk: number;
  tmpDir?: string;
}

export function normalKey(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v).trim().toLowerCase() : '';
}

const idKey = (id: number) => `#${String(id).padStart(15, '0')}`;

/** Flattens to dotted paths; arrays also give their length (`path.#`), so [] vs [x] differs. */
export function flatten(v: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(v)) {
    out[`${prefix}#`] = String(v.length);
    v.forEach((x, i) => flatten(x, `${prefix}${i}.`, out));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Obj)) flatten(x, `${prefix}${k}.`, out);
  } else {
    out[prefix.slice(0, -1)] = v === null || v === undefined ? '' : String(v).trim();
  }
  return out;
}

function same(a: string | undefined, b: string | undefined): boolean {
  const x = a ?? '';
  const y = b ?? '';
  if (x === y) return true;
  if (x !== '' && y !== '' && Number.isFinite(Number(x)) && Number.isFinite(Number(y))) return Math.abs(Number(x) - Number(y)) < 1e-6;
  return false;
}

/** Fields of the mapped payload whose value differs in the target's record. */
export function driftOf(payload: Obj, view: Obj): Record<string, { odoo: string; target: string }> {
  const p = flatten(payload);
  const t = flatten(view);
  const out: Record<string, { odoo: string; target: string }> = {};
  for (const [k, v] of Object.entries(p)) if (!same(v, t[k])) out[k] = { odoo: v, target: t[k] ?? '' };
  return out;
}

export class MasterDataJob {
  constructor(private readonly deps: { odooPages: OdooMasterPages; target: MasterTargetSource; mapOdoo: OdooMapper }, private readonly opts: MasterDataOptions) {}

  /** `master:<model>` (or `master:<model>:<keyScope>`): the start of every line key of this pass. */
  private keyBase(): string {
    return this.opts.keyScope ? `master:${this.opts.model}:${this.opts.keyScope}` : `master:${this.opts.model}`;
  }

  private odoo(): AsyncIterable<ReconMasterItem> {
    return paged<ReconMasterItem, number>((after) => this.deps.odooPages(after, this.opts.pageSize));
  }

  private sort<T>(items: AsyncIterable<T>, keyOf: (t: T) => string): AsyncIterable<T> {
    return externalSort(items, { keyOf, chunkSize: this.opts.sortChunk, tmpDir: this.opts.tmpDir });
  }

  async run(run: ReconRun): Promise<void> {
    const linked = this.deps.target.idLinked;
    const odooKey = (o: ReconMasterItem) => (linked ? idKey(o.res_id) : normalKey(o.natural_key));
    const targetKey = (t: TargetMasterRecord) => (linked ? (t.odooId ? idKey(t.odooId) : '') : normalKey(t.naturalKey));
    async function* keyed<T>(src: AsyncIterable<T>, key: (t: T) => string, onSkip: () => void): AsyncGenerator<T> {
      for await (const x of src) { if (key(x)) yield x; else onSkip(); }
    }
    const odoo = this.sort(keyed(this.odoo(), odooKey, () => run.bump('odoo_without_key')), odooKey);
    const target = this.sort(keyed(this.deps.target.records(), targetKey, () => run.bump('target_unlinked')), targetKey);
    const pairs: Array<{ o: ReconMasterItem; t: TargetMasterRecord }> = [];
    for await (const g of mergeJoin(odoo, target, { odooKey, targetKey })) {
      run.bump('compared');
      await this.classify(run, g, pairs);
      if (pairs.length >= this.opts.pageSize) await this.compare(run, pairs);
    }
    await this.compare(run, pairs);
    if (linked) await this.duplicates(run);
  }

  private line(o: ReconMasterItem | undefined, t: TargetMasterRecord | undefined, outcome: ReconLine['outcome'], details: Obj = {}): ReconLine {
    const { model } = this.opts;
    const line: ReconLine = {
      key: o ? `${this.keyBase()}:${o.res_id}` : `${this.keyBase()}:target:${t!.id}`, outcome, model,
      details: { ...(t ? { target_id: t.id } : {}), ...details },
    };
    if (o) line.res_id = o.res_id;
    else if (t?.odooId) line.res_id = t.odooId;
    const nk = o?.natural_key || t?.naturalKey;
    if (nk) line.ref = String(nk);
    return line;
  }

  private async classify(run: ReconRun, g: JoinGroup<ReconMasterItem, TargetMasterRecord>, pairs: Array<{ o: ReconMasterItem; t: TargetMasterRecord }>): Promise<void> {
    const { model } = this.opts;
    const o = g.odoo[0];
    if (g.odoo.length > 1) {
      await run.line({ key: `${this.keyBase()}:odoo-dup:${g.key}`, outcome: 'duplicated', model, res_id: o!.res_id, ref: String(o!.natural_key || ''), details: { side: 'odoo', res_ids: g.odoo.map((x) => x.res_id) } });
    }
    if (g.target.length > 1) {
      await run.line({ ...this.line(o, g.target[0], 'duplicated', { side: 'target', target_ids: g.target.map((x) => x.id) }), key: `${this.keyBase()}:dup:${g.key}` });
    }
    if (!o) {
      for (const t of g.target) await run.line(this.line(undefined, t, 'missing_in_odoo'));
      return;
    }
    if (g.target.length === 0) {
      await run.line(this.line(o, undefined, 'missing_in_target', { repair: run.dryRun ? 'dry_run' : 'resend' }));
      await run.resend(model, o.res_id);
      return;
    }
    pairs.push({ o, t: g.target[0]! });
  }

  private async compare(run: ReconRun, pairs: Array<{ o: ReconMasterItem; t: TargetMasterRecord }>): Promise<void> {
    if (pairs.length === 0) return;
    const { model } = this.opts;
    const mapped = await this.deps.mapOdoo(pairs.map((p) => p.o.res_id));
    for (const { o, t } of pairs) {
      const m = mapped.get(o.res_id);
      if (!m?.payload) {
        await run.line(this.line(o, t, 'mismatch', { error: m?.error ?? 'the Odoo record could not be read' }));
        continue;
      }
      const drift = driftOf(this.deps.target.comparable(m.payload), this.deps.target.comparable(t.view));
      const linkDiffers = this.deps.target.idLinked && o.external_id && String(o.external_id) !== t.id;
      if (Object.keys(drift).length === 0 && !linkDiffers) {
        await run.line(this.line(o, t, 'matched'));
        continue;
      }
      const fields = Object.keys(drift);
      const first = fields[0];
      const line = this.line(o, t, 'drift', { fields: drift, ...(linkDiffers ? { link: { odoo: o.external_id, target: t.id } } : {}), repair: run.dryRun ? 'dry_run' : 'resend' });
      if (first) { line.value_odoo = drift[first]!.odoo.slice(0, 500); line.value_target = drift[first]!.target.slice(0, 500); }
      await run.line(line);
      await run.resend(model, o.res_id);
    }
    void model;
    pairs.length = 0;
  }

  /** Pass 2: natural keys (see the module comment). */
  private async duplicates(run: ReconRun): Promise<void> {
    const { model } = this.opts;
    const odoo = this.sort((async function* (src: AsyncIterable<ReconMasterItem>) { for await (const o of src) if (normalKey(o.natural_key)) yield o; })(this.odoo()), (o) => normalKey(o.natural_key));
    const target = this.sort((async function* (src: AsyncIterable<TargetMasterRecord>) { for await (const t of src) if (normalKey(t.naturalKey)) yield t; })(this.deps.target.records()), (t) => normalKey(t.naturalKey));
    for await (const g of mergeJoin(odoo, target, { odooKey: (o) => normalKey(o.natural_key), targetKey: (t) => normalKey(t.naturalKey) })) {
      if (g.target.length > 1) {
        const o = g.odoo[0];
        await run.line({
          key: `${this.keyBase()}:dup:${g.key}`, outcome: 'duplicated', model, ref: g.key,
          ...(o ? { res_id: o.res_id } : g.target.find((t) => t.odooId) ? { res_id: g.target.find((t) => t.odooId)!.odooId! } : {}),
          details: { side: 'target', natural_key: g.key, target_ids: g.target.map((t) => t.id), linked: g.target.filter((t) => t.odooId).map((t) => t.id) },
        });
      } else if (g.odoo.length === 0) {
        for (const t of g.target) if (!t.odooId) await run.line(this.line(undefined, t, 'missing_in_odoo', { natural_key: g.key }));
      }
    }
  }
}
