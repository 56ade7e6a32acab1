import { expect } from 'chai';
import { INTEGRATION_USER_ID } from '../fakes/salesforce/ids.js';
import { startFake, type GenericWmsFake, type SalesforceFake, type ShipBobFake } from '../fakes/start.js';
import { callReturningNone, create, ensureStorableProduct, ensureTarget, ensureWarehouse, odooTestEnv, searchRead, serviceGateway, xmlId } from './support/odoo-env.js';
import { shipbobWebhookTarget } from './support/shipbob-setup.js';
import { BATCH_WORKER, configHead, FAST_INBOUND, publicServer } from './support/sidecar-config.js';
import { freePort, mappingsSubset, sleep, startSidecar, stopSidecarExpectingZero, waitFor, waitListening, type RunningSidecar } from './support/sidecar.js';
import { archiveTargets, codesLike } from './support/targets.js';

/**
 * Issue 8 follow-ups on real Odoo 18: ShipBob milestones by polling (accepted -> picked ->
 * packed -> shipped -> delivered on the sale order, in order, no duplicates on redelivery);
 * Salesforce stewardship (an Account address change polled -> proposals; accepted -> the
 * change flows out to the WMS; another one rejected -> Odoo's value re-sent to Salesforce, and
 * the bridge's own write is not proposed back); ASN amendment (the ShipBob WRO is replaced with
 * the new quantity) and cancellation (the WRO is cancelled).
 */
