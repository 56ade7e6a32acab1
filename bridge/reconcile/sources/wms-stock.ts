import fs from 'node:fs';
import path from 'node:path';
import type { TargetHttpClient } from '../../connectors/http/http-client.js';
import { paginateCursorLinks } from '../../connectors/http/pagination.js';
import { PermanentError } from '../../errors/index.js';
import { loadMapping, runMapping, formatRunIssue, type CompiledMapping } from '../../mapping/index.js';
import type { WmsStockRow, WmsStockSource } from '../inventory.js';

type Obj = Record<string, unknown>;

/**
 * The WMS's stock as rows for the inventory job, read page by page (never the whole list in
 * memory) and normalised through the target's inbound stock mapping (`inventory_levels.yaml`:
 * the same mapping the stock-snapshot inbound flow uses), so SKU and location come out exactly
 * as Odoo would see them from a snapshot. Without such a mapping the vendor fields are used as
 * they are. Each page is mapped as one snapshot message per location.
 */

/** The target's inbound mapping serving `event` (or undefined). */
export function findInboundMapping(dir: string, folder: string, event: string): CompiledMapping | undefined {
  const full = path.join(dir, folder);
  if (!fs.existsSync(full)) return undefined;
  for (const name of fs.readdirSync(full).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = path.join(full, name);
    const text = fs.readFileSync(file, 'utf8');
    if (!/^direction:\s*inbound/m.test(text) || !text.includes(event)) continue;
    const m = loadMapping(text, file);
    if (m.direction === 'inbound' && m.events.includes(event)) return m;
  }
  return undefined;
}

interface Line { sku: string; on_hand: number; lot?: string }

/** Runs the snapshot mapping over one location's items; returns canonical lines and the mapped location. */
function normalise(m: CompiledMapping | undefined, event: string, message: Obj, fallback: { location: string; lines: Line[] }): { location: string; lines: Line[] } {
  if (!m) return fallback;
  const r = runMapping(m, message, { event, meta: { message_id: 'reconciliation', received_at: new Date().toISOString(), source: 'reconciliation' } });
  if (!r.ok) throw new PermanentError(`mapping ${path.basename(m.file)} failed on a stock page: ${r.errors.slice(0, 3).map((e) => formatRunIssue(e)).join('; ')}`, { category: 'mapping' });
  const v = r.value as { location: string; lines: Array<{ sku: string; on_hand: number; lot?: string }> };
  return { location: String(v.location), lines: v.lines.map((l) => ({ sku: l.sku, on_hand: Number(l.on_hand), ...(l.lot ? { lot: l.lot } : {}) })) };
}


/** Buffers a stream into pages of `size` (the vendor's own page when it pages by that size). */
async function* chunks<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let buf: T[] = [];
  for await (const x of source) {
    buf.push(x);
    if (buf.length >= size) { yield buf; buf = []; }
  }
  if (buf.length) yield buf;
}

/**
 * ShipBob: totals per fulfilment centre from `GET /inventory-level/locations` and, with lots,
 * lot rows from `GET /inventory-level/lots` (cursor links, `PageSize` up to 250). Listed by
 * inventory id, not SKU: the job sorts them externally.
 */
export class ShipBobStockSource implements WmsStockSource {
  constructor(private readonly http: TargetHttpClient, private readonly opts: { pageSize: number; lots: boolean; mapping?: CompiledMapping; correlationId?: string }) {}

