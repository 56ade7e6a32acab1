import type { TargetConfig } from '../config/schema.js';
import { PermanentError } from '../errors/index.js';
import { mapOrThrow, type CompiledMapping } from '../mapping/index.js';
import type { ClaimedEvent, WebReadSpec } from '../odoo/contract.js';
import { kindOf } from './mapping-registry.js';
import type { MappedOutbound, OutboundMapper } from './ports.js';

/** One row of sync_atp (docs/odoo-contract.md#sync_atp). */
export interface AtpRow {
  product_id: number; sku: string | false; warehouse: string; warehouse_id: number;
  atp: number; on_hand: number; reserved: number; incoming: number;
}

/** What an `atp` mapping sees as `$meta.atp`: totals over the target's ATP scope and the rows per warehouse. */
export interface AtpFigures {
  atp: number; on_hand: number; reserved: number; incoming: number;
  warehouses: Array<{ warehouse: string; atp: number; on_hand: number; reserved: number; incoming: number }>;
}

export type AtpReader = (target: string, productIds: number[]) => Promise<AtpRow[]>;

const round = (n: number) => Math.round(n * 1e6) / 1e6;

export function atpFigures(rows: AtpRow[]): AtpFigures {
  const sum = (k: 'atp' | 'on_hand' | 'reserved' | 'incoming') => round(rows.reduce((a, r) => a + Number(r[k] ?? 0), 0));
  return {
    atp: sum('atp'), on_hand: sum('on_hand'), reserved: sum('reserved'), incoming: sum('incoming'),
    warehouses: rows.map((r) => ({ warehouse: r.warehouse, atp: r.atp, on_hand: r.on_hand, reserved: r.reserved, incoming: r.incoming })),
  };
}

/**
 * `atp` events (product.product, issue 8) carry no figures: the addon computes available to
 * promise with `sync.event.sync_atp(target, product_ids)` at delivery time (so a coalesced event
 * always sends the latest figure). This wraps the outbound mapper: for `atp` events the figures
 * are read (the products of events mapped in the same tick share one call per target) and given
 * to the mapping as `$meta.atp` ({atp, on_hand, reserved, incoming, warehouses[]}); every other
 * event goes to the wrapped mapper unchanged.
 */
export class AtpEnrichingMapper implements OutboundMapper {
  private pending = new Map<string, Array<{ id: number; resolve: (r: AtpRow[]) => void; reject: (e: unknown) => void }>>();
  private scheduled = false;

  constructor(
    private readonly inner: OutboundMapper & { find(target: string, model: string, eventType: string): CompiledMapping },
    private readonly read: AtpReader,
    private readonly targets: Record<string, TargetConfig>,
  ) {}

  specs(targets: string[]): Record<string, WebReadSpec> { return this.inner.specs(targets); }
  count(): number { return this.inner.count(); }

  async map(event: ClaimedEvent): Promise<MappedOutbound> {
    if (event.event_type !== 'atp') return this.inner.map(event);
    const m = this.inner.find(event.target, event.model, event.event_type);
    const rows = await this.rowsFor(event.target, event.res_id);
    const record = event.record === false ? { id: event.res_id } : event.record;
    const vars = (this.targets[event.target]?.options.vars ?? {}) as Record<string, unknown>;
    const meta = { event_id: event.id, idempotency_key: event.idempotency_key, external_ref: event.external_ref || undefined, atp: atpFigures(rows) };
    const payload = mapOrThrow(m, record, { event: event.event_type, vars, meta }) as Record<string, unknown>;
    return { kind: kindOf(event.model, event.event_type), payload, mappingVersion: m.version };
  }

  /** Batches the reads of one tick per target into one sync_atp call. */
  private rowsFor(target: string, productId: number): Promise<AtpRow[]> {
    return new Promise((resolve, reject) => {
      const list = this.pending.get(target) ?? [];
      list.push({ id: productId, resolve, reject });
      this.pending.set(target, list);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => { void this.flush(); });
      }
    });
  }

  private async flush(): Promise<void> {
    const batches = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    await Promise.all([...batches].map(async ([target, waiters]) => {
      try {
        const rows = await this.read(target, [...new Set(waiters.map((w) => w.id))]);
        if (!Array.isArray(rows)) throw new PermanentError(`sync_atp answered ${typeof rows}, expected a list`, { category: 'internal' });
        for (const w of waiters) w.resolve(rows.filter((r) => r.product_id === w.id));
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }));
  }
}