describe('e2e: issue 8 follow-ups (ShipBob milestones, Salesforce stewardship, ASN changes)', function () {
  this.timeout(600_000);
  const env = odooTestEnv();
  const RUN = Date.now().toString(36);
  const WMS = `wms_f_${RUN}`;
  const CRM = `crm_f_${RUN}`;
  const WMSG = `wmsg_f_${RUN}`;
  let sb: ShipBobFake;
  let sf: SalesforceFake;
  let gw: GenericWmsFake;
  let sidecar: RunningSidecar | undefined;
  let warehouseId: number;
  let genericWarehouseId: number;
  let usId: number;
  let hasAddon = true;

  const call = (model: string, method: string, ids: number[]) => callReturningNone(env.admin, { model, method, ids });

  before(async function () {
    await serviceGateway(env);
    const sel = await env.admin.call<Record<string, { selection?: Array<[string, string]> }>>({ model: 'sync.event', method: 'fields_get', args: [['event_type']], params: { attributes: ['selection'] } });
    if (!sel['event_type']?.selection?.some(([k]) => k === 'asn_amend')) { hasAddon = false; this.skip(); }
    sb = await startFake('shipbob');
    sf = await startFake('salesforce');
    gw = await startFake('generic-wms');
    sf.store.objects['Account']!.fields['Odoo_Vat__c'] = { type: 'string', length: 40 };
    warehouseId = await ensureWarehouse(env, 'O2CF');
    genericWarehouseId = await ensureWarehouse(env, 'O2CG');
    usId = await xmlId(env.admin, 'base.us');
    await archiveTargets(env, codesLike(['wms_f_%', 'crm_f_%', 'wmsg_f_%']));
    const off = { trigger_order_release: false, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false, trigger_product_upsert: false };
    await ensureTarget(env, WMS, {
      name: 'ShipBob follow-ups (e2e)', kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [warehouseId]]],
      ...off, trigger_order_release: true, trigger_partner_upsert: false, trigger_receipt_asn: true, receipt_backorder_policy: 'backorder',
    });
    await ensureTarget(env, CRM, { name: 'Salesforce follow-ups (e2e)', kind: 'crm', ...off, trigger_partner_upsert: true });
    await ensureTarget(env, WMSG, {
      name: 'Generic WMS follow-ups (e2e)', kind: 'wms', ...off, trigger_partner_upsert: true, trigger_receipt_asn: true,
      warehouse_ids: [[6, 0, [genericWarehouseId]]],
    });
    const port = await freePort();
    sb.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${WMS}`);
    const mappings = mappingsSubset({
      shipbob: ['order_release.yaml', 'shipment_confirmed.yaml', 'milestone.yaml', 'receipt_asn.yaml', 'receipt_cancel.yaml'],
      salesforce: ['customer_upsert.yaml', 'partner_change.yaml', 'partner_new.yaml'],
      generic_wms: ['customer_upsert.yaml', 'receipt_asn.yaml', 'receipt_cancel.yaml'],
    });
    sidecar = startSidecar(env, `${configHead(env, { worker: BATCH_WORKER, server: publicServer(port), inbound: FAST_INBOUND })}targets:
${shipbobWebhookTarget(WMS, sb, { poll: "schedule: '*/1 * * * * *', lookback_minutes: 30", options: 'poll_milestones: true, poll_returns: false, vars: { shipbob_location_id: 1 }' })}  ${CRM}:
    preset: salesforce
    base_url: '${sf.url}/services/data/v61.0/'
    auth: { type: oauth2_client_credentials, token_url: '${sf.url}/services/oauth2/token', client_id: '${sf.clientId}', client_secret: { env: SF_SECRET } }
    poll: { schedule: '*/1 * * * * *', lookback_minutes: 30 }
    options: { account_fields: [Odoo_Vat__c] }
  ${WMSG}:
    preset: generic_wms
    base_url: '${gw.baseUrl}/'
    auth: { type: api_key, header: X-API-Key, key: { env: WMS_KEY } }
`, { SHIPBOB_TOKEN: sb.tokens[0]!, SHIPBOB_WEBHOOK_SECRET: sb.webhookSecret, SF_SECRET: sf.clientSecret, WMS_KEY: 'wms-test-key' }, { mappingsDir: mappings });
    await waitListening(port);
  });

  after(async function () {
    await sb?.close();
    await sf?.close();
    await gw?.close();
    if (!hasAddon) return;
    await archiveTargets(env, [['code', 'in', [WMS, CRM, WMSG]]]);
    await stopSidecarExpectingZero(sidecar, this, 12000);
  });

  const storable = (sku: string) => ensureStorableProduct(env, sku, { list_price: 10, standard_price: 4 });

  type Milestone = { id: number; milestone: string; occurred_at: string; message_id: string };
  const milestones = (so: number) => searchRead<Milestone>(env.admin, 'sync.milestone', [['order_id', '=', so]], ['milestone', 'occurred_at', 'message_id'], { order: 'occurred_at, id' });
  const reached = (so: number, m: string) => waitFor(`${m} milestone`, async () => (await milestones(so)).some((r) => r.milestone === m), 60_000, 300);

  it('ShipBob: accepted -> picked -> packed -> shipped -> delivered on the sale order, in order, once each (redeliveries and re-polls included)', async () => {
    const sku = `MUGF-${RUN}`;
    const product = await storable(sku);
    sb.store.setInventory({ sku, on_hand: 100 });
    const partner = await create(env.admin, 'res.partner', { name: `Timeline ${RUN}`, street: '1 Main St', city: 'Springfield', zip: '62701', country_id: usId });
    const so = await create(env.admin, 'sale.order', { partner_id: partner, warehouse_id: warehouseId, order_line: [[0, 0, { product_id: product, product_uom_qty: 2, price_unit: 12 }]] });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [so] });
    const [order] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', so]], ['name']);
    const sbOrder = await waitFor('order released to ShipBob', async () => sb.store.orders.find((o) => o.reference_id === order!.name));
    const open = sbOrder.shipments[0]!.id;
    await reached(so, 'accepted');
    await sleep(1100);
    sb.sim.progress(open, 'Picked');
    await reached(so, 'picked');
    await sleep(1100);
    sb.sim.progress(open, 'Packed');
    await reached(so, 'packed');
    await sleep(1100);
    // Shipped without a webhook: the shipment poller validates the delivery, the status poller records "shipped".
    const shipped = await sb.sim.ship(sbOrder.id, { carrier: 'USPS', tracking_number: `94F${RUN}` }, { silent: true });
    await reached(so, 'shipped');
    await waitFor('delivery validated', async () => (await searchRead<{ delivery_status: string }>(env.admin, 'sale.order', [['id', '=', so]], ['delivery_status']))[0]?.delivery_status === 'full');
    await sleep(1100);
    // Delivered by webhook, delivered twice more (ShipBob retries), and seen by the poll as well.
    await sb.sim.deliver(shipped.shipment.id, { duplicates: 2 });
    await reached(so, 'delivered');
    await sleep(4000); // several more polls of the same statuses
    const rows = await milestones(so);
    console.log(`      timeline of ${order!.name}: ${rows.map((r) => `${r.milestone}@${r.occurred_at}`).join(' -> ')}`);
    expect(rows.map((r) => r.milestone)).to.deep.equal(['accepted', 'picked', 'packed', 'shipped', 'delivered']);
    expect(new Set(rows.map((r) => r.message_id)).size).to.equal(rows.length);
    const [soAfter] = await searchRead<{ sync_fulfilment_status: string }>(env.admin, 'sale.order', [['id', '=', so]], ['sync_fulfilment_status']);
    expect(soAfter!.sync_fulfilment_status).to.equal('delivered');
    const inbound = await searchRead<{ state: string }>(env.admin, 'sync.inbound.message', [['target_id.code', '=', WMS], ['message_id', '=like', `shipbob:shipment:%`]], ['state']);
    expect(inbound.filter((m) => m.state !== 'applied' && m.state !== 'duplicate'), 'no failed milestone messages').to.deep.equal([]);
  });

  it('ShipBob: a hold released without a webhook shows "Hold released" and resolves the exception; the same hold again is held again', async () => {
    const sku = `MUGH-${RUN}`;
    const product = await storable(sku);
    sb.store.setInventory({ sku, on_hand: 100 });
    const partner = await create(env.admin, 'res.partner', { name: `Hold ${RUN}`, street: '1 Main St', city: 'Springfield', zip: '62701', country_id: usId });
    const so = await create(env.admin, 'sale.order', { partner_id: partner, warehouse_id: warehouseId, order_line: [[0, 0, { product_id: product, product_uom_qty: 1, price_unit: 12 }]] });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [so] });
    const [order] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', so]], ['name']);
    const sbOrder = await waitFor('order released to ShipBob', async () => sb.store.orders.find((o) => o.reference_id === order!.name));
    const open = sbOrder.shipments[0]!.id;
    const count = async (m: string) => (await milestones(so)).filter((r) => r.milestone === m).length;
    const times = (m: string, n: number) => waitFor(`${n} x ${m}`, async () => (await count(m)) >= n, 60_000, 300);
    const state = async () => {
      const [o] = await searchRead<{ sync_fulfilment_status: string }>(env.admin, 'sale.order', [['id', '=', so]], ['sync_fulfilment_status']);
      const exc = await searchRead<{ state: string }>(env.admin, 'sync.exception', [['model', '=', 'sale.order'], ['res_id', '=', so], ['category', '=', 'fulfilment']], ['state']);
      return { status: o!.sync_fulfilment_status, open: exc.filter((e) => e.state === 'open').length, all: exc.length };
    };
    await reached(so, 'accepted');
    await sleep(1100);
    await sb.sim.onHold(open, 'AddressValidation');
    await times('on_hold', 1);
    expect(await state()).to.deep.equal({ status: 'on_hold', open: 1, all: 1 });
    await sleep(1100);
    sb.sim.releaseHold(open); // ShipBob sends no webhook: the status poll sees Processing again
    await times('resumed', 1);
    expect(await state(), 'released: the exception is resolved').to.deep.include({ status: 'resumed', open: 0 });
    await sleep(1100);
    // The same reason again: its webhook has the first hold's message id (a duplicate); the poll records it.
    await sb.sim.onHold(open, 'AddressValidation');
    await times('on_hold', 2);
    expect(await state()).to.deep.include({ status: 'on_hold', open: 1 });
    await sleep(1100);
    sb.sim.releaseHold(open);
    await times('resumed', 2);
    expect(await state()).to.deep.include({ status: 'resumed', open: 0 });
    await sleep(1100);
    sb.sim.progress(open, 'Picked');
    await reached(so, 'picked');
    await sleep(3000); // more polls of the same status
    const rows = await milestones(so);
    console.log(`      timeline of ${order!.name}: ${rows.map((r) => `${r.milestone}@${r.occurred_at}`).join(' -> ')}`);
    expect(rows.map((r) => r.milestone)).to.deep.equal(['accepted', 'on_hold', 'resumed', 'on_hold', 'resumed', 'picked']);
    expect((await state()).status).to.equal('picked');
    const inbound = await searchRead<{ state: string; message_id: string }>(env.admin, 'sync.inbound.message', [['target_id.code', '=', WMS], ['message_id', '=like', `shipbob:shipment:${open}:%`]], ['state', 'message_id']);
    expect(inbound.filter((m) => m.state !== 'applied' && m.state !== 'duplicate'), 'no failed milestone messages').to.deep.equal([]);
  });

  it('Salesforce: an Account address change becomes proposals; accepted it flows to the WMS; a rejected one re-sends Odoo\'s value to Salesforce', async () => {
    const partner = await create(env.admin, 'res.partner', { name: `Steward SF ${RUN}`, is_company: true, street: '1 Old St', city: 'Springfield', zip: '62701', country_id: usId });
    const link = await waitFor('partner upserted to Salesforce (linked)', async () => (await searchRead<{ external_id: string }>(env.admin, 'sync.link', [['target_id.code', '=', CRM], ['model', '=', 'res.partner'], ['res_id', '=', partner]], ['external_id']))[0], 60_000);
    const accountId = link.external_id;
    expect(sf.store.get('Account', accountId)?.['BillingCity']).to.equal('Springfield');
    await waitFor('partner in the WMS', async () => gw.store.customers.get(`ODOO-${partner}`));
    // A sales rep moves the company in Salesforce.
    sf.sim.editRecord('Account', accountId, { BillingStreet: '5 New Street', BillingCity: 'Newtown', BillingPostalCode: '12345' });
    type Proposal = { id: number; field_name: string; new_value: string; old_value: string; state: string };
    const proposals = async (state = 'proposed') => searchRead<Proposal>(env.admin, 'sync.change.proposal', [['partner_id', '=', partner], ['state', '=', state]], ['field_name', 'new_value', 'old_value', 'state']);
    const first = await waitFor('address proposals', async () => {
      const rows = await proposals();
      return rows.length >= 3 ? rows : undefined;
    }, 60_000);
    const byField = Object.fromEntries(first.map((p) => [p.field_name, p]));
    expect(Object.keys(byField).sort()).to.deep.equal(['city', 'street', 'zip']);
    expect(byField['city']).to.deep.include({ old_value: 'Springfield', new_value: 'Newtown' });
    const [untouched] = await searchRead<{ city: string }>(env.admin, 'res.partner', [['id', '=', partner]], ['city']);
    expect(untouched!.city, 'nothing applied before the steward decides').to.equal('Springfield');
    // Accepted: applied in Odoo, then out to the WMS as a partner upsert.
    await call('sync.change.proposal', 'action_accept', first.map((p) => p.id));
    const [accepted] = await searchRead<{ street: string; city: string; zip: string }>(env.admin, 'res.partner', [['id', '=', partner]], ['street', 'city', 'zip']);
    expect(accepted).to.deep.include({ street: '5 New Street', city: 'Newtown', zip: '12345' });
    const wmsCustomer = await waitFor('accepted address in the WMS', async () => {
      const c = gw.store.customers.get(`ODOO-${partner}`) as { address?: { city?: string; street?: string } } | undefined;
      return c?.address?.city === 'Newtown' ? c : undefined;
    }, 60_000);
    expect(wmsCustomer.address?.street).to.equal('5 New Street');
    // The bridge's own write of the accepted values reaches Salesforce and is not proposed back.
    await waitFor('accepted values written to Salesforce by the bridge', async () => sf.store.get('Account', accountId)?.['LastModifiedById'] === INTEGRATION_USER_ID, 60_000);
    // Another change, rejected: Odoo's value goes back to Salesforce.
    await sleep(1100);
    sf.sim.editRecord('Account', accountId, { BillingCity: 'Elsewhere' });
    const second = await waitFor('city proposal', async () => {
      const rows = (await proposals()).filter((p) => p.field_name === 'city' && p.new_value === 'Elsewhere');
      return rows.length ? rows : undefined;
    }, 60_000);
    await call('sync.change.proposal', 'action_reject', second.map((p) => p.id));
    await waitFor('Odoo\'s city re-sent to Salesforce', async () => sf.store.get('Account', accountId)?.['BillingCity'] === 'Newtown', 60_000);
    await sleep(4000); // polls after the bridge's write: nothing new to propose
    expect(await proposals(), 'the bridge\'s own write is not a change to propose').to.deep.equal([]);
    const [kept] = await searchRead<{ city: string }>(env.admin, 'res.partner', [['id', '=', partner]], ['city']);
    expect(kept!.city).to.equal('Newtown');
    expect((await proposals('rejected')).map((p) => p.new_value)).to.deep.equal(['Elsewhere']);
  });

  it('Salesforce: an Account created there becomes a linked Odoo partner; an Odoo edit updates that Account (stamped with the Odoo id), never a second one', async () => {
    const name = `Born in SF ${RUN}`;
    const account = sf.sim.createRecord('Account', { Name: name, BillingCity: 'Chicago', BillingCountry: 'United States' });
    const link = await waitFor('partner created in Odoo and linked to the Account', async () => (await searchRead<{ res_id: number }>(env.admin, 'sync.link',
      [['target_id.code', '=', CRM], ['model', '=', 'res.partner'], ['external_id', '=', account.Id]], ['res_id']))[0], 60_000);
    const [partner] = await searchRead<{ name: string; city: string }>(env.admin, 'res.partner', [['id', '=', link.res_id]], ['name', 'city']);
    expect(partner).to.deep.include({ name, city: 'Chicago' });
    // An edit in Odoo (the system of record) flows out to the Account it came from.
    await env.admin.call({ model: 'res.partner', method: 'write', args: [[link.res_id], { phone: '+1 312 555 0100' }] });
    await waitFor('the Account updated by the bridge', async () => sf.store.get('Account', account.Id)?.['Phone'] === '+1 312 555 0100', 60_000);
    expect(sf.store.get('Account', account.Id)?.['Odoo_Id__c'], 'stamped with the Odoo id').to.match(new RegExp(`${link.res_id}$`));
    expect(sf.store.all('Account').filter((a) => a['Name'] === name), 'one Account').to.have.length(1);
  });

  it('ASN changes: a changed receipt replaces its ShipBob WRO, a cancelled one cancels it', async () => {
    const beans = await storable(`BEANSF-${RUN}`);
    const cups = await storable(`CUPSF-${RUN}`);
    sb.store.setInventory({ sku: `BEANSF-${RUN}`, on_hand: 0 });
    sb.store.setInventory({ sku: `CUPSF-${RUN}`, on_hand: 0 });
    const vendor = await create(env.admin, 'res.partner', { name: `Supplies ${RUN}`, supplier_rank: 1 });
    const [wh] = await searchRead<{ in_type_id: [number, string] }>(env.admin, 'stock.warehouse', [['id', '=', warehouseId]], ['in_type_id']);
    const po = await create(env.admin, 'purchase.order', {
      partner_id: vendor, picking_type_id: wh!.in_type_id[0],
      order_line: [[0, 0, { product_id: beans, product_qty: 24, price_unit: 4 }], [0, 0, { product_id: cups, product_qty: 10, price_unit: 1 }]],
    });
    await call('purchase.order', 'button_confirm', [po]);
    const [receipt] = await searchRead<{ id: number; name: string }>(env.admin, 'stock.picking', [['purchase_id', '=', po]], ['name']);
    const wros = () => sb.receiving.wros.filter((w) => w.purchase_order_number === receipt!.name);
    const qty = (w: (typeof sb.receiving.wros)[number]) => w.boxes.flatMap((b) => b.box_items.map((i) => i.quantity));
    await waitFor('WRO created', async () => wros().length === 1);
    await waitFor('asn acked', async () => (await searchRead<{ state: string }>(env.admin, 'sync.event', [['model', '=', 'stock.picking'], ['res_id', '=', receipt!.id], ['event_type', '=', 'asn']], ['state']))[0]?.state === 'done');
    expect(qty(wros()[0]!)).to.deep.equal([24, 10]);
    // The supplier can only deliver 18 beans: the PO line changes, the receipt follows.
    const [line] = await searchRead<{ id: number }>(env.admin, 'purchase.order.line', [['order_id', '=', po], ['product_id', '=', beans]], ['id']);
    await env.admin.call({ model: 'purchase.order.line', method: 'write', args: [[line!.id], { product_qty: 18 }] });
    const replaced = await waitFor('WRO replaced', async () => {
      const all = wros();
      const live = all.filter((w) => w.status !== 'Cancelled');
      return all.length === 2 && live.length === 1 ? live[0] : undefined;
    }, 60_000);
    expect(qty(replaced)).to.deep.equal([18, 10]);
    const amend = await waitFor('asn_amend done', async () => (await searchRead<{ state: string; external_ref: string }>(env.admin, 'sync.event', [['model', '=', 'stock.picking'], ['res_id', '=', receipt!.id], ['event_type', '=', 'asn_amend']], ['state', 'external_ref'])).find((e) => e.state === 'done'));
    expect(amend.external_ref).to.equal(String(replaced.id));
    // The purchase is cancelled: the receipt is cancelled, and so is the WRO.
    await call('purchase.order', 'button_cancel', [po]);
    await waitFor('WRO cancelled', async () => wros().every((w) => w.status === 'Cancelled'), 60_000);
    const events = await searchRead<{ event_type: string; state: string }>(env.admin, 'sync.event', [['model', '=', 'stock.picking'], ['res_id', '=', receipt!.id]], ['event_type', 'state'], { order: 'id' });
    await waitFor('asn_cancel done', async () => (await searchRead<{ state: string }>(env.admin, 'sync.event', [['model', '=', 'stock.picking'], ['res_id', '=', receipt!.id], ['event_type', '=', 'asn_cancel']], ['state']))[0]?.state === 'done');
    console.log(`      ${receipt!.name}: events ${events.map((e) => `${e.event_type}:${e.state}`).join(', ')}; WROs ${wros().map((w) => `${w.id}:${w.status}`).join(', ')}`);
    expect(sb.ledger.cancelsFor(receipt!.name, 'receiving')).to.equal(2);
    expect(sb.ledger.createsFor(receipt!.name, 'receiving')).to.equal(2);
  });

  it('ASN changes on the generic WMS: a changed receipt is PUT again (replaced in place), a cancelled one DELETEd', async () => {
    const nuts = await storable(`NUTSG-${RUN}`);
    const vendor = await create(env.admin, 'res.partner', { name: `Nuts ${RUN}`, supplier_rank: 1 });
    const [wh] = await searchRead<{ in_type_id: [number, string] }>(env.admin, 'stock.warehouse', [['id', '=', genericWarehouseId]], ['in_type_id']);
    const po = await create(env.admin, 'purchase.order', {
      partner_id: vendor, picking_type_id: wh!.in_type_id[0], order_line: [[0, 0, { product_id: nuts, product_qty: 30, price_unit: 2 }]],
    });
    await call('purchase.order', 'button_confirm', [po]);
    const [receipt] = await searchRead<{ id: number; name: string }>(env.admin, 'stock.picking', [['purchase_id', '=', po]], ['name']);
    const stored = () => gw.receipts.receipts.get(receipt!.name);
    const done = (type: string) => waitFor(`${type} done`, async () => (await searchRead<{ state: string }>(env.admin, 'sync.event',
      [['model', '=', 'stock.picking'], ['res_id', '=', receipt!.id], ['event_type', '=', type]], ['state'])).some((e) => e.state === 'done'), 60_000);
    await waitFor('receipt announced to the generic WMS', async () => stored() !== undefined, 60_000);
    await done('asn');
    expect(stored()!.body.lines.map((l) => [l.sku, l.quantity])).to.deep.equal([[`NUTSG-${RUN}`, 30]]);
    // 30 -> 22: the same reference is PUT again with the new quantity (one receipt, version 2).
    const [line] = await searchRead<{ id: number }>(env.admin, 'purchase.order.line', [['order_id', '=', po]], ['id']);
    await env.admin.call({ model: 'purchase.order.line', method: 'write', args: [[line!.id], { product_qty: 22 }] });
    await done('asn_amend');
    expect(stored()!.body.lines.map((l) => l.quantity)).to.deep.equal([22]);
    expect(stored()!.version).to.equal(2);
    expect(gw.ledger.createsFor(receipt!.name, 'receipt')).to.equal(1);
    // The purchase is cancelled: DELETE /receipts/{reference}.
    await call('purchase.order', 'button_cancel', [po]);
    await done('asn_cancel');
    expect(stored()!.status).to.equal('cancelled');
    expect(gw.ledger.cancelsFor(receipt!.name, 'receipt')).to.equal(1);
  });
});