  async *rows(): AsyncGenerator<WmsStockRow> {
    const cid = this.opts.correlationId ?? `recon-${this.http.code}-${Date.now()}`;
    const asOf = new Date().toISOString();
    const levels = paginateCursorLinks<Obj>(this.http, { path: 'inventory-level/locations', query: { PageSize: this.opts.pageSize }, correlationId: cid });
    for await (const page of chunks(levels, this.opts.pageSize)) {
      const byLoc = new Map<string, Obj[]>();
      for (const rec of page) {
        for (const l of (rec.locations as Obj[] | undefined) ?? []) {
          const loc = String(l.location_id);
          const items = byLoc.get(loc) ?? [];
          items.push({ sku: rec.sku, on_hand_quantity: Number(l.on_hand_quantity ?? 0), fulfillable_quantity: Number(l.fulfillable_quantity ?? 0) });
          byLoc.set(loc, items);
        }
      }
      yield* this.emit(byLoc, asOf);
    }
    if (!this.opts.lots) return;
    const lots = paginateCursorLinks<Obj>(this.http, { path: 'inventory-level/lots', query: { PageSize: this.opts.pageSize }, correlationId: cid });
    for await (const page of chunks(lots, this.opts.pageSize)) {
      const byLoc = new Map<string, Obj[]>();
      for (const l of page) {
        const loc = String(l.location_id);
        const items = byLoc.get(loc) ?? [];
        items.push({ sku: l.sku, on_hand_quantity: Number(l.on_hand_quantity ?? 0), fulfillable_quantity: Number(l.on_hand_quantity ?? 0), lot: l.lot_number });
        byLoc.set(loc, items);
      }
      yield* this.emit(byLoc, asOf);
    }
  }

  private *emit(byLoc: Map<string, Obj[]>, asOf: string): Generator<WmsStockRow> {
    for (const [loc, items] of byLoc) {
      const message = { fulfillment_center: { id: Number(loc) || loc }, as_of: asOf, items };
      const fallback = { location: loc, lines: items.map((i) => ({ sku: String(i.sku), on_hand: Number(i.on_hand_quantity), ...(i.lot ? { lot: String(i.lot) } : {}) })) };
      const n = normalise(this.opts.mapping, 'inventory.polled', message, fallback);
      for (const l of n.lines) yield { sku: l.sku, location: n.location, on_hand: l.on_hand, ...(l.lot ? { lot: l.lot } : {}) };
    }
  }
}

/**
 * Generic WMS: `GET /stock?cursor=&limit=` -> {items[{sku, on_hand, location?, lot?}], next_cursor}.
 * A row with a lot is a lot row: its total row (SKU and location) is emitted too, and summed by
 * the job after sorting.
 */
export class GenericWmsStockSource implements WmsStockSource {
  constructor(private readonly http: TargetHttpClient, private readonly opts: { pageSize: number; mapping?: CompiledMapping; defaultLocation?: string; correlationId?: string }) {}

  async *rows(): AsyncGenerator<WmsStockRow> {
    const cid = this.opts.correlationId ?? `recon-${this.http.code}-${Date.now()}`;
    const asOf = new Date().toISOString();
    let cursor: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const res = await this.http.request<{ items?: Obj[]; next_cursor?: string | null }>({
        method: 'GET', path: 'stock', query: { limit: this.opts.pageSize, ...(cursor ? { cursor } : {}) }, correlationId: cid,
      });
      const byLoc = new Map<string, Obj[]>();
      for (const r of res.body?.items ?? []) {
        const loc = String(r.location ?? this.opts.defaultLocation ?? 'default');
        const items = byLoc.get(loc) ?? [];
        items.push({ sku: r.sku, on_hand: Number(r.on_hand ?? 0), available: Number(r.available ?? r.on_hand ?? 0), ...(r.lot ? { lot: r.lot } : {}) });
        byLoc.set(loc, items);
      }
      for (const [loc, items] of byLoc) {
        const message = { event_id: 'reconciliation', warehouse_code: loc, as_of: asOf, items };
        const fallback = { location: loc, lines: items.map((i) => ({ sku: String(i.sku), on_hand: Number(i.on_hand), ...(i.lot ? { lot: String(i.lot) } : {}) })) };
        const n = normalise(this.opts.mapping, 'inventory.snapshot', message, fallback);
        for (const l of n.lines) {
          yield { sku: l.sku, location: n.location, on_hand: l.on_hand };
          if (l.lot) yield { sku: l.sku, location: n.location, lot: l.lot, on_hand: l.on_hand };
        }
      }
      const next = res.body?.next_cursor;
      if (!next) return;
      if (seen.has(next)) throw new PermanentError(`${this.http.code}: pagination of /stock repeated cursor; stopping`, { category: 'internal' });
      seen.add(next);
      cursor = next;
    }
  }
}
