import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createTargetConnectors, restoreQuota } from '../../bridge/app/connectors.js';
import { quotaReport } from '../../bridge/app/quota-report.js';
import { configSchema } from '../../bridge/config/schema.js';
import { BaseConnector } from '../../bridge/connectors/base-connector.js';
import type { Connector } from '../../bridge/connectors/connector.js';
import { createLogger } from '../../bridge/log/logger.js';
import { Redactor } from '../../bridge/log/redact.js';
import type { ClaimedEvent, NackItem, OdooContract, ReconMasterItem } from '../../bridge/odoo/contract.js';
import type { OdooGateway } from '../../bridge/odoo/odoo-gateway.js';
import { Reconciler } from '../../bridge/reconcile/index.js';
import { deliverEvent, type DeliverDeps } from '../../bridge/runtime/deliver-event.js';
import { MappingRegistry } from '../../bridge/runtime/mapping-registry.js';
import { BridgeMetrics } from '../../bridge/runtime/metrics.js';
import type { OutboundMapper } from '../../bridge/runtime/ports.js';
import { QuotaRecorder, QuotaStore } from '../../bridge/state/quota-store.js';
import { openStateStore } from '../../bridge/state/state-store.js';
import { WritebackQueue } from '../../bridge/state/writeback-queue.js';
import { setUpOdooPortal } from '../fakes/hubspot/portal.js';
import { startFake, type GenericWmsFake, type HubSpotFake, type SalesforceFake, type ShipBobFake } from '../fakes/start.js';
import { silentLog } from './connectors/helpers.js';
import { pagesOf, RecordingPort } from './reconcile/helpers.js';

type Obj = Record<string, unknown>;
const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const mappingsDir = path.join(repoRoot, 'mappings');

/** A logger whose lines (JSON objects) the test reads. */
function capturingLog() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (d: Buffer) => { for (const l of d.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>); });
  const log = createLogger({ level: 'debug', format: 'json', redactor: new Redactor(), stream });
  return { log, lines, settle: () => new Promise<void>((r) => setImmediate(r)) };
}

function config(targets: Record<string, unknown>, reconcile: Obj = {}) {
  return configSchema.parse({ odoo: { url: 'http://127.0.0.1:9', db: 'x', username: 'x', api_key: { env: 'X' } }, mappings: { dir: mappingsDir }, targets, reconcile });
}

const hubspotTarget = (hs: HubSpotFake, extra: Obj = {}) => ({ preset: 'hubspot', base_url: hs.baseUrl, auth: { type: 'bearer', token: { env: 'HS' } }, ...extra });
const salesforceTarget = (sf: SalesforceFake) => ({
  preset: 'salesforce', base_url: `${sf.url}/services/data/v61.0/`,
  auth: { type: 'oauth2_client_credentials', token_url: `${sf.url}/services/oauth2/token`, client_id: sf.clientId, client_secret: { env: 'SF' } },
});

