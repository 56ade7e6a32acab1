import path from 'node:path';
import { expect } from 'chai';
import { createConnector } from '../../../bridge/connectors/index.js';
import { BaseConnector } from '../../../bridge/connectors/base-connector.js';
import { configSchema, targetSchema, type TargetConfig } from '../../../bridge/config/schema.js';
import type { OdooContract } from '../../../bridge/odoo/contract.js';
import { Reconciler } from '../../../bridge/reconcile/index.js';
import { ReconMetrics, type ReconRunOutcome } from '../../../bridge/reconcile/recon-metrics.js';
import { BridgeMetrics } from '../../../bridge/runtime/metrics.js';
import { silentLog } from '../connectors/helpers.js';
import type { ReconMasterItem } from '../../../bridge/odoo/contract.js';
import type { OdooGateway } from '../../../bridge/odoo/odoo-gateway.js';
import { MasterDataJob, normalKey } from '../../../bridge/reconcile/master-data.js';
import { withRun } from '../../../bridge/reconcile/run.js';
import { odooMapper } from '../../../bridge/reconcile/sources/master.js';
import { GenericWmsCustomerSource, GenericWmsItemSource } from '../../../bridge/reconcile/sources/generic-wms-master.js';
import { SalesforceMasterSource, odooIdOf, salesforceMappingInfo } from '../../../bridge/reconcile/sources/salesforce-master.js';
import { MappingRegistry } from '../../../bridge/runtime/mapping-registry.js';
import type { LinkSource } from '../../../bridge/runtime/ports.js';
import { setUpOdooPortal } from '../../fakes/hubspot/portal.js';
import { startFake, type GenericWmsFake, type SalesforceFake } from '../../fakes/start.js';
import { collect, pagesOf, RecordingPort, runOpts } from './helpers.js';

type Obj = Record<string, unknown>;
const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');
const mappingsDir = path.join(repoRoot, 'mappings');

/** An OdooGateway answering web_read from a table (what odooMapper calls). */
function odooOf(records: Map<number, Obj>): OdooGateway {
  return { call: async (req: { ids?: number[] }) => (req.ids ?? []).map((id) => records.get(id)).filter(Boolean) } as unknown as OdooGateway;
}

/** Odoo's master pages for records: natural key computed as sync_recon_master does. */
function odooPages(records: Map<number, Obj>, nk: (r: Obj) => string | false, links: Record<number, string> = {}) {
  const items: ReconMasterItem[] = [...records.values()].map((r) => ({ res_id: Number(r.id), natural_key: nk(r), external_id: links[Number(r.id)] ?? false }));
  return pagesOf(items, (i) => i.res_id);
}

