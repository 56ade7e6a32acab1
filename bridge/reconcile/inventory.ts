import type { ReconLine, ReconOutcome, ReconPage, ReconStockItem } from '../odoo/contract.js';
import { externalSort } from './external-sort.js';
import { mapStream, mergeJoin, paged, sumSorted, type JoinGroup } from './merge-join.js';
import type { ReconRun } from './run.js';

/**
 * Inventory reconciliation: the WMS's stock levels against Odoo's quants.
 *
 * Grain: per SKU (`level: sku`, all locations summed) or per SKU and WMS location
 * (`level: location`); with `lots: true` each lot is compared as well, as an extra line under
 * its SKU (and location). Both sides are brought to rows {key, qty} of that grain; the WMS
 * lists in its own order, and Odoo lists by (product id, location, lot), so both are put through the
 * bounded external sort (external-sort.ts) by the same key, rows of an equal key summed, and
 * merge-joined (merge-join.ts). Memory: one sort chunk per side plus the in-flight maps.
 *
 * Per key: |odoo - wms| <= tolerance -> matched; a difference the in-flight quantities account
 * for -> in_flight_explained; else mismatch (or missing_in_odoo / missing_in_target when a side
 * has no row). In flight:
 *   - Odoo higher: Odoo's `in_flight` of the quant (released, not yet confirmed shipped in Odoo)
 *     plus shipments the WMS made whose inbound message is still pending in the sidecar's inbox;
 *   - WMS higher: receipts the WMS reported that Odoo has not applied yet (Odoo's `in_flight_in`
 *     of the quant: receipt messages held by an exception or being applied) plus receipts and
 *     restocked returns still pending in the sidecar's inbox.
 * Tolerance: `absolute`, or the tolerance of the product's category (longest matching
 * category path, `All / Saleable` also covers `All / Saleable / Chairs`).
 */

/** One row of the WMS's stock. A row with a lot is a detail row: the source also emits the total (lot-less) row. */
export interface WmsStockRow { sku: string; location?: string; lot?: string; on_hand: number }

export interface WmsStockSource {
  /** The WMS's stock rows in any order. */
  rows(): AsyncIterable<WmsStockRow>;
}

/** Odoo's stock pages (sync_recon_odoo_stock). */
export type OdooStockPages = (afterKey: string | false, limit: number) => Promise<ReconPage<ReconStockItem, string>>;

/** Quantities shipped/restocked by the WMS whose message is still pending in the inbox, per SKU (and location, lot). */
export interface InFlightSource {
  pending(): Promise<InFlightEntry[]>;
}
/** `lotOnly`: the quantity of one lot whose SKU total comes in another entry (counted on the lot row only). */
export interface InFlightEntry { sku: string; location?: string; lot?: string; quantity: number; direction: 'out' | 'in'; lotOnly?: boolean }

/** product_id -> category complete name (e.g. "All / Saleable"). */
export type CategoryResolver = (productIds: number[]) => Promise<Map<number, string>>;

export interface InventoryOptions {
  level: 'sku' | 'location';
  lots: boolean;
  /** WMS location -> the `location` value Odoo reports (identity when absent). */
  locationMap: Record<string, string>;
  tolerance: { absolute: number; by_category: Record<string, number> };
  pageSize: number;
  sortChunk: number;
  tmpDir?: string;
}

export interface InventoryDeps {
  target: string;
  odooPages: OdooStockPages;
  wms: WmsStockSource;
  inFlight?: InFlightSource;
  categories?: CategoryResolver;
  /**
   * Brings what the WMS completed but has not reported yet into the inbox before anything is
   * compared (ShipBob: one receiving poll and one returns poll; generic WMS: one event feed
   * read), so the in-flight accounting sees it. Returns how many messages each poll stored, by
   * run count name (`receipts_polled`, `returns_polled`, `events_polled`).
   */
  refreshInFlight?: () => Promise<Record<string, number>>;
}

