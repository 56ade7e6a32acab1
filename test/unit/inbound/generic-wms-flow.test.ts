import { expect } from 'chai';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { startFake, type GenericWmsFake } from '../../fakes/start.js';
import { createConnector } from '../../../bridge/connectors/index.js';
import { BaseConnector } from '../../../bridge/connectors/base-connector.js';
import type { TargetHttpClient } from '../../../bridge/connectors/http/http-client.js';
import { InboxStore } from '../../../bridge/state/inbox-store.js';
import { InboundPreparer } from '../../../bridge/inbound/prepare.js';
import { InboxProcessor } from '../../../bridge/inbound/processor.js';
import { vendorTraceId, webhookRouter } from '../../../bridge/inbound/routes.js';
import { createServer } from '../../../bridge/server/create-server.js';
import { BridgeMetrics } from '../../../bridge/runtime/metrics.js';
import type { TargetConfig } from '../../../bridge/config/schema.js';
import { FakeSink, post, repoRoot, target, tempDb, wmsDelivery } from './helpers.js';

/**
 * Generic WMS fake -> signed webhook (as the profile documents it) -> inbox -> mapping (reading
 * the webhook shape directly; the order read from the WMS for substitutions) -> canonical
 * payload -> sink. Also: every message gets a trace id at receipt, sent to Odoo with it.
 */