/** Value of one sample of a scrape, undefined when the series is absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

const get = (c: Connector, p: string) => (c as BaseConnector).http.request({ method: 'GET', path: p, correlationId: 'quota-test' });

describe('API quota from real exchanges with the vendor fakes: metrics, crossing logs', function () {
  this.timeout(30_000);
  let hs: HubSpotFake;
  let sf: SalesforceFake;
  let sb: ShipBobFake;
  let wms: GenericWmsFake;
  before(async () => {
    hs = await startFake('hubspot', { rateLimit: { limit: 100, daily: 500 } });
    sf = await startFake('salesforce', { dailyLimit: 1000 });
    sb = await startFake('shipbob', { rateLimit: { limit: 20 } });
    wms = await startFake('generic-wms', { apiKeys: ['wms-key'], rateLimit: { limit: 30 } });
  });
  after(async () => { await Promise.all([hs?.close(), sf?.close(), sb?.close(), wms?.close()]); });

  it('sync_bridge_api_quota_remaining / _limit {target, window} read at scrape time from each target\'s last answer', async () => {
    hs.limiters.daily.used = 400;
    sf.allocation.used = 950;
    const cfg = config({
      crm_hs: hubspotTarget(hs), crm_sf: salesforceTarget(sf),
      wms_sb: { preset: 'shipbob', base_url: sb.baseUrl, auth: { type: 'bearer', token: { env: 'SB' } } },
      wms_gen: { preset: 'generic_wms', base_url: wms.baseUrl, auth: { type: 'api_key', header: 'X-API-Key', key: { env: 'WMS' } } },
    });
    const tokens: Record<string, string> = { HS: hs.tokens[0]!, SF: sf.clientSecret, SB: 'shipbob-test-token', WMS: 'wms-key' };
    const metrics = new BridgeMetrics();
    const connectors = createTargetConnectors(cfg.targets, (ref) => tokens['env' in ref ? ref.env : ref.secret]!, metrics);
    metrics.trackQuota(() => connectors.values());
    const before = await metrics.registry.metrics();
    expect(sample(before, 'sync_bridge_api_quota_remaining', 'target="crm_hs",window="daily"'), 'no answer yet: no series').to.equal(undefined);

    await get(connectors.get('crm_hs')!, '/crm/v3/objects/contacts');
    await get(connectors.get('crm_sf')!, '/services/data/v61.0/query?q=SELECT+Id+FROM+Account');
    await get(connectors.get('wms_sb')!, '/product');
    await get(connectors.get('wms_gen')!, '/items');

    const text = await metrics.registry.metrics();
    const q = (name: string, labels: string) => sample(text, `sync_bridge_api_quota_${name}`, labels);
    expect(q('remaining', 'target="crm_hs",window="daily"')).to.equal(99); // 500 - 401
    expect(q('limit', 'target="crm_hs",window="daily"')).to.equal(500);
    expect(q('remaining', 'target="crm_hs",window="burst"')).to.equal(99);
    expect(q('limit', 'target="crm_hs",window="burst"')).to.equal(100);
    expect(q('remaining', 'target="crm_sf",window="daily"')).to.equal(49); // 1000 - 951
    expect(q('limit', 'target="crm_sf",window="daily"')).to.equal(1000);
    expect(q('remaining', 'target="crm_sf",window="burst"'), 'Salesforce has no burst window').to.equal(undefined);
    expect(q('remaining', 'target="wms_sb",window="burst"')).to.equal(19);
    expect(q('limit', 'target="wms_sb",window="burst"'), 'ShipBob does not send its limit').to.equal(undefined);
    expect(q('remaining', 'target="wms_gen",window="burst"')).to.equal(29);
    expect(q('limit', 'target="wms_gen",window="burst"')).to.equal(30);
    expect(text).to.match(/# HELP sync_bridge_api_quota_remaining /);

    // The next scrape follows the next answer (not cached).
    await get(connectors.get('crm_hs')!, '/crm/v3/objects/contacts');
    expect(sample(await metrics.registry.metrics(), 'sync_bridge_api_quota_remaining', 'target="crm_hs",window="daily"')).to.equal(98);
    // /readyz's view of the same
    const report = quotaReport(connectors.values());
    expect(report.crm_sf).to.deep.include({ level: 'reserve', reservePercent: 10, batchHeldBack: true });
    expect(report.crm_hs!.level, '98 of 500: below 20 %').to.equal('low');
    expect(report.wms_sb!.windows).to.have.length(1);
  });

  it('the daily thresholds log once per crossing (20 %, the reserve), and one info when the day resets', async () => {
    hs.limiters.daily.max = 100;
    hs.limiters.daily.used = 75;
    const { log, lines, settle } = capturingLog();
    const cfg = config({ crm_hs: hubspotTarget(hs) });
    const connectors = createTargetConnectors(cfg.targets, () => hs.tokens[0]!, new BridgeMetrics(), { log });
    const c = connectors.get('crm_hs')!;
    for (let i = 0; i < 20; i++) await get(c, '/crm/v3/objects/contacts'); // 24 % left down to 5 %
    hs.limiters.daily.reset();
    for (let i = 0; i < 3; i++) await get(c, '/crm/v3/objects/contacts');
    await settle();
    const quota = lines.filter((l) => /daily API quota/.test(String(l.message)));
    expect(quota.map((l) => `${String(l.level)}: ${String(l.message)}`)).to.deep.equal([
      'warn: crm_hs: daily API quota below 20% (19 of 100 left)',
      'warn: crm_hs: daily API quota below the 10% reserve (9 of 100 left): reconciliation and its re-sends stop calling the target; live events go on',
      'info: crm_hs: daily API quota recovered (99 of 100 left): reconciliation may call the target again',
    ]);
    expect(quota[1]).to.include({ target: 'crm_hs', window: 'daily', remaining: 9, limit: 100, quotaLevel: 'reserve' });
    hs.limiters.daily.max = 500;
    hs.limiters.daily.reset();
  });

  it('HubSpot burst remaining 0: the next request waits for the interval instead of provoking a 429', async () => {
    const fast = await startFake('hubspot', { rateLimit: { limit: 3, windowMs: 400 } });
    try {
      const cfg = config({ crm_hs: hubspotTarget(fast) });
      const c = createTargetConnectors(cfg.targets, () => fast.tokens[0]!, new BridgeMetrics()).get('crm_hs')!;
      const t0 = Date.now();
      for (let i = 0; i < 7; i++) await get(c, '/crm/v3/objects/contacts');
      expect(fast.ledger.requests.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200, 200, 200]);
      expect(Date.now() - t0, 'two pauses of the 400 ms interval').to.be.at.least(700);
    } finally { await fast.close(); }
  });
});

/** Odoo's side for the Reconciler: the run port plus master pages from a table. */
class Contract extends RecordingPort {
  constructor(private readonly items: Record<string, ReconMasterItem[]>) { super(); }
  async reconMaster(_t: string, model: string, after: number | false, limit: number) {
    return pagesOf(this.items[model] ?? [], (i) => i.res_id)(after, limit);
  }
}

