import { expect } from 'chai';
import { startFake, type GenericWmsFake, type ShipBobFake } from '../fakes/start.js';
import { callReturningNone, create, ensureProduct, ensureStorableProduct, ensureTarget, ensureWarehouse, odooTestEnv, searchRead, serviceGateway, xmlId } from './support/odoo-env.js';
import { shipbobWebhookTarget } from './support/shipbob-setup.js';
import { configHead, FAST_INBOUND, FAST_WORKER, publicServer } from './support/sidecar-config.js';
import { freePort, mappingsSubset, sleep, startSidecar, stopSidecarExpectingZero, waitFor, waitListening, type RunningSidecar } from './support/sidecar.js';
import { archiveTargets, codesLike } from './support/targets.js';

interface InboundRow { id: number; message_id: string; state: string; duplicate_count: number; result_summary: string | false }

/**
 * Lost inbound webhooks caught up by polls (real sidecar binary, real Odoo 18, vendor fakes):
 * a ShipBob return completed while every return.completed webhook is refused (a wrong secret)
 * is received in Odoo exactly once after the returns poll (return picking validated), and later
 * polls add nothing; a return whose webhook was delivered and that the poll finds as well is
 * applied once (one message, one return picking). A generic WMS receipt.completed event whose
 * webhook is refused is read from the WMS's event feed (GET /events) and books the Odoo receipt
 * once.
 */
