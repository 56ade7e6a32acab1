import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { paginateAfter } from '../../connectors/http/pagination.js';
import { paginateCursorLinks } from '../../connectors/http/pagination.js';
import type { TargetHttpClient } from '../../connectors/http/http-client.js';
import type { OdooGateway } from '../../odoo/odoo-gateway.js';
import type { ClaimedEvent } from '../../odoo/contract.js';
import type { MappingRegistry } from '../../runtime/mapping-registry.js';
import type { MasterTargetSource, OdooMapper, TargetMasterRecord } from '../master-data.js';

type Obj = Record<string, unknown>;

/** What the outbound upsert mapping of `model` tells about the HubSpot object (read from its YAML). */
export interface HubSpotMappingInfo {
  objectType: string;
  idProperty: string;
  properties: string[];
  /**
   * Every object the mapping writes: one, or for a mapping choosing companies or contacts on
   * `is_company` (hubspot/customer_upsert.yaml) both, with the kind of partner each holds.
   */
  objects: Array<{ objectType: string; partnerKind?: 'company' | 'person' }>;
}

/**
 * The `fields` of the first outbound upsert mapping of `model` in `dir/folder` (file name order),
 * if any; from `text` (the live mapping's source) when given.
 */
export function outboundUpsertFields(dir: string, folder: string, model: string, text?: string): Obj | undefined {
  if (text !== undefined) return ((YAML.parse(text) as Obj | null)?.fields ?? {}) as Obj;
  const full = path.join(dir, folder);
  if (!fs.existsSync(full)) return undefined;
  for (const name of fs.readdirSync(full).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const doc = YAML.parse(fs.readFileSync(path.join(full, name), 'utf8')) as Obj | null;
    if (!doc || doc.direction !== 'outbound' || doc.source !== model || !(doc.events as unknown[] | undefined)?.includes('upsert')) continue;
    return (doc.fields ?? {}) as Obj;
  }
  return undefined;
}

export function hubspotMappingInfo(dir: string, folder: string, model: string, text?: string): HubSpotMappingInfo | undefined {
  const fields = outboundUpsertFields(dir, folder, model, text);
  if (fields) {
    const constOf = (f: unknown) => (f && typeof f === 'object' ? (f as Obj).const : undefined);
    const props = ((fields.properties as Obj | undefined)?.fields ?? {}) as Obj;
    const idProperty = String(constOf(fields.idProperty) ?? (model === 'res.partner' ? 'odoo_partner_id' : 'odoo_product_id'));
    const choice = fields.object_type as Obj | undefined;
    const objects = byIsCompany(choice, constOf);
    const objectType = String(constOf(choice) ?? objects[0]?.objectType ?? (model === 'res.partner' ? 'companies' : 'products'));
    return { objectType, idProperty, properties: Object.keys(props), objects: objects.length > 0 ? objects : [{ objectType }] };
  }
  return undefined;
}

/** `object_type: {if: {path: is_company, eq: true}, then: {const: A}, else: {const: B}}` -> A for companies, B for persons. */
function byIsCompany(choice: Obj | undefined, constOf: (f: unknown) => unknown): Array<{ objectType: string; partnerKind: 'company' | 'person' }> {
  const cond = choice?.if as Obj | undefined;
  const yes = constOf(choice?.then);
  const no = constOf(choice?.else);
  if (!cond || cond.path !== 'is_company' || typeof yes !== 'string' || typeof no !== 'string') return [];
  const companiesFirst = cond.eq === true || cond.ne === false;
  const [forCompany, forPerson] = companiesFirst ? [yes, no] : [no, yes];
  return [{ objectType: forCompany, partnerKind: 'company' }, { objectType: forPerson, partnerKind: 'person' }];
}

/**
 * HubSpot objects (`GET /crm/v3/objects/{type}` by `after` cursor, listed by HubSpot id, so the
 * job sorts them externally) with the mapped properties, the Odoo id property and the
 * natural-key property.
 */