function odooOf(records: Map<number, Obj>): OdooGateway {
  return { call: async (req: { ids?: number[] }) => (req.ids ?? []).map((id) => records.get(id)).filter(Boolean) } as unknown as OdooGateway;
}

function claimed(id: number, code: string, traceId: string): ClaimedEvent {
  return {
    id, target: code, event_type: 'upsert', model: 'product.product', res_id: id, aggregate_key: `product.product,${id}`,
    idempotency_key: `k${id}`, attempts: 1, lease_token: 't', lease_expires_at: '2030-01-01 00:00:00', trace_id: traceId,
    created_at: '2030-01-01 00:00:00', mapping_version: false, external_ref: false, record: { id },
  };
}

/** Delivers one claimed event through deliverEvent; returns the outcome and the write-back it queued. */
async function deliverOne(connectors: Map<string, Connector>, ev: ClaimedEvent, mapped: { kind: string; payload: Obj }) {
  const writeback = new WritebackQueue(openStateStore(':memory:'));
  const mapper: OutboundMapper = { specs: () => ({}), count: () => 1, map: async () => ({ ...mapped, mappingVersion: 'v1' }) };
  const deps: DeliverDeps = {
    mapper, connectors, writeback, metrics: new BridgeMetrics(), redactor: new Redactor(), log: silentLog, retry: { maxAttempts: 3, baseMs: 1000, maxMs: 60_000 },
  };
  const outcome = await deliverEvent(ev, deps);
  const nacks: NackItem[] = [];
  let acked = 0;
  await writeback.flush({
    ack: async (items) => { acked += items.length; return { ok: items.map((i) => i.id), refused: [] }; },
    nack: async (items) => { nacks.push(...items); return { ok: items.map((i) => i.id), refused: [] }; },
  });
  return { outcome, nacks, acked };
}