interface Row {
  k: string;
  sku: string;
  loc: string;
  lot: string;
  qty: number;
  inFlight: number;
  /** Odoo's inward in-flight (receipts the WMS reported, not applied in Odoo yet). */
  inFlightIn: number;
  pid: number;
  cat: string;
  /** Odoo location id when single. */
  lid: number;
}

const SEP = '\u001f';

export class InventoryJob {
  constructor(private readonly deps: InventoryDeps, private readonly opts: InventoryOptions) {}

  private key(sku: string, loc: string, lot: string): string {
    return `${sku}${SEP}${this.opts.level === 'location' ? loc : '*'}${SEP}${lot}`;
  }

  private rowsOf(sku: string, location: string | undefined, lot: string | undefined, qty: number, extra: Partial<Row> = {}): Row[] {
    const loc = this.opts.level === 'location' ? (location ?? '') : '*';
    const total: Row = { k: this.key(sku, loc, ''), sku, loc, lot: '', qty, inFlight: 0, inFlightIn: 0, pid: 0, cat: '', lid: 0, ...extra };
    if (!lot || !this.opts.lots) return [total];
    return [total, { ...total, k: this.key(sku, loc, lot), lot }];
  }

  private odooRows(): AsyncIterable<Row> {
    const items = paged<ReconStockItem, string>((after) => this.deps.odooPages(after, this.opts.pageSize));
    return mapStream(items, (it) => this.rowsOf(it.sku || `#${it.product_id}`, it.location || undefined, it.lot || undefined, Number(it.quantity) || 0, {
      inFlight: Number(it.in_flight) || 0, inFlightIn: Number(it.in_flight_in) || 0, pid: it.product_id, cat: typeof it.category === 'string' ? it.category : '', lid: it.location_id || 0,
    }));
  }

  private wmsRows(): AsyncIterable<Row> {
    const map = this.opts.locationMap;
    return mapStream(this.deps.wms.rows(), (r) => {
      // Lot rows are details: the total row of the SKU comes separately from the source.
      if (r.lot && !this.opts.lots) return undefined;
      const loc = r.location === undefined ? undefined : (map[r.location] ?? r.location);
      const k = this.key(r.sku, this.opts.level === 'location' ? (loc ?? '') : '*', r.lot ?? '');
      return { k, sku: r.sku, loc: loc ?? '', lot: r.lot ?? '', qty: Number(r.on_hand) || 0, inFlight: 0, inFlightIn: 0, pid: 0, cat: '', lid: 0 };
    });
  }

  private sorted(rows: AsyncIterable<Row>): AsyncIterable<Row> {
    const s = externalSort(rows, { keyOf: (r) => r.k, chunkSize: this.opts.sortChunk, tmpDir: this.opts.tmpDir });
    return sumSorted(s, (r) => r.k, (a, b) => ({
      ...a, qty: a.qty + b.qty, inFlight: a.inFlight + b.inFlight, inFlightIn: a.inFlightIn + b.inFlightIn, pid: a.pid || b.pid, cat: a.cat || b.cat, lid: a.lid === b.lid ? a.lid : 0,
    }));
  }

  private async inFlightMaps(): Promise<{ out: Map<string, number>; in: Map<string, number> }> {
    const out = new Map<string, number>();
    const inn = new Map<string, number>();
    for (const e of (await this.deps.inFlight?.pending()) ?? []) {
      const loc = e.location === undefined ? undefined : (this.opts.locationMap[e.location] ?? e.location);
      for (const r of this.rowsOf(e.sku, loc, e.lot, e.quantity)) {
        if (e.lotOnly && !r.lot) continue;
        const m = e.direction === 'out' ? out : inn;
        m.set(r.k, (m.get(r.k) ?? 0) + e.quantity);
      }
    }
    return { out, in: inn };
  }

  toleranceFor(category: string): number {
    let best = -1;
    let tol = this.opts.tolerance.absolute;
    for (const [name, t] of Object.entries(this.opts.tolerance.by_category)) {
      if ((category === name || category.startsWith(`${name} / `)) && name.length > best) { best = name.length; tol = t; }
    }
    return tol;
  }

