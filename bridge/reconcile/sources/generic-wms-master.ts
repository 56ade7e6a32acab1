import { paginateNextCursor } from '../../connectors/http/pagination.js';
import type { TargetHttpClient } from '../../connectors/http/http-client.js';
import type { MasterTargetSource, TargetMasterRecord } from '../master-data.js';

type Obj = Record<string, unknown>;

/** Fields of a listed record the WMS adds itself (never part of a mapped payload). */
const SERVER_FIELDS = new Set(['updated_at', 'created_at']);

function withoutServerFields(v: Obj): Obj {
  return Object.fromEntries(Object.entries(v).filter(([k]) => !SERVER_FIELDS.has(k)));
}

const listPath = (p: string) => p.replace(/^\//, '');

/**
 * Generic WMS items (`GET /items?cursor=&limit=` -> {items[Item], next_cursor}, profile v1),
 * keyed by SKU (the profile's key for items, what product_upsert.yaml sends). Not id-linked:
 * the join is on the SKU, as for ShipBob products.
 */
export class GenericWmsItemSource implements MasterTargetSource {
  readonly idLinked = false;
  constructor(private readonly http: TargetHttpClient, private readonly opts: { path: string; skuField: string; pageSize: number }) {}

  async *records(): AsyncGenerator<TargetMasterRecord> {
    for await (const it of paginateNextCursor<Obj>(this.http, { path: listPath(this.opts.path), limit: this.opts.pageSize, correlationId: `recon-master-${this.http.code}` })) {
      const sku = it[this.opts.skuField];
      yield { id: String(sku ?? ''), naturalKey: typeof sku === 'string' ? sku : String(sku ?? ''), view: withoutServerFields(it) };
    }
  }

  comparable(v: Obj): Obj {
    return withoutServerFields(v);
  }
}

/**
 * Generic WMS customers (`GET /customers?cursor=&limit=` -> {items[Customer], next_cursor}),
 * id-linked through the ref the bridge gives them (customer_upsert.yaml: `ODOO-<partner id>`);
 * natural key: the e-mail (lower-cased), so a customer made by hand in the WMS for the same
 * e-mail is a duplicate.
 */
export class GenericWmsCustomerSource implements MasterTargetSource {
  readonly idLinked = true;
  constructor(private readonly http: TargetHttpClient, private readonly opts: { path: string; refField: string; refPrefix: string; pageSize: number }) {}

  /** The Odoo id in a ref made by the bridge (`ODOO-42` -> 42), else undefined (made in the WMS). */
  odooIdOf(ref: string): number | undefined {
    if (!ref.startsWith(this.opts.refPrefix)) return undefined;
    const rest = ref.slice(this.opts.refPrefix.length);
    return /^[1-9]\d{0,14}$/.test(rest) ? Number(rest) : undefined;
  }

  async *records(): AsyncGenerator<TargetMasterRecord> {
    for await (const c of paginateNextCursor<Obj>(this.http, { path: listPath(this.opts.path), limit: this.opts.pageSize, correlationId: `recon-master-${this.http.code}` })) {
      const ref = String(c[this.opts.refField] ?? '');
      const odooId = this.odooIdOf(ref);
      const email = c.email;
      yield {
        id: ref, view: withoutServerFields(c),
        ...(odooId ? { odooId } : {}), ...(typeof email === 'string' && email ? { naturalKey: email } : {}),
      };
    }
  }

  comparable(v: Obj): Obj {
    return withoutServerFields(v);
  }
}