describe('quota reserve: reconciliation yields, live deliveries go on', function () {
  this.timeout(30_000);

  it('HubSpot: a master-data run that takes the daily quota below the reserve stops at its next request, recorded as failed naming target and quota; the next run stops at once; live events and plain upserts still go out, a reconciliation re-send waits', async () => {
    const hs = await startFake('hubspot', { rateLimit: { daily: 100 } });
    try {
      setUpOdooPortal(hs);
      const records = new Map<number, Obj>();
      const items: ReconMasterItem[] = [];
      for (let i = 1; i <= 20; i++) {
        hs.store.create('products', { odoo_product_id: String(i), name: `P ${i}`, hs_sku: `SKU-${i}`, price: '1' });
        records.set(i, { id: i, name: `P ${i}`, default_code: `SKU-${i}`, list_price: 1, description_sale: false, active: true });
        items.push({ res_id: i, natural_key: `sku-${i}`, external_id: false });
      }
      hs.limiters.daily.used = 84; // 16 % left: above the 10 % reserve, the run starts
      const cfg = config({ crm_hs: hubspotTarget(hs, { options: { order_status_method: 'upsert' } }) }, { target_page_size: 1, targets: { crm_hs: { master_data: { models: ['product.product'] } } } });
      const connectors = createTargetConnectors(cfg.targets, () => hs.tokens[0]!, new BridgeMetrics());
      const contract = new Contract({ 'product.product': items });
      const reconciler = new Reconciler({
        config: cfg, odoo: odooOf(records), contract: contract as unknown as OdooContract, connectors, workerId: 't', log: silentLog,
        mapper: () => new MappingRegistry(mappingsDir, cfg.targets, { links: async () => [] }),
      });
      const listed = () => hs.ledger.requests.filter((r) => r.method === 'GET' && r.path === '/crm/v3/objects/products').length;

      let err: Error | undefined;
      await reconciler.run('master_data', 'crm_hs').catch((e: unknown) => { err = e as Error; });
      // Pages of one product, one request each: 16 left, 15, ..., 9 (below 10 %) after the 7th; the 8th is not sent.
      expect(listed()).to.equal(7);
      expect(err?.message).to.equal('stopped: crm_hs API quota below the 10% reserve (used 91 of 100 today, 9 left)');
      expect(contract.finishes).to.have.length(1);
      expect(contract.finishes[0]).to.include({ state: 'failed', error: 'stopped: crm_hs API quota below the 10% reserve (used 91 of 100 today, 9 left)' });

      await reconciler.run('master_data', 'crm_hs').catch((e: unknown) => { err = e as Error; });
      expect(listed(), 'the next run sends nothing').to.equal(7);
      expect(contract.finishes[1]).to.include({ state: 'failed' });
      expect(contract.finishes[1]!.error).to.match(/^stopped: crm_hs API quota below the 10% reserve \(used 91 of 100 today, 9 left\)$/);

      // Live: the order status to the CRM goes out and is delivered.
      const live = await deliverOne(connectors, { ...claimed(500, 'crm_hs', 'trace-live'), event_type: 'status', model: 'sale.order' }, { kind: 'order_status', payload: { properties: { dealstage: 'closedwon' } } });
      expect(live.outcome).to.equal('sent');
      expect(hs.store.findBy('deals', 'odoo_id', '500'), 'the deal was written').to.not.equal(undefined);
      // A plain master-data upsert (a product edited in Odoo) is not batch work: it goes out too.
      const plain = await deliverOne(connectors, claimed(21, 'crm_hs', 'a1b2c3'), { kind: 'product', payload: { properties: { name: 'P 21', hs_sku: 'SKU-21' } } });
      expect(plain.outcome).to.equal('sent');
      // The re-send the reconciliation asked Odoo for waits: never sent, the claim given back.
      const before = hs.ledger.requests.length;
      const resend = await deliverOne(connectors, claimed(3, 'crm_hs', 'recon:42'), { kind: 'product', payload: { properties: { name: 'P 3', hs_sku: 'SKU-3' } } });
      expect(resend.outcome).to.equal('retry');
      expect(hs.ledger.requests.length, 'nothing sent for the re-send').to.equal(before);
      expect(resend.nacks[0]).to.deep.include({ retryable: true, dead: false, uncount_attempt: true });
      expect(resend.nacks[0]!.error_message).to.match(/^held back: crm_hs API quota below the 10% reserve \(used 9\d of 100 today, \d left\)/);
      expect(resend.nacks[0]!.error_details).to.include({ reason: 'quota_reserve', notCounted: 'quota_reserve' });

      // The day resets: the next answer brings the quota back, the run goes through.
      hs.limiters.daily.reset();
      await deliverOne(connectors, { ...claimed(501, 'crm_hs', 'trace-live-2'), event_type: 'status', model: 'sale.order' }, { kind: 'order_status', payload: { properties: { dealstage: 'closedwon' } } });
      await reconciler.run('master_data', 'crm_hs');
      expect(contract.finishes[2]).to.include({ state: 'done' });
      expect(listed(), 'every page read this time').to.be.at.least(7 + 21);
    } finally { await hs.close(); }
  });

  it('Salesforce: a CLI run starts from the state file\'s observation (the running sidecar\'s): below the reserve it stops before calling the target', async () => {
    const sf = await startFake('salesforce', { dailyLimit: 1000 });
    try {
      const cfg = config({ crm_sf: salesforceTarget(sf) }, { targets: { crm_sf: { master_data: { models: ['res.partner'] } } } });
      const db = openStateStore(':memory:');
      // What the sidecar recorded a minute ago: 950 of 1000 used.
      const store = new QuotaStore(db);
      store.save('crm_sf', { window: 'daily', remaining: 50, limit: 1000, observedAt: Date.now() - 60_000 });
      const recorder = new QuotaRecorder();
      const connectors = createTargetConnectors(cfg.targets, () => sf.clientSecret, new BridgeMetrics(), { onQuota: recorder.record });
      restoreQuota(connectors.values(), store);
      recorder.attach(store);
      const contract = new Contract({ 'res.partner': [{ res_id: 1, natural_key: 'acme', external_id: false }] });
      const reconciler = new Reconciler({
        config: cfg, odoo: odooOf(new Map()), contract: contract as unknown as OdooContract, connectors, workerId: 't', log: silentLog,
        mapper: () => new MappingRegistry(mappingsDir, cfg.targets, { links: async () => [] }),
      });
      const err = await reconciler.run('master_data', 'crm_sf').then(() => undefined, (e: unknown) => e as Error);
      expect(err?.message).to.equal('stopped: crm_sf API quota below the 10% reserve (used 950 of 1000 today, 50 left)');
      expect(contract.finishes[0]).to.include({ state: 'failed', error: err!.message });
      expect(sf.ledger.requests.filter((r) => /\/query/.test(r.path)), 'no SOQL query sent').to.deep.equal([]);
      // A live exchange refreshes the observation, and the recorder writes it back to the state file.
      sf.allocation.used = 100;
      await get(connectors.get('crm_sf')!, '/services/data/v61.0/query?q=SELECT+Id+FROM+Account');
      expect(store.forTarget('crm_sf')).to.deep.include.members([{ window: 'daily', remaining: 899, limit: 1000, observedAt: store.forTarget('crm_sf')[0]!.observedAt }]);
      const s = await reconciler.run('master_data', 'crm_sf');
      expect(contract.finishes[1]).to.include({ state: 'done' });
      expect(s.counts).to.include({ missing_in_target: 1 });
    } finally { await sf.close(); }
  });
});