  async run(run: ReconRun): Promise<void> {
    if (this.deps.refreshInFlight) {
      for (const [name, n] of Object.entries(await this.deps.refreshInFlight())) run.bump(name, n);
    }
    const flight = await this.inFlightMaps();
    run.bump('inbox_in_flight_keys', flight.out.size + flight.in.size);
    const hasCategories = Object.keys(this.opts.tolerance.by_category).length > 0;
    const pending: Array<JoinGroup<Row, Row>> = [];
    const categoryCache = new Map<number, string>();
    const flushPending = async () => {
      if (pending.length === 0) return;
      if (hasCategories && this.deps.categories) {
        const missing = [...new Set(pending.map((g) => g.odoo[0]?.pid ?? 0).filter((p) => p && !categoryCache.has(p)))];
        if (missing.length) {
          if (categoryCache.size > 50_000) categoryCache.clear();
          const got = await this.deps.categories(missing);
          for (const p of missing) categoryCache.set(p, got.get(p) ?? '');
        }
      }
      for (const g of pending) await run.line(this.classify(g, flight, (pid) => categoryCache.get(pid) ?? ''));
      pending.length = 0;
    };
    const groups = mergeJoin(this.sorted(this.odooRows()), this.sorted(this.wmsRows()), { odooKey: (r) => r.k, targetKey: (r) => r.k });
    for await (const g of groups) {
      run.bump('compared');
      // Only a difference above the absolute tolerance can need the category (one batched read).
      const o = g.odoo[0];
      const needsCategory = hasCategories && o !== undefined && !o.cat && o.pid > 0
        && Math.abs((o?.qty ?? 0) - (g.target[0]?.qty ?? 0)) > this.opts.tolerance.absolute;
      if (needsCategory) {
        pending.push(g);
        if (pending.length >= 200) await flushPending();
        continue;
      }
      await run.line(this.classify(g, flight, () => ''));
    }
    await flushPending();
  }

  private classify(g: JoinGroup<Row, Row>, flight: { out: Map<string, number>; in: Map<string, number> }, categoryOf: (pid: number) => string): ReconLine {
    const o = g.odoo[0];
    const w = g.target[0];
    const any = (o ?? w)!;
    const qtyOdoo = o?.qty ?? 0;
    const qtyWms = w?.qty ?? 0;
    const diff = qtyOdoo - qtyWms;
    const category = o?.cat || (o ? categoryOf(o.pid) : '');
    const tol = category ? this.toleranceFor(category) : this.opts.tolerance.absolute;
    const outFlight = (o?.inFlight ?? 0) + (flight.out.get(g.key) ?? 0);
    const inFlight = (o?.inFlightIn ?? 0) + (flight.in.get(g.key) ?? 0);
    let outcome: ReconOutcome;
    if (Math.abs(diff) <= tol + 1e-9) outcome = 'matched';
    else if (diff > 0 && outFlight > 0 && diff <= outFlight + tol + 1e-9) outcome = 'in_flight_explained';
    else if (diff < 0 && inFlight > 0 && -diff <= inFlight + tol + 1e-9) outcome = 'in_flight_explained';
    else if (!o) outcome = 'missing_in_odoo';
    else if (!w) outcome = 'missing_in_target';
    else outcome = 'mismatch';
    const line: ReconLine = {
      key: `inventory:${any.sku}:${this.opts.level === 'location' ? any.loc : ''}:${any.lot}`, outcome, model: 'product.product', sku: any.sku,
      qty_odoo: round(qtyOdoo), qty_target: round(qtyWms),
      details: { difference: round(diff), tolerance: tol, ...(outFlight ? { in_flight_out: round(outFlight) } : {}), ...(inFlight ? { in_flight_in: round(inFlight) } : {}), ...(category ? { category } : {}), level: this.opts.level, ...(any.lot ? { lot_line: true } : {}) },
    };
    if (o?.pid) line.res_id = o.pid;
    if (this.opts.level === 'location' && any.loc) line.location = any.loc;
    if (this.opts.level === 'location' && o?.lid) line.location_id = o.lid;
    if (any.lot) line.lot = any.lot;
    return line;
  }
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
