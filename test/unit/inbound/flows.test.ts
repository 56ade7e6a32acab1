import { expect } from 'chai';
import path from 'node:path';
import { startFake, type HubSpotFake, type ShipBobFake } from '../../fakes/start.js';
import { createConnector } from '../../../bridge/connectors/index.js';
import { BaseConnector } from '../../../bridge/connectors/base-connector.js';
import { InboxStore } from '../../../bridge/state/inbox-store.js';
import { InboundPreparer } from '../../../bridge/inbound/prepare.js';
import { InboxProcessor } from '../../../bridge/inbound/processor.js';
import { pollShipBobShipments } from '../../../bridge/inbound/pollers.js';
import { webhookRouter } from '../../../bridge/inbound/routes.js';
import { createServer } from '../../../bridge/server/create-server.js';
import { BridgeMetrics } from '../../../bridge/runtime/metrics.js';
import type { TargetHttpClient } from '../../../bridge/connectors/http/http-client.js';
import type { TargetConfig } from '../../../bridge/config/schema.js';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { FakeSink, repoRoot, target, tempDb } from './helpers.js';

/** Vendor fake -> signed webhook or poll -> inbox -> enrichment + mapping -> sync_apply (fake sink). */
describe('inbound flows against the vendor fakes (enrichment, polling, webhook + poll dedup)', function () {
  this.timeout(30_000);
  let sb: ShipBobFake;
  let hs: HubSpotFake;
  let server: Server;
  let url: string;
  let store: InboxStore;
  let targets: Record<string, TargetConfig>;
  let clients: Map<string, TargetHttpClient>;
  let sink: FakeSink;
  let proc: InboxProcessor;

  before(async () => {
    sb = await startFake('shipbob');
    hs = await startFake('hubspot');
    targets = {
      wms_sb: target('shipbob', { base_url: `${sb.baseUrl}/`, options: { channel_id: sb.channels[0]!.id } }),
      crm_hs: target('hubspot', { base_url: hs.baseUrl }),
    };
    const tokens: Record<string, string> = { wms_sb: sb.tokens[0]!, crm_hs: 'hubspot-test-token' };
    clients = new Map();
    for (const [code, t] of Object.entries(targets)) {
      const c = createConnector(code, t, () => tokens[code]!);
      clients.set(code, (c as BaseConnector).http);
    }
    store = new InboxStore(tempDb().db);
    const app = createServer({
      metrics: new BridgeMetrics(), readiness: { check: async () => ({ ready: true, odoo: 'ok', mappings: '', targets: {} }) },
      mount: (a) => { a.use(webhookRouter({ store, targets, secrets: { wms_sb: sb.webhookSecret, crm_hs: hs.appSecret }, maxBodyBytes: 1 << 20, toleranceSeconds: 300 })); },
    });
    server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sb.setWebhookTarget(`${url}/webhooks/wms_sb`);
    hs.setWebhookTarget(`${url}/webhooks/crm_hs`);
    sink = new FakeSink();
    proc = new InboxProcessor(store, new InboundPreparer(path.join(repoRoot, 'mappings'), targets, (c) => clients.get(c)), sink, { batchSize: 20, pollMs: 10, backoffBaseMs: 10, backoffMaxMs: 10 });
  });
  after(async () => {
    await new Promise<void>((r) => { server.closeAllConnections?.(); server.close(() => r()); });
    await sb.close();
    await hs.close();
  });

  async function shipbobOrder(reference: string, sku = 'MUG-1'): Promise<number> {
    sb.store.setInventory({ sku, on_hand: 100 });
    const res = await clients.get('wms_sb')!.request<{ id: number }>({
      method: 'POST', path: 'order', correlationId: 't', headers: { shipbob_channel_id: String(sb.channels[0]!.id) },
      body: { reference_id: reference, recipient: { name: 'A', address: { address1: '1 Main', city: 'X', country: 'US' } }, products: [{ reference_id: sku, name: sku, quantity: 2 }], shipping_method: 'Standard' },
    });
    return res.body.id;
  }

  it('ShipBob: a silent shipment is polled into the inbox, acknowledged after storing, then applied; the late webhook is a duplicate', async () => {
    const orderId = await shipbobOrder('WH/OUT/00001');
    const shipped = await sb.sim.ship(orderId, {}, { silent: true });
    const r = await pollShipBobShipments('wms_sb', clients.get('wms_sb')!, store);
    expect(r).to.deep.equal({ found: 1, stored: 1, duplicate: 0, acknowledged: 1 });
    expect(sb.ledger.effects.filter((e) => e.kind === 'ack').map((e) => e.key)).to.deep.equal([String(shipped.shipment.id)]);
    expect((await pollShipBobShipments('wms_sb', clients.get('wms_sb')!, store)).found).to.equal(0);
    // The same shipment arrives by webhook too: same message id, not stored again.
    const deliveries = await sb.shipbob.emit('order.shipped', shipped.shipment);
    expect(deliveries[0]!.status).to.equal(200);
    expect(JSON.parse(deliveries[0]!.body).data.id).to.equal(shipped.shipment.id);
    expect(store.list().filter((x) => x.message_id === `shipbob:shipment:${shipped.shipment.id}`)).to.have.length(1);
    await proc.drain();
    const applied = sink.applied.filter((i) => i.message_id === `shipbob:shipment:${shipped.shipment.id}`);
    expect(applied).to.have.length(1);
    expect(applied[0]!.payload).to.include({ order_ref: 'WH/OUT/00001', source: 'shipbob' });
    expect((applied[0]!.payload.lines as Array<{ sku: string; quantity: number }>).map((l) => [l.sku, l.quantity])).to.deep.equal([['MUG-1', 2]]);
  });

  it('ShipBob: order.shipped webhook with 2 re-deliveries -> one message, applied once', async () => {
    const orderId = await shipbobOrder('WH/OUT/00002');
    const before = sink.applied.length;
    const shipped = await sb.sim.ship(orderId, {}, { duplicates: 2 });
    expect(shipped.deliveries.map((d) => d.status)).to.deep.equal([200, 200, 200]);
    await proc.drain();
    expect(sink.applied.length - before).to.equal(1);
  });

  it('ShipBob: return.completed is enriched with the original order reference', async () => {
    const orderId = await shipbobOrder('WH/OUT/00003', 'MUG-3');
    const shipped = await sb.sim.ship(orderId, {}, { silent: true });
    const created = await sb.sim.createReturn({ shipment_id: shipped.shipment.id, lines: [{ sku: 'MUG-3', quantity: 1 }] }, { silent: true });
    await sb.sim.completeReturn(created.return.id, [{ sku: 'MUG-3', quantity: 1, action: 'Restock' }]);
    await proc.drain();
    const ret = sink.applied.find((i) => i.kind === 'return');
    expect(ret, JSON.stringify(store.list({ state: 'rejected' }).map((r) => r.last_error))).to.not.equal(undefined);
    expect(ret!.payload).to.include({ order_ref: 'WH/OUT/00003', return_id: String(created.return.id) });
    expect(ret!.payload.lines).to.deep.equal([{ sku: 'MUG-3', quantity: 1, disposition: 'restock' }]);
  });

  it('HubSpot: deal closed won -> webhook -> deal, company, contact, line items read -> canonical sale order', async () => {
    const company = hs.store.create('companies', { name: 'Acme BV', address: 'Main St 1', city: 'Brussels', zip: '1000', country: 'Belgium' });
    const contact = hs.store.create('contacts', { email: ' Buyer@Acme.example ', firstname: 'B', lastname: 'Uyer' });
    const won = await hs.sim.closeWonDeal({ companyId: company.id, contactId: contact.id, lineItems: [{ name: 'Mug', hs_sku: 'MUG-1', quantity: 3, price: 9.5 }], duplicates: 1 });
    expect(won.deliveries.map((d) => d.status)).to.deep.equal([200, 200]);
    await proc.drain();
    const so = sink.applied.filter((i) => i.kind === 'sale_order');
    expect(so, JSON.stringify(store.list({ state: 'rejected' }).map((r) => r.last_error))).to.have.length(1);
    expect(so[0]!.payload).to.deep.include({ quote_id: won.deal.id, source: 'hubspot' });
    expect(so[0]!.payload.customer).to.deep.include({ external_id: company.id, name: 'Acme BV', email: 'buyer@acme.example' });
    expect(so[0]!.payload.lines).to.deep.equal([{ sku: 'MUG-1', quantity: 3, unit_price: 9.5 }]);
  });
});