export class HubSpotMasterSource implements MasterTargetSource {
  readonly idLinked = true;
  constructor(private readonly http: TargetHttpClient, private readonly info: HubSpotMappingInfo, private readonly naturalKeyProperty: string, private readonly pageSize = 100) {}

  async *records(): AsyncGenerator<TargetMasterRecord> {
    const properties = [...new Set([...this.info.properties, this.info.idProperty, this.naturalKeyProperty])];
    for await (const r of paginateAfter<Obj>(this.http, {
      path: `/crm/v3/objects/${encodeURIComponent(this.info.objectType)}`, query: { properties: properties.join(',') }, limit: this.pageSize, correlationId: `recon-master-${this.http.code}`,
    })) {
      const props = (r.properties ?? {}) as Obj;
      const odooId = Number(props[this.info.idProperty]);
      const nk = props[this.naturalKeyProperty];
      yield {
        id: String(r.id), view: { properties: Object.fromEntries(this.info.properties.map((p) => [p, props[p] ?? null])) },
        ...(Number.isInteger(odooId) && odooId > 0 ? { odooId } : {}), ...(typeof nk === 'string' && nk ? { naturalKey: nk } : {}),
      };
    }
  }

  comparable(v: Obj): Obj {
    return (v.properties ?? {}) as Obj;
  }
}

/**
 * ShipBob products (`GET /product`, cursor links), one record per variant keyed by SKU, in the
 * shape of shipbob/product_upsert.yaml's payload.
 */
export class ShipBobProductSource implements MasterTargetSource {
  readonly idLinked = false;
  constructor(private readonly http: TargetHttpClient, private readonly pageSize = 250) {}

  async *records(): AsyncGenerator<TargetMasterRecord> {
    for await (const p of paginateCursorLinks<Obj>(this.http, { path: 'product', query: { PageSize: this.pageSize }, correlationId: `recon-master-${this.http.code}` })) {
      for (const v of (p.variants as Obj[] | undefined) ?? []) {
        const weight = v.weight as Obj | null | undefined;
        yield {
          id: String(v.id), naturalKey: String(v.sku ?? ''),
          view: {
            name: p.name,
            variants: [{
              sku: v.sku, name: v.name, barcodes: ((v.barcodes as Obj[] | undefined) ?? []).map((b) => ({ value: b.value })),
              lot_information: v.lot_information ?? {}, weight: weight && typeof weight === 'object' ? weight.value : weight,
            }],
          },
        };
      }
    }
  }

  comparable(v: Obj): Obj {
    return v;
  }
}

/**
 * Odoo records read with the spec the target's upsert mapping needs (`web_read`, one call per
 * batch) and mapped exactly as an upsert event would be (cross-references resolved from
 * sync.link).
 */
export function odooMapper(odoo: OdooGateway, registry: MappingRegistry, target: string, model: string): OdooMapper {
  const spec = registry.specs([target])[model] ?? {};
  return async (ids) => {
    const out = new Map<number, { payload?: Obj; error?: string }>();
    if (ids.length === 0) return out;
    const records = await odoo.call<Obj[]>({ model, method: 'web_read', ids, params: { specification: spec } });
    const byId = new Map(records.map((r) => [Number(r.id), r]));
    for (const id of ids) {
      const record = byId.get(id);
      if (!record) { out.set(id, { error: `${model} ${id} could not be read` }); continue; }
      const event = {
        id: 0, target, event_type: 'upsert', model, res_id: id, aggregate_key: `${model},${id}`, idempotency_key: `reconcile-${model}-${id}`,
        attempts: 0, lease_token: '', lease_expires_at: '', trace_id: false, created_at: '', mapping_version: false, external_ref: false, record,
      } satisfies ClaimedEvent;
      try {
        out.set(id, { payload: (await registry.map(event)).payload });
      } catch (err) {
        out.set(id, { error: err instanceof Error ? err.message : String(err) });
      }
    }
    return out;
  };
}