describe('e2e: catch-up polls (ShipBob completed returns, generic WMS event feed) for lost webhooks', function () {
  this.timeout(420_000);
  const env = odooTestEnv();
  const RUN = Date.now().toString(36);
  const WMS = `wms_cu_${RUN}`;
  const WMSG = `wmsg_cu_${RUN}`;
  const SKU = `CU-MUG-${RUN}`;
  const WRONG_SHIPBOB_SECRET = `whsec_${Buffer.from('not-the-secret-the-bridge-knows!').toString('base64')}`;
  let sb: ShipBobFake;
  let gw: GenericWmsFake;
  let sidecar: RunningSidecar | undefined;
  let warehouseId: number;
  let genericWarehouseId: number;
  let productId: number;
  let usId: number;

  before(async () => {
    await serviceGateway(env);
    sb = await startFake('shipbob');
    gw = await startFake('generic-wms');
    gw.wms.retryDelayMs = 20;
    warehouseId = await ensureWarehouse(env, 'CUPS');
    genericWarehouseId = await ensureWarehouse(env, 'CUPG');
    usId = await xmlId(env.admin, 'base.us');
    await archiveTargets(env, codesLike(['wms_cu_%', 'wmsg_cu_%']));
    const off = { trigger_order_release: false, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false, trigger_partner_upsert: false, trigger_product_upsert: false };
    await ensureTarget(env, WMS, { name: 'ShipBob catch-up (e2e)', kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [warehouseId]]], ...off, trigger_order_release: true });
    await ensureTarget(env, WMSG, { name: 'Generic WMS catch-up (e2e)', kind: 'wms', warehouse_ids: [[6, 0, [genericWarehouseId]]], ...off });
    productId = await ensureProduct(env, SKU, 'Catch-up mug', 9);
    sb.store.setInventory({ sku: SKU, on_hand: 1000 });
    const port = await freePort();
    sb.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${WMS}`);
    gw.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${WMSG}`);
    const mappings = mappingsSubset({
      shipbob: ['order_release.yaml', 'shipment_confirmed.yaml', 'return_received.yaml'],
      generic_wms: ['receipt_completed.yaml'],
    });
    sidecar = startSidecar(env, `${configHead(env, { worker: FAST_WORKER, server: publicServer(port), inbound: FAST_INBOUND })}targets:
${shipbobWebhookTarget(WMS, sb, { poll: "schedule: '*/2 * * * * *', lookback_minutes: 30", options: 'poll_receiving: false' })}  ${WMSG}:
    preset: generic_wms
    base_url: '${gw.baseUrl}/'
    auth: { type: api_key, header: X-API-Key, key: { env: WMS_KEY } }
    webhook_secret: { env: WMS_WEBHOOK_SECRET }
    poll: { schedule: '*/2 * * * * *', lookback_minutes: 30 }
    options: { events_path: /events }
`, { SHIPBOB_TOKEN: sb.tokens[0]!, SHIPBOB_WEBHOOK_SECRET: sb.webhookSecret, WMS_KEY: gw.apiKeys[0]!, WMS_WEBHOOK_SECRET: gw.webhookSecret }, { mappingsDir: mappings });
    await waitListening(port);
  });

  after(async function () {
    await sb?.close();
    await gw?.close();
    await archiveTargets(env, [['code', 'in', [WMS, WMSG]]]);
    await stopSidecarExpectingZero(sidecar, this, 12_000);
  });

  const inbound = (code: string, messageId: string) => searchRead<InboundRow>(env.admin, 'sync.inbound.message', [['target_id.code', '=', code], ['message_id', '=', messageId]], ['message_id', 'state', 'duplicate_count', 'result_summary'], { order: 'id' });
  const returnPickings = (orderId: number) => searchRead<{ id: number; name: string; state: string; sync_shipment_id: string | false }>(env.admin, 'stock.picking', [['sale_id', '=', orderId], ['picking_type_code', '=', 'incoming']], ['name', 'state', 'sync_shipment_id'], { order: 'id' });

  /** Waits for `n` more ShipBob poll runs that found only messages already in the inbox. */
  async function repeatedPolls(n: number): Promise<void> {
    const from = sidecar!.output().length;
    const re = new RegExp(`poll ${WMS}: \\d+ found, 0 new, \\d+ already in the inbox`, 'g');
    await waitFor(`${n} more polls of ${WMS} finding only duplicates`, async () => (sidecar!.output().slice(from).match(re) ?? []).length >= n, 60_000);
  }

  /** An order released to ShipBob, shipped there (webhook delivered: the Odoo delivery done), and a return of one unit created. */
  async function shippedOrderWithReturn(tag: string): Promise<{ orderId: number; returnId: number }> {
    const partner = await create(env.admin, 'res.partner', { name: `Catch-up ${tag} ${RUN}`, email: `${tag}.${RUN}@catchup-e2e.example`, street: '1 Main St', city: 'Springfield', zip: '62701', country_id: usId });
    const orderId = await create(env.admin, 'sale.order', { partner_id: partner, warehouse_id: warehouseId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 2, price_unit: 9 }]] });
    await callReturningNone(env.admin, { model: 'sale.order', method: 'action_confirm', ids: [orderId] });
    const [so] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', orderId]], ['name']);
    const order = await waitFor('order released to the ShipBob fake', async () => sb.store.orders.find((o) => o.reference_id === so!.name), 60_000);
    const shipped = await sb.sim.ship(order.id);
    expect(shipped.deliveries.map((d) => d.status)).to.deep.equal([200]);
    await waitFor('delivery validated in Odoo', async () => {
      const out = await searchRead<{ state: string }>(env.admin, 'stock.picking', [['sale_id', '=', orderId], ['picking_type_code', '=', 'outgoing']], ['state']);
      return out.length > 0 && out.every((p) => p.state === 'done');
    }, 60_000);
    const created = await sb.sim.createReturn({ shipment_id: shipped.shipment.id, reference_id: `RMA-${tag}-${RUN}`, lines: [{ sku: SKU, quantity: 1 }] });
    return { orderId, returnId: created.return.id };
  }

  it('ShipBob: a return completed while every return.completed webhook is refused is received once after the poll; polling again adds nothing', async () => {
    const { orderId, returnId } = await shippedOrderWithReturn('lost');
    const secret = sb.webhookSecret;
    sb.shipbob.setSecret(WRONG_SHIPBOB_SECRET);
    let done;
    try {
      done = await sb.sim.completeReturn(returnId, [{ sku: SKU, quantity: 1, action: 'Restock' }], { duplicates: 2 });
    } finally {
      sb.shipbob.setSecret(secret);
    }
    expect(done.deliveries.map((d) => d.status), 'ShipBob tried three times; every attempt refused').to.deep.equal([401, 401, 401]);
    const messageId = `shipbob:return:${returnId}:completed`;
    const returns = await waitFor('the return picking validated in Odoo (from the poll)', async () => {
      const p = await returnPickings(orderId);
      return p.length > 0 && p.every((x) => x.state === 'done') ? p : undefined;
    }, 120_000);
    expect(returns.map((p) => p.sync_shipment_id)).to.deep.equal([String(returnId)]);
    const first = await inbound(WMS, messageId);
    expect(first.map((m) => m.state)).to.deep.equal(['applied']);
    expect(String(first[0]!.result_summary)).to.contain('validated');
    const moves = await searchRead<{ quantity: number; state: string }>(env.admin, 'stock.move', [['picking_id', 'in', returns.map((p) => p.id)]], ['quantity', 'state']);
    expect(moves.map((m) => [m.quantity, m.state])).to.deep.equal([[1, 'done']]);

    await repeatedPolls(2);
    expect((await returnPickings(orderId)).map((p) => p.id), 'no second return picking').to.deep.equal(returns.map((p) => p.id));
    expect((await inbound(WMS, messageId)).map((m) => [m.id, m.duplicate_count]), 'no new message reached Odoo').to.deep.equal([[first[0]!.id, 0]]);
  });

  it('ShipBob: a return whose webhook was delivered and that the poll also finds is applied once', async () => {
    const { orderId, returnId } = await shippedOrderWithReturn('both');
    const done = await sb.sim.completeReturn(returnId, [{ sku: SKU, quantity: 1, action: 'Restock' }]);
    expect(done.deliveries.map((d) => d.status)).to.deep.equal([200]);
    const returns = await waitFor('the return picking validated in Odoo', async () => {
      const p = await returnPickings(orderId);
      return p.length > 0 && p.every((x) => x.state === 'done') ? p : undefined;
    }, 120_000);
    await repeatedPolls(2); // each run finds the return again: an inbox duplicate
    expect((await returnPickings(orderId)).map((p) => p.id)).to.deep.equal(returns.map((p) => p.id));
    const msgs = await inbound(WMS, `shipbob:return:${returnId}:completed`);
    expect(msgs.map((m) => [m.state, m.duplicate_count]), 'the sidecar dropped the poll copies before Odoo').to.deep.equal([['applied', 0]]);
  });

  it('generic WMS: a receipt.completed event whose webhook is refused is read from the event feed and books the Odoo receipt once', async () => {
    const storable = await ensureStorableProduct(env, `CU-BEANS-${RUN}`, { name: 'Catch-up beans' });
    const vendor = await create(env.admin, 'res.partner', { name: `Catch-up supplier ${RUN}` });
    const [wh] = await searchRead<{ in_type_id: [number, string]; lot_stock_id: [number, string] }>(env.admin, 'stock.warehouse', [['id', '=', genericWarehouseId]], ['in_type_id', 'lot_stock_id']);
    const supplier = await xmlId(env.admin, 'stock.stock_location_suppliers');
    const pickingId = await create(env.admin, 'stock.picking', {
      partner_id: vendor, picking_type_id: wh!.in_type_id[0], location_id: supplier, location_dest_id: wh!.lot_stock_id[0],
      move_ids: [[0, 0, { ...(env.series >= 19 ? {} : { name: 'beans' }), product_id: storable, product_uom_qty: 5, location_id: supplier, location_dest_id: wh!.lot_stock_id[0] }]],
    });
    await callReturningNone(env.admin, { model: 'stock.picking', method: 'action_confirm', ids: [pickingId] });
    const [picking] = await searchRead<{ name: string; state: string; move_ids: number[] }>(env.admin, 'stock.picking', [['id', '=', pickingId]], ['name', 'state', 'move_ids']);
    expect(picking!.state).to.equal('assigned');

    const secret = gw.wms.secret;
    gw.wms.secret = 'not-the-shared-secret-the-bridge-knows';
    let deliveries;
    try {
      deliveries = await gw.wms.emit('receipt.completed', {
        receipt_reference: picking!.name, receipt_id: `R-${RUN}`, status: 'received', received_at: new Date().toISOString(),
        lines: [{ line_ref: String(picking!.move_ids[0]), sku: `CU-BEANS-${RUN}`, quantity: 5, lots: [], serials: [] }],
      });
    } finally {
      gw.wms.secret = secret;
    }
    expect(deliveries.map((d) => d.status), 'the WMS retried; every attempt refused').to.deep.equal([401, 401, 401, 401]);
    const eventId = deliveries[0]!.id;
    await waitFor(`receipt ${picking!.name} validated in Odoo (from the event feed)`, async () => (await searchRead<{ state: string }>(env.admin, 'stock.picking', [['id', '=', pickingId]], ['state']))[0]?.state === 'done', 120_000);
    const first = await inbound(WMSG, eventId);
    expect(first.map((m) => m.state)).to.deep.equal(['applied']);
    const moves = await searchRead<{ quantity: number; state: string }>(env.admin, 'stock.move', [['picking_id', '=', pickingId]], ['quantity', 'state']);
    expect(moves.map((m) => [m.quantity, m.state])).to.deep.equal([[5, 'done']]);
    // Later feed reads (after the stored cursor) bring nothing new: still one message, no backorder.
    const reads = () => gw.ledger.requests.filter((r) => r.path.endsWith('/events')).length;
    const before = reads();
    await waitFor('two more reads of the event feed', async () => reads() >= before + 2, 30_000);
    await sleep(1000);
    expect((await inbound(WMSG, eventId)).map((m) => [m.id, m.duplicate_count])).to.deep.equal([[first[0]!.id, 0]]);
    expect(await searchRead(env.admin, 'stock.picking', [['backorder_id', '=', pickingId]], ['id'])).to.deep.equal([]);
  });
});