describe('reconcile: master data against the Salesforce fake (SOQL, nextRecordsUrl pages)', function () {
  this.timeout(30_000);
  let fake: SalesforceFake;
  let cfg: TargetConfig;
  before(async () => { fake = await startFake('salesforce', { queryBatchSize: 200 }); });
  after(async () => fake?.close());

  const connector = () => createConnector('crm_sf', cfg, () => 'sf-client-secret') as BaseConnector;

  it('reads the mapped fields, pages through nextRecordsUrl; drift, missing and a hand-made duplicate Account found', async () => {
    cfg = targetSchema.parse({
      preset: 'salesforce', base_url: `${fake.url}/services/data/v61.0/`,
      auth: { type: 'oauth2_client_credentials', token_url: `${fake.url}/services/oauth2/token`, client_id: fake.clientId, client_secret: { env: 'SF_SECRET' } },
    });
    const info = salesforceMappingInfo(mappingsDir, 'salesforce', 'res.partner')!;
    expect(info.sobject).to.equal('Account');
    expect(info.fields).to.include.members(['Odoo_Id__c', 'Name', 'BillingStreet', 'Odoo_Vat__c']);
    expect(info.fields).to.not.include('attributes');
    const partners = new Map<number, Obj>();
    for (let i = 1; i <= 450; i++) {
      partners.set(i, { id: i, name: `Acme ${i}`, phone: false, website: false, street: `${i} Main St`, street2: false, city: 'Gent', zip: '9000', state_id: false, country_id: { id: 20, name: 'Belgium' }, vat: false });
    }
    const sfIds: Record<number, string> = {};
    for (const [id, p] of partners) {
      if (id === 9) continue; // deleted in Salesforce
      const rec = fake.store.insertRaw('Account', { Odoo_Id__c: String(id), Name: id === 7 ? 'Acme Seven (edited)' : p.name, BillingStreet: p.street, BillingCity: 'Gent', BillingPostalCode: '9000', BillingCountry: 'Belgium' });
      sfIds[id] = String(rec.Id);
    }
    fake.store.insertRaw('Account', { Name: 'ACME 12 ', BillingCity: 'Gent' }); // made by hand: a duplicate of Odoo's Acme 12
    fake.store.insertRaw('Account', { Name: 'Stranger Ltd' }); // not in Odoo
    const c = connector();
    const source = new SalesforceMasterSource(c.http, { info, externalIdField: 'Odoo_Id__c', naturalKeyField: 'Name', apiVersion: 'v61.0' });
    expect(source.soql()).to.match(/^SELECT Id, Odoo_Id__c, Name, .*BillingStreet.* FROM Account$/);
    const listed = await collect(source.records());
    expect(listed).to.have.length(451);
    expect(fake.ledger.count('GET', /\/query\/01g/)).to.equal(2); // 451 rows in pages of 200
    expect(listed.find((r) => r.odooId === 3)).to.deep.include({ id: sfIds[3], naturalKey: 'Acme 3' });

    const registry = new MappingRegistry(mappingsDir, { crm_sf: cfg });
    const port = new RecordingPort();
    const job = new MasterDataJob({
      odooPages: odooPages(partners, (r) => normalKey(r.name) || false, sfIds),
      target: source, mapOdoo: odooMapper(odooOf(partners), registry, 'crm_sf', 'res.partner'),
    }, { model: 'res.partner', pageSize: 100, sortChunk: 120 });
    const s = await withRun(port, { target: 'crm_sf', job: 'master_data', workerId: 't' }, runOpts, (r) => job.run(r));
    expect(s.counts).to.include({ matched: 448, drift: 1, missing_in_target: 1, duplicated: 1, missing_in_odoo: 1 });
    expect(port.byOutcome('drift')[0]).to.include({ res_id: 7, value_odoo: 'Acme 7', value_target: 'Acme Seven (edited)' });
    expect(port.byOutcome('missing_in_target')[0]).to.include({ res_id: 9 });
    expect(port.byOutcome('duplicated')[0]).to.include({ res_id: 12, key: 'master:res.partner:dup:acme 12' });
    expect(port.byOutcome('missing_in_odoo')[0]!.ref).to.equal('Stranger Ltd');
    expect(port.resends.flatMap((r) => r.ids).sort()).to.deep.equal([7, 9]);
  });

  it('Odoo ids in external id values: 42 and res.partner-42; anything else is unlinked', () => {
    expect(odooIdOf('42')).to.equal(42);
    expect(odooIdOf('res.partner-42')).to.equal(42);
    expect(odooIdOf('0')).to.equal(undefined);
    expect(odooIdOf('abc')).to.equal(undefined);
    expect(odooIdOf(null)).to.equal(undefined);
  });
});

