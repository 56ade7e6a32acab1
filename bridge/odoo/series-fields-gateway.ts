import type { WebReadSpec } from './contract.js';
import { FIELD_RENAMES, loadSpecModels, recordFromOdoo, renamesFor, specToOdoo, type FieldsInfo } from './field-renames.js';
import type { OdooCall, OdooGateway } from './odoo-gateway.js';
import { odooSeriesOf } from './server-version.js';

type Rec = Record<string, unknown>;

/**
 * The Odoo gateway as the mappings see it: they read fields by their Odoo 18 names, and on a
 * series that renamed some (field-renames.ts) every read driven by a web_read specification
 * (`web_read`, `web_search_read`, the addon's `sync_claim` specs) asks Odoo for the new names
 * and returns the records under the names asked for. The model of each path segment comes from
 * Odoo's field metadata (fields_get, read once per model). Other calls pass through unchanged;
 * on a series without renames nothing is translated (no metadata is read).
 */
export class SeriesFieldsGateway implements OdooGateway {
  private seriesP: Promise<number> | undefined;
  private readonly meta = new Map<string, FieldsInfo>();
  private readonly loading = new Map<string, Promise<FieldsInfo>>();

  constructor(private readonly inner: OdooGateway, private readonly table = FIELD_RENAMES) {}

  get protocol(): 'xmlrpc' | 'json2' { return this.inner.protocol; }
  connect(): Promise<number> { return this.inner.connect(); }
  serverVersion(): Promise<string> { return this.inner.serverVersion(); }

  /** The connected Odoo's series (asked once; asked again after a failure). */
  series(): Promise<number> {
    this.seriesP ??= this.inner.serverVersion().then(odooSeriesOf);
    this.seriesP.catch(() => { this.seriesP = undefined; });
    return this.seriesP;
  }

  async call<T = unknown>(c: OdooCall): Promise<T> {
    const specOf = readSpecOf(c);
    if (!specOf) return this.inner.call<T>(c);
    const series = await this.series();
    if (Object.keys(renamesFor(series, this.table)).length === 0) return this.inner.call<T>(c);
    return (specOf.kind === 'claim' ? this.claim(series, c) : this.read(series, c, specOf.spec)) as Promise<T>;
  }

  private async read(series: number, c: OdooCall, spec: WebReadSpec): Promise<unknown> {
    await this.load(c.model, spec, series);
    const sent = specToOdoo(series, c.model, spec, this.lookup, this.table);
    const res = await this.inner.call<unknown>({ ...c, params: { ...c.params, specification: sent } });
    const records = c.method === 'web_search_read' && isRec(res) ? res.records : res;
    recordFromOdoo(series, c.model, spec, records, this.lookup, this.table);
    return res;
  }

  private async claim(series: number, c: OdooCall): Promise<unknown> {
    const specs = (c.params?.specs ?? {}) as Record<string, WebReadSpec>;
    const sent: Record<string, WebReadSpec> = {};
    for (const [model, spec] of Object.entries(specs)) {
      await this.load(model, spec, series);
      sent[model] = specToOdoo(series, model, spec, this.lookup, this.table);
    }
    const events = await this.inner.call<unknown>({ ...c, params: { ...c.params, specs: sent } });
    if (Array.isArray(events)) {
      for (const e of events) {
        if (!isRec(e) || typeof e.model !== 'string' || !isRec(e.record)) continue;
        const spec = specs[e.model];
        if (spec) recordFromOdoo(series, e.model, spec, e.record, this.lookup, this.table);
      }
    }
    return events;
  }

  private readonly lookup = (model: string): FieldsInfo | undefined => this.meta.get(model);

  private load(model: string, spec: WebReadSpec, series: number): Promise<void> {
    return loadSpecModels(model, spec, (m) => this.fieldsOf(m), series, this.table);
  }

  private fieldsOf(model: string): Promise<FieldsInfo> {
    const have = this.meta.get(model);
    if (have) return Promise.resolve(have);
    let p = this.loading.get(model);
    if (!p) {
      p = this.inner.call<FieldsInfo>({ model, method: 'fields_get', params: { attributes: ['type', 'relation'] } }).then((f) => {
        this.meta.set(model, f);
        return f;
      }).finally(() => { this.loading.delete(model); });
      this.loading.set(model, p);
    }
    return p;
  }
}

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The web_read specification a call reads with, if it is one of the spec-driven reads. */
function readSpecOf(c: OdooCall): { kind: 'read'; spec: WebReadSpec } | { kind: 'claim' } | undefined {
  if (c.method === 'sync_claim' && c.model === 'sync.event' && isRec(c.params?.specs)) return { kind: 'claim' };
  if ((c.method === 'web_read' || c.method === 'web_search_read') && isRec(c.params?.specification)) {
    return { kind: 'read', spec: c.params.specification as WebReadSpec };
  }
  return undefined;
}