describe('inbound flow against the generic WMS fake (documented webhook shape, trace ids)', function () {
  this.timeout(30_000);
  const API_KEY = 'wms-flow-key';
  const SECRET = 'wms-flow-secret-at-least-32-bytes-long!!';
  let wms: GenericWmsFake;
  let server: Server;
  let url: string;
  let store: InboxStore;
  let targets: Record<string, TargetConfig>;
  let client: TargetHttpClient;
  let sink: FakeSink;
  let proc: InboxProcessor;

  before(async () => {
    wms = await startFake('generic-wms', { apiKeys: [API_KEY], webhookSecret: SECRET });
    targets = { wms_gen: target('generic_wms', { base_url: wms.baseUrl, auth: { type: 'api_key', header: 'X-API-Key', key: { env: 'K' } } }) };
    client = (createConnector('wms_gen', targets.wms_gen!, () => API_KEY) as BaseConnector).http;
    store = new InboxStore(tempDb().db);
    const app = createServer({
      metrics: new BridgeMetrics(), readiness: { check: async () => ({ ready: true, odoo: 'ok', mappings: '', targets: {} }) },
      mount: (a) => { a.use(webhookRouter({ store, targets, secrets: { wms_gen: SECRET }, maxBodyBytes: 1 << 20, toleranceSeconds: 300 })); },
    });
    server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    wms.setWebhookTarget(`${url}/webhooks/wms_gen`);
    sink = new FakeSink();
    proc = new InboxProcessor(store, new InboundPreparer(path.join(repoRoot, 'mappings'), targets, (c) => (c === 'wms_gen' ? client : undefined)), sink, { batchSize: 20, pollMs: 10, backoffBaseMs: 10, backoffMaxMs: 10 });
  });
  after(async () => {
    await new Promise<void>((r) => { server.closeAllConnections?.(); server.close(() => r()); });
    await wms.close();
  });

  async function release(reference: string): Promise<void> {
    const res = await client.request({
      method: 'PUT', path: `/orders/${encodeURIComponent(reference)}`, correlationId: 't',
      body: {
        ship_to: { name: 'A', street: '1 Main', city: 'X', zip: '1000', country: 'BE' },
        lines: [{ line_ref: '11', sku: 'MUG-BLUE', quantity: 3 }, { line_ref: '12', sku: 'BEANS', quantity: 5 }, { line_ref: '13', sku: 'GRINDER', quantity: 2 }],
      },
    });
    expect(res.status).to.equal(201);
  }

  it('shipment.shipped: a substitute, lots with and without expiry, serials -> the canonical shipment, with a trace id', async () => {
    await release('WH/OUT/00077');
    const shipped = await wms.sim.ship('WH/OUT/00077', {
      carrier: 'DHL', tracking_number: 'JD0001', tracking_url: 'https://www.dhl.com/track?id=JD0001',
      lines: [
        { line_ref: '11', quantity: 3, sku: 'MUG-RED' },
        { line_ref: '12', quantity: 5, lots: [{ lot: 'L1', quantity: 4, expiry: '2027-06-30' }, { lot: 'L2', quantity: 1 }] },
        { line_ref: '13', quantity: 2, serials: ['SN-1', 'SN-2'] },
      ],
    });
    expect(shipped.deliveries.map((d) => d.status)).to.deep.equal([200]);
    const eventId = shipped.deliveries[0]!.id;
    const r = await proc.drain();
    expect(r).to.include({ applied: 1, rejected: 0, held: 0 });
    const item = sink.applied.find((i) => i.message_id === eventId)!;
    expect(item.kind).to.equal('shipment');
    expect(item.trace_id, 'a trace id generated at receipt').to.match(/^[0-9a-f-]{36}$/);
    expect(item.payload).to.deep.equal({
      message_id: eventId, source: 'generic_wms', order_ref: 'WH/OUT/00077', shipment_id: String(shipped.shipment.shipment_id),
      shipped_at: shipped.shipment.shipped_at.replace('T', ' ').slice(0, 19), carrier: 'DHL', tracking_number: 'JD0001',
      tracking_url: 'https://www.dhl.com/track?id=JD0001',
      lines: [
        { sku: 'MUG-RED', quantity: 3, lots: [], serials: [], substituted_for_sku: 'MUG-BLUE' },
        { sku: 'BEANS', quantity: 5, lots: [{ lot: 'L1', quantity: 4, expiration_date: '2027-06-30' }, { lot: 'L2', quantity: 1 }], serials: [] },
        { sku: 'GRINDER', quantity: 2, lots: [], serials: ['SN-1', 'SN-2'] },
      ],
    });
    const row = store.list({ source: 'wms_gen', limit: 10 }).find((x) => x.message_id === eventId)!;
    expect(row.state).to.equal('applied');
    expect(row.trace_id).to.equal(item.trace_id);
  });

  it('return.received: the WMS\'s dispositions -> the canonical return', async () => {
    const received = await wms.sim.receiveReturn({
      order_reference: 'WH/OUT/00077', return_id: 'RMA-77',
      lines: [
        { sku: 'MUG-RED', quantity: 2, condition: 'resaleable', disposition: 'restock' },
        { sku: 'BEANS', quantity: 1, condition: 'damaged', disposition: 'quarantine', lot: 'L1' },
        { sku: 'GRINDER', quantity: 1, condition: 'damaged', disposition: 'scrap', lot: 'SN-1' },
      ],
    });
    expect(received.deliveries.map((d) => d.status)).to.deep.equal([200]);
    const eventId = received.deliveries[0]!.id;
    await proc.drain();
    const item = sink.applied.find((i) => i.message_id === eventId)!;
    expect(item.kind).to.equal('return');
    expect(item.payload).to.deep.equal({
      message_id: eventId, source: 'generic_wms', return_id: 'RMA-77', order_ref: 'WH/OUT/00077',
      received_at: received.return.received_at.replace('T', ' ').slice(0, 19),
      lines: [
        { sku: 'MUG-RED', quantity: 2, disposition: 'restock' },
        { sku: 'BEANS', quantity: 1, disposition: 'quarantine', lot: 'L1' },
        { sku: 'GRINDER', quantity: 1, disposition: 'scrap', lot: 'SN-1' },
      ],
    });
  });

  it('the vendor\'s correlation header becomes the trace id (X-Correlation-Id, traceparent); else a UUID per message', async () => {
    expect(vendorTraceId({ 'x-correlation-id': 'wms-req-42' })).to.equal('wms-req-42');
    expect(vendorTraceId({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).to.equal('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(vendorTraceId({ 'x-correlation-id': 'bad value with spaces' })).to.equal(undefined);
    expect(vendorTraceId({})).to.equal(undefined);
    const data = { order_reference: 'WH/OUT/00077', order_status: 'shipped', shipment_id: 'SHP-X', carrier: 'UPS', tracking_number: '1Z', tracking_url: null, shipped_at: '2026-11-21T10:00:00Z', lines: [{ line_ref: '11', sku: 'MUG-BLUE', quantity: 1, lots: [], serials: [] }] };
    const d = wmsDelivery('shipment.shipped', data, { secret: SECRET, id: 'evt_corr_1' });
    const res = await post(`${url}/webhooks/wms_gen`, { headers: { ...d.headers, 'X-Correlation-Id': 'wms-req-42' }, body: d.body });
    expect(res.status).to.equal(200);
    await proc.drain();
    expect(sink.calls.flat().find((i) => i.message_id === 'evt_corr_1')?.trace_id).to.equal('wms-req-42');
    expect(store.list({ source: 'wms_gen', limit: 10 }).find((x) => x.message_id === 'evt_corr_1')?.trace_id).to.equal('wms-req-42');
  });
});