describe('reconcile: master data against the generic WMS fake (GET /items, /customers cursor pages)', function () {
  this.timeout(30_000);
  const KEY = 'wms-master-key';
  let wms: GenericWmsFake;
  let cfg: TargetConfig;
  before(async () => {
    wms = await startFake('generic-wms', { apiKeys: [KEY] });
    cfg = targetSchema.parse({ preset: 'generic_wms', base_url: wms.baseUrl, auth: { type: 'api_key', header: 'X-API-Key', key: { env: 'K' } } });
  });
  after(async () => wms?.close());

  async function put(c: BaseConnector, p: string, body: Obj): Promise<void> {
    await c.http.request({ method: 'PUT', path: p, body, correlationId: 't' });
  }

  it('items by SKU: drift on an Odoo-owned field, missing on both sides; repaired by re-send', async () => {
    const c = createConnector('wms_gen', cfg, () => KEY) as BaseConnector;
    const products = new Map<number, Obj>();
    for (let i = 1; i <= 7; i++) products.set(i, { id: i, default_code: `SKU-${i}`, name: `Item ${i}`, barcode: false, uom_id: { id: 1, name: 'Units' }, weight: 1, tracking: 'none', active: true });
    for (let i = 1; i <= 6; i++) await put(c, `/items/SKU-${i}`, { name: i === 4 ? 'Renamed in WMS' : `Item ${i}`, uom: 'units', weight_kg: 1, lot_tracked: false, serial_tracked: false, active: true });
    await put(c, '/items/ONLY-WMS', { name: 'Stray', active: true });
    const source = new GenericWmsItemSource(c.http, { path: '/items', skuField: 'sku', pageSize: 2 });
    expect(await collect(source.records())).to.have.length(7);
    expect(wms.ledger.count('GET', /\/items$/)).to.be.greaterThanOrEqual(4); // pages of 2
    const registry = new MappingRegistry(mappingsDir, { wms_gen: cfg });
    const port = new RecordingPort();
    const job = new MasterDataJob({
      odooPages: odooPages(products, (r) => String(r.default_code)), target: source, mapOdoo: odooMapper(odooOf(products), registry, 'wms_gen', 'product.product'),
    }, { model: 'product.product', pageSize: 3, sortChunk: 3 });
    const s = await withRun(port, { target: 'wms_gen', job: 'master_data', workerId: 't' }, runOpts, (r) => job.run(r));
    expect(s.counts).to.include({ matched: 5, drift: 1, missing_in_target: 1, missing_in_odoo: 1 });
    expect(port.byOutcome('drift')[0]).to.include({ res_id: 4, value_odoo: 'Item 4', value_target: 'Renamed in WMS' });
    expect(port.byOutcome('missing_in_target')[0]).to.include({ res_id: 7 });
    expect(port.byOutcome('missing_in_odoo')[0]!.ref).to.equal('ONLY-WMS');
    expect(port.resends.flatMap((r) => r.ids).sort()).to.deep.equal([4, 7]);
  });

  it('customers linked by ref ODOO-<id>: a hand-made customer with the same e-mail is a duplicate', async () => {
    const c = createConnector('wms_gen', cfg, () => KEY) as BaseConnector;
    const partners = new Map<number, Obj>();
    const addr = { street: '1 Main', city: 'Gent', zip: '9000', country: 'BE' };
    for (const id of [11, 12, 13]) partners.set(id, { id, name: `Cust ${id}`, email: `c${id}@example.com`, phone: false, is_company: true, commercial_company_name: false, street: '1 Main', street2: false, city: 'Gent', zip: '9000', state_id: false, country_id: { id: 20, code: 'BE' } });
    for (const id of [11, 12, 13]) await put(c, `/customers/ODOO-${id}`, { name: `Cust ${id}`, email: `c${id}@example.com`, address: addr });
    await put(c, '/customers/CUST-900', { name: 'Cust 12 copy', email: 'C12@example.com', address: addr });
    const source = new GenericWmsCustomerSource(c.http, { path: '/customers', refField: 'ref', refPrefix: 'ODOO-', pageSize: 2 });
    const listed = await collect(source.records());
    expect(listed.map((r) => [r.id, r.odooId])).to.deep.equal([['CUST-900', undefined], ['ODOO-11', 11], ['ODOO-12', 12], ['ODOO-13', 13]]);
    const registry = new MappingRegistry(mappingsDir, { wms_gen: cfg });
    const port = new RecordingPort();
    const job = new MasterDataJob({
      odooPages: odooPages(partners, (r) => normalKey(r.email) || false, { 11: 'ODOO-11', 12: 'ODOO-12', 13: 'ODOO-13' }), target: source,
      mapOdoo: odooMapper(odooOf(partners), registry, 'wms_gen', 'res.partner'),
    }, { model: 'res.partner', pageSize: 10, sortChunk: 10 });
    const s = await withRun(port, { target: 'wms_gen', job: 'master_data', workerId: 't' }, runOpts, (r) => job.run(r));
    expect(s.counts).to.include({ matched: 3, duplicated: 1 });
    expect(s.counts.drift ?? 0).to.equal(0);
    expect(port.byOutcome('duplicated')[0]).to.deep.include({ res_id: 12, key: 'master:res.partner:dup:c12@example.com' });
    expect(port.resends).to.deep.equal([]);
  });
});

describe('reconcile: Reconciler wiring of master data for the generic WMS and Salesforce', function () {
  this.timeout(30_000);
  const KEY = 'wms-wiring-key';
  let wms: GenericWmsFake;
  before(async () => { wms = await startFake('generic-wms', { apiKeys: [KEY] }); });
  after(async () => wms?.close());

  /** A ReconPort + reconMaster from tables, recording the natural key Odoo is asked for. */
  class Contract extends RecordingPort {
    asked: Array<{ model: string; naturalKey?: string }> = [];
    constructor(private readonly items: Record<string, ReconMasterItem[]>) { super(); }
    async reconMaster(_t: string, model: string, after: number | false, limit: number, naturalKey?: string, partnerKind?: string) {
      const ask = { model, ...(naturalKey ? { naturalKey } : {}), ...(partnerKind ? { partnerKind } : {}) };
      if (after === false && !this.asked.some((a) => JSON.stringify(a) === JSON.stringify(ask))) this.asked.push(ask);
      return pagesOf(this.items[partnerKind ? `${model}/${partnerKind}` : model] ?? [], (i) => i.res_id)(after, limit);
    }
  }

  function reconciler(raw: Obj, contract: Contract, records: Map<number, Obj>, secret = KEY, links?: LinkSource, onRunFinished?: (r: ReconRunOutcome) => void) {
    const config = configSchema.parse({ odoo: { url: 'http://127.0.0.1:9', db: 'x', username: 'x', api_key: { env: 'X' } }, mappings: { dir: mappingsDir }, ...raw });
    const connectors = new Map(Object.entries(config.targets).map(([code, t]) => [code, createConnector(code, t, () => secret)]));
    return new Reconciler({
      config, odoo: odooOf(records), contract: contract as unknown as OdooContract, connectors, workerId: 't', log: silentLog,
      mapper: () => new MappingRegistry(mappingsDir, config.targets, links), onRunFinished,
    });
  }

  it('generic WMS: items and customers listed through the configured paths, joined and compared', async () => {
    const c = createConnector('wms_gen', targetSchema.parse({ preset: 'generic_wms', base_url: wms.baseUrl, auth: { type: 'api_key', header: 'X-API-Key', key: { env: 'K' } } }), () => KEY) as BaseConnector;
    await c.http.request({ method: 'PUT', path: '/items/W-1', body: { name: 'Widget', uom: 'units', weight_kg: 0, lot_tracked: false, serial_tracked: false, active: true }, correlationId: 't' });
    await c.http.request({ method: 'PUT', path: '/customers/ODOO-5', body: { name: 'Old name', email: 'five@example.com', address: { street: 'S', city: 'C', zip: 'Z', country: 'BE' } }, correlationId: 't' });
    const records = new Map<number, Obj>([
      [1, { id: 1, default_code: 'W-1', name: 'Widget', barcode: false, uom_id: { id: 1, name: 'Units' }, weight: 0, tracking: 'none', active: true }],
      [5, { id: 5, name: 'New name', email: 'five@example.com', phone: false, is_company: true, commercial_company_name: false, street: 'S', street2: false, city: 'C', zip: 'Z', state_id: false, country_id: { id: 20, code: 'BE' } }],
    ]);
    const contract = new Contract({ 'product.product': [{ res_id: 1, natural_key: 'W-1', external_id: false }], 'res.partner': [{ res_id: 5, natural_key: 'five@example.com', external_id: 'ODOO-5' }] });
    const metrics = new BridgeMetrics();
    const recon = new ReconMetrics(metrics.registry);
    const r = reconciler({
      targets: { wms_gen: { preset: 'generic_wms', base_url: wms.baseUrl, auth: { type: 'api_key', header: 'X-API-Key', key: { env: 'K' } } } },
      reconcile: { target_page_size: 1, targets: { wms_gen: { master_data: { models: ['product.product', 'res.partner'] } } } },
    }, contract, records, KEY, undefined, recon.observe);
    const s = await r.run('master_data', 'wms_gen');
    expect(s.counts).to.include({ matched: 1, drift: 1 });
    expect(contract.byOutcome('drift')[0]).to.include({ res_id: 5, value_odoo: 'New name', value_target: 'Old name' });
    expect(contract.asked).to.deep.equal([{ model: 'product.product' }, { model: 'res.partner' }]);
    expect(wms.ledger.count('GET', /\/items$/)).to.be.greaterThanOrEqual(1);
    // a WMS without the list endpoint: a clear configuration error naming the option
    const off = reconciler({
      targets: { wms_gen: { preset: 'generic_wms', base_url: wms.baseUrl, auth: { type: 'api_key', header: 'X-API-Key', key: { env: 'K' } }, options: { customers_list_path: null } } },
      reconcile: { targets: { wms_gen: { master_data: { models: ['res.partner'] } } } },
    }, new Contract({}), records, KEY, undefined, recon.observe);
    try {
      await off.run('master_data', 'wms_gen');
      expect.fail('should refuse');
    } catch (err) { expect(String((err as Error).message)).to.match(/customers_list_path/); }
    // both runs on /metrics: one done with its discrepancy, one failed; the last success stays the done one
    const text = await metrics.registry.metrics();
    expect(text).to.contain('sync_bridge_reconcile_runs_total{target="wms_gen",job="master_data",outcome="done"} 1');
    expect(text).to.contain('sync_bridge_reconcile_runs_total{target="wms_gen",job="master_data",outcome="failed"} 1');
    expect(text).to.contain(`sync_bridge_reconcile_discrepancies{target="wms_gen",job="master_data"} ${s.discrepancies}`);
    expect(s.discrepancies).to.be.greaterThan(0);
    expect(text).to.match(/^sync_bridge_reconcile_last_success_timestamp_seconds\{target="wms_gen",job="master_data"\} \d{10}$/m);
  });

  it('HubSpot: partners in two passes, companies (by name) and contacts (by e-mail); company drift found, scoped keys', async () => {
    const hs = await startFake('hubspot');
    try {
      setUpOdooPortal(hs);
      hs.store.create('companies', { odoo_partner_id: '7', name: 'Old Co' });
      hs.store.create('contacts', { odoo_partner_id: '8', firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com' });
      const base = { phone: false, street: false, street2: false, city: false, zip: false, state_id: false, country_id: false, parent_id: false, sync_account_manager_email: false };
      const records = new Map<number, Obj>([
        [7, { ...base, id: 7, name: 'New Co', is_company: true, email: false, commercial_company_name: 'New Co', commercial_partner_id: { id: 7, is_company: true } }],
        [8, { ...base, id: 8, name: 'Ada Lovelace', is_company: false, email: 'ada@example.com', commercial_company_name: false, commercial_partner_id: { id: 8, is_company: false } }],
      ]);
      const contract = new Contract({
        'res.partner/company': [{ res_id: 7, natural_key: 'new co', external_id: false }],
        'res.partner/person': [{ res_id: 8, natural_key: 'ada@example.com', external_id: false }],
      });
      const r = reconciler({
        targets: { crm_hs: { preset: 'hubspot', base_url: hs.baseUrl, auth: { type: 'bearer', token: { env: 'T' } } } },
        reconcile: { targets: { crm_hs: { master_data: { models: ['res.partner'] } } } },
      }, contract, records, hs.tokens[0]!, { links: async () => [] });
      const s = await r.run('master_data', 'crm_hs');
      expect(contract.asked).to.deep.equal([{ model: 'res.partner', naturalKey: 'name', partnerKind: 'company' }, { model: 'res.partner', partnerKind: 'person' }]);
      expect(s.counts).to.include({ drift: 1 });
      expect(contract.byOutcome('missing_in_target'), 'nothing missing: each partner compared with its own object type').to.deep.equal([]);
      const drift = contract.byOutcome('drift')[0]!;
      expect(drift).to.include({ res_id: 7, key: 'master:res.partner:companies:7', value_odoo: 'New Co', value_target: 'Old Co' });
    } finally { await hs.close(); }
  });

  it('Salesforce: Accounts are matched by Name against Odoo names (natural_key asked of Odoo)', async () => {
    const sf = await startFake('salesforce');
    try {
      const contract = new Contract({ 'res.partner': [] });
      const r = reconciler({
        targets: { crm_sf: { preset: 'salesforce', base_url: `${sf.url}/services/data/v61.0/`, auth: { type: 'oauth2_client_credentials', token_url: `${sf.url}/services/oauth2/token`, client_id: sf.clientId, client_secret: { env: 'S' } } } },
        reconcile: { targets: { crm_sf: { master_data: { models: ['res.partner'] } } } },
      }, contract, new Map(), sf.clientSecret);
      sf.store.insertRaw('Account', { Name: 'Lonely Co' });
      const s = await r.run('master_data', 'crm_sf');
      expect(contract.asked).to.deep.equal([{ model: 'res.partner', naturalKey: 'name' }]);
      expect(s.counts).to.include({ missing_in_odoo: 1 });
    } finally { await sf.close(); }
  });
});
