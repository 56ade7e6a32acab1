import { expect } from 'chai';
import { startFake, type HubSpotFake, type ShipBobFake } from '../fakes/start.js';
import { callReturningNone, create, ensureStorableProduct, ensureTarget, ensureWarehouse, groupsField, odooTestEnv, resetTargets, searchRead, serviceGateway, xmlId, storableVals } from './support/odoo-env.js';
import { failLeftoverRuns, latestReconLines, openReconExceptions, runReconcile } from './support/reconcile.js';
import { ensureShipBobReleaseTarget, shipbobWebhookTarget } from './support/shipbob-setup.js';
import { configHead, FAST_INBOUND, FAST_WORKER, publicServer } from './support/sidecar-config.js';
import { freePort, mappingsSubset, sleep, startSidecar, stopSidecarExpectingZero, waitFor, waitListening, type RunningSidecar } from './support/sidecar.js';
import { setOnHand, warehouseStock } from './support/stock.js';
import { archiveTargets, codesLike } from './support/targets.js';

/**
 * Issue 7 proof, on real Odoo 18 with the ShipBob and HubSpot fakes: a running sidecar (which
 * releases orders, applies inbound messages and delivers re-sends) and `sync-bridge reconcile`
 * runs against the same config and state file. Seeded drift of every kind is found, reported
 * once (a second run opens no second exception), repaired as specified (missed shipment pushed
 * into the inbox and applied; master data re-sent from Odoo), and a clean state reports zero
 * discrepancies (exit 0) and closes the exceptions.
 */
describe('e2e: reconciliation (inventory, open orders, master data)', function () {
  this.timeout(300_000);
  const env = odooTestEnv();
  const tag = Date.now().toString(36).slice(-5).toUpperCase();
  let shipbob: ShipBobFake;
  let hubspot: HubSpotFake;
  let sidecar: RunningSidecar;
  let fc: number;
  let stockLocationId: number;
  let warehouseId: number;
  const sku = (s: string) => `RC-${s}-${tag}`;
  const products: Record<string, number> = {};
  const orders: Record<string, { id: number; name: string }> = {};
  const partners: Record<string, number> = {};

  /** The CLI as a child process; asynchronous, so the in-process fakes keep answering. */
  const cli = (args: string[]) => runReconcile(env, sidecar.dir, args, { SHIPBOB_TOKEN: shipbob.tokens[0]!, HUBSPOT_TOKEN: 'hubspot-test-token' });
  const lines = (job: string) => latestReconLines(env, job === 'master_data' ? 'crm_recon' : 'wms_recon', job);
  const openExceptions = (job: string) => openReconExceptions(env, job, ['wms_recon', 'crm_recon']);
  const setQuant = (productId: number, qty: number) => setOnHand(env, productId, stockLocationId, qty);
  const confirmOrder = async (name: string, productId: number, qty: number, extra: Record<string, unknown> = {}) => {
    const id = await create(env.admin, 'sale.order', { partner_id: partners.ok, warehouse_id: warehouseId, order_line: [[0, 0, { product_id: productId, product_uom_qty: qty, price_unit: 5 }]], ...extra });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [id] });
    const [o] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', id]], ['name']);
    orders[name] = { id, name: o!.name };
    await waitFor(`order ${name} at ShipBob`, async () => shipbob.store.orders.find((x) => x.reference_id === o!.name));
    await waitFor(`release of ${name} done`, async () => (await searchRead<{ state: string }>(env.admin, 'sync.event', [['model', '=', 'sale.order'], ['res_id', '=', id], ['event_type', '=', 'release']], ['state']))[0]?.state === 'done');
    return shipbob.store.orders.find((x) => x.reference_id === o!.name)!;
  };

  before(async () => {
    await serviceGateway(env);
    shipbob = await startFake('shipbob');
    hubspot = await startFake('hubspot');
    hubspot.schema.contacts['odoo_partner_id'] = { type: 'string', unique: true } as never;
    fc = shipbob.store.locations[0]!.id;
    // Odoo keeps every inbound message id (shipbob:shipment:<id>) per target: a fresh fake numbers
    // shipments from 800001 again, so a re-run on the same database starts further on.
    const shipmentIds = (shipbob.store as unknown as { shipmentIds: { next(): number } }).shipmentIds;
    for (let i = Date.now() % 100_000; i > 0; i--) shipmentIds.next();
    warehouseId = await ensureWarehouse(env, `R${tag.slice(-4)}`); // a warehouse per run: earlier runs' stock stays out
    const stock = await warehouseStock(env, warehouseId);
    stockLocationId = stock.id;
    await ensureTarget(env, 'wms_recon', {
      name: 'ShipBob (recon e2e)', kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [warehouseId]]],
      trigger_order_release: true, trigger_order_cancel: true, trigger_order_amend: false, trigger_order_status: false, trigger_partner_upsert: false, trigger_product_upsert: false,
    });
    await ensureTarget(env, 'crm_recon', {
      name: 'HubSpot (recon e2e)', kind: 'crm', trigger_order_release: false, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false,
      trigger_partner_upsert: true, trigger_product_upsert: false,
    });
    // Leftovers of an earlier run on this database: open events and links (fresh fakes number
    // their ids from the start again), a run left running.
    await resetTargets(env, ['wms_recon', 'crm_recon']);
    await failLeftoverRuns(env, ['wms_recon', 'crm_recon']);
    const mappings = mappingsSubset({ shipbob: ['order_release.yaml', 'order_cancel.yaml', 'shipment_confirmed.yaml', 'inventory_levels.yaml', 'receipt_asn.yaml'], hubspot: ['customer_upsert.yaml'] });
    sidecar = startSidecar(env, `${configHead(env, { worker: FAST_WORKER, inbound: { poll_ms: 200 } })}reconcile:
  page_size: 50
  line_batch: 7
  heartbeat_seconds: 2
  sort_chunk: 100
  targets:
    wms_recon:
      inventory: { level: location, lots: true, location_map: { '${fc}': '${stock.name}' }, tolerance: { absolute: 0 } }
      open_orders: { sla_hours: { acknowledge: 0.0005, amend: 0.0005, cancel: 0.0005, receive: 0.0005 } }
    crm_recon:
      master_data: { models: [res.partner] }
targets:
  wms_recon:
    preset: shipbob
    base_url: '${shipbob.baseUrl}/'
    auth: { type: bearer, token: { env: SHIPBOB_TOKEN } }
    options: { channel_id: ${shipbob.channels[0]!.id}, vars: { shipbob_location_id: ${fc} } }
  crm_recon:
    preset: hubspot
    base_url: '${hubspot.baseUrl}'
    auth: { type: bearer, token: { env: HUBSPOT_TOKEN } }
    options: { id_property: odoo_partner_id }
`, { SHIPBOB_TOKEN: shipbob.tokens[0]!, HUBSPOT_TOKEN: 'hubspot-test-token' }, { mappingsDir: mappings });

    // Customers (HubSpot) — delivered by the running sidecar.
    const usId = await xmlId(env.admin, 'base.us');
    for (const k of ['ok', 'drift', 'missing', 'dup']) {
      partners[k] = await create(env.admin, 'res.partner', { name: `Recon ${k} ${tag}`, email: `recon.${k}.${tag}@example.com`.toLowerCase(), customer_rank: 1, street: '1 Main St', city: 'Springfield', zip: '62701', country_id: usId });
    }
    await waitFor('customers at HubSpot', async () => Object.values(partners).every((id) => hubspot.store.findBy('contacts', 'odoo_partner_id', String(id))), 90_000);

    // Products and stock: Odoo quants in the RCN warehouse, ShipBob levels at its first centre.
    for (const k of ['ok', 'diff', 'odoo', 'wms', 'flight', 'ord']) {
      products[k] = await create(env.admin, 'product.product', { name: `Recon ${k}`, default_code: sku(k.toUpperCase()), ...storableVals(env), list_price: 5 });
    }
    await setQuant(products.ok!, 10);
    await setQuant(products.diff!, 10);
    await setQuant(products.odoo!, 5);
    await setQuant(products.flight!, 10);
    shipbob.store.setInventory({ sku: sku('OK'), location_id: fc, on_hand: 10 });
    shipbob.store.setInventory({ sku: sku('DIFF'), location_id: fc, on_hand: 7 });
    shipbob.store.setInventory({ sku: sku('WMS'), location_id: fc, on_hand: 4 });
    shipbob.store.setInventory({ sku: sku('FLIGHT'), location_id: fc, on_hand: 10 });

    // Orders: O1 shipped by the WMS without telling Odoo (in flight, then a missed shipment);
    // O2 cancelled in the WMS; O3 lost by the WMS (never acknowledged); O4 shipped by the WMS,
    // then cancelled in Odoo.
    const o1 = await confirmOrder('o1', products.flight!, 3);
    await shipbob.sim.ship(o1.id, {}, { silent: true });
    const o2 = await confirmOrder('o2', products.ord!, 1);
    shipbob.store.cancelOrder(o2);
    await confirmOrder('o3', products.ord!, 1);
    shipbob.store.orders = shipbob.store.orders.filter((o) => o.reference_id !== orders.o3!.name);
    const o4 = await confirmOrder('o4', products.ord!, 1);
    await shipbob.sim.ship(o4.id, {}, { silent: true });
    await callReturningNone(env.admin, { model: 'sale.order', method: 'action_cancel', ids: [orders.o4!.id], context: { disable_cancel_warning: true } });
  });

  after(async function () {
    await shipbob?.close();
    await hubspot?.close();
    if (!sidecar) return;
    const code = await sidecar.stop();
    if (this.currentTest?.state === 'failed' || process.env.E2E_VERBOSE) console.log(sidecar.output().slice(-6000));
    expect(code, 'sidecar exits 0 on SIGTERM').to.equal(0);
  });

  it('inventory: mismatch, missing on both sides and in-flight found; a second run opens no second exception', async () => {
    const r1 = await cli(['inventory', '--target', 'wms_recon']);
    expect(r1.code, r1.err + r1.out).to.equal(1);
    expect(r1.err).to.match(/reconcile inventory wms_recon: started/);
    expect(r1.out).to.match(/3 discrepancies/);
    const got = Object.fromEntries((await lines('inventory')).map((l) => [l.key, l.outcome]));
    expect(got).to.deep.equal({
      [`inventory:${sku('DIFF')}:${(await stockName())}:`]: 'mismatch',
      [`inventory:${sku('ODOO')}:${(await stockName())}:`]: 'missing_in_target',
      [`inventory:${sku('WMS')}:${(await stockName())}:`]: 'missing_in_odoo',
      [`inventory:${sku('FLIGHT')}:${(await stockName())}:`]: 'in_flight_explained',
    });
    const exc1 = await openExceptions('inventory');
    expect(exc1.map((e) => e.recon_key).sort()).to.have.length(3);
    const r2 = await cli(['inventory', '--target', 'wms_recon']);
    expect(r2.code).to.equal(1);
    const exc2 = await openExceptions('inventory');
    expect(exc2.map((e) => e.recon_key).sort()).to.deep.equal(exc1.map((e) => e.recon_key).sort());
    expect(exc2.every((e) => e.occurrences === 2)).to.equal(true);
  });

  it('open orders: every stage found, the missed shipment pushed into the inbox and applied; reported once', async () => {
    await sleep(2000); // past the (tiny) acknowledgement SLA
    const r1 = await cli(['open-orders', '--target', 'wms_recon']);
    expect(r1.code, r1.err + r1.out).to.equal(1);
    const byOrder = Object.fromEntries((await lines('open_orders')).map((l) => [l.res_id, `${l.outcome}/${(JSON.parse(l.details) as { stage: string }).stage}`]));
    expect(byOrder[orders.o1!.id]).to.equal('missing_in_odoo/shipped_not_in_odoo');
    expect(byOrder[orders.o2!.id]).to.equal('mismatch/cancelled_in_wms');
    expect(byOrder[orders.o3!.id]).to.equal('missing_in_target/unacknowledged');
    expect(byOrder[orders.o4!.id]).to.equal('mismatch/shipped_after_cancel');
    // The sidecar's inbox processor applies the pushed shipment: the delivery is done in Odoo.
    await waitFor('O1 delivery done in Odoo', async () => {
      const p = await searchRead<{ state: string }>(env.admin, 'stock.picking', [['sale_id', '=', orders.o1!.id]], ['state']);
      return p.length > 0 && p.every((x) => x.state === 'done');
    }, 60_000);
    const before = await openExceptions('open_orders');
    const r2 = await cli(['open-orders', '--target', 'wms_recon']);
    expect(r2.code).to.equal(1);
    const second = Object.fromEntries((await lines('open_orders')).map((l) => [l.res_id, l.outcome]));
    expect(second[orders.o1!.id]).to.equal(undefined); // shipped in Odoo now: no longer open
    const after = await openExceptions('open_orders');
    expect(after.map((e) => e.recon_key).sort()).to.deep.equal(before.map((e) => e.recon_key).filter((k) => k !== `order:${orders.o1!.id}`).sort());
    const mine = ['o1', 'o2', 'o3', 'o4'].map((k) => `order:${orders[k]!.id}`);
    expect(after.map((e) => e.recon_key).filter((k) => mine.includes(k)).sort()).to.deep.equal(['o2', 'o3', 'o4'].map((k) => `order:${orders[k]!.id}`).sort());
    expect(after.filter((e) => mine.includes(e.recon_key)).every((e) => e.occurrences === 2)).to.equal(true);
  });

  it('SLAs per event type: amend, cancel and receipt (ASN) breaches found once with both timestamps; an activity for the salesperson; closed when cleared', async () => {
    const gid = await xmlId(env.admin, 'sales_team.group_sale_salesman');
    const seller = await create(env.admin, 'res.users', { name: `Recon Seller ${tag}`, login: `recon.seller.${tag}`.toLowerCase(), [groupsField(env)]: [[6, 0, [gid]]] });
    const [target] = await searchRead<{ id: number }>(env.admin, 'sync.target', [['code', '=', 'wms_recon']], ['id']);
    const setTarget = (vals: Record<string, unknown>) => env.admin.call({ model: 'sync.target', method: 'write', args: [[target!.id], vals] });
    await setTarget({ trigger_order_amend: true, trigger_receipt_asn: true });
    try {
      // Amend: the WMS never acknowledges the amendment (ShipBob cannot edit a released order: the
      // connector refuses it as a conflict by default, see options.amend_strategy).
      await confirmOrder('o5', products.ord!, 1, { user_id: seller });
      const [line] = await searchRead<{ id: number }>(env.admin, 'sale.order.line', [['order_id', '=', orders.o5!.id]], ['id']);
      await env.admin.call({ model: 'sale.order.line', method: 'write', args: [[line!.id], { product_uom_qty: 2 }] });
      await waitFor('amend of o5 refused by the sidecar', async () => ['failed', 'dead'].includes((await searchRead<{ state: string }>(env.admin, 'sync.event', [['model', '=', 'sale.order'], ['res_id', '=', orders.o5!.id], ['event_type', '=', 'amend']], ['state']))[0]?.state ?? ''), 60_000);
      // Cancel: cancelled in Odoo, the cancel delivered, yet the WMS order is open again (the WMS lost it).
      const o6 = await confirmOrder('o6', products.ord!, 1, { user_id: seller });
      const saved = o6.shipments.map((x) => x.status);
      await callReturningNone(env.admin, { model: 'sale.order', method: 'action_cancel', ids: [orders.o6!.id], context: { disable_cancel_warning: true } });
      await waitFor('cancel of o6 delivered', async () => (await searchRead<{ state: string }>(env.admin, 'sync.event', [['model', '=', 'sale.order'], ['res_id', '=', orders.o6!.id], ['event_type', '=', 'cancel']], ['state']))[0]?.state === 'done', 60_000);
      const wo6 = shipbob.store.orders.find((x) => x.reference_id === orders.o6!.name)!;
      wo6.cancelled = false;
      wo6.status = 'Processing';
      wo6.shipments.forEach((x, i) => { x.status = saved[i]!; });
      // Receipt: announced to ShipBob (a WRO), never received; its scheduled date is long past.
      products.asn = await create(env.admin, 'product.product', { name: 'Recon asn', default_code: sku('ASN'), ...storableVals(env), list_price: 5 });
      shipbob.store.setInventory({ sku: sku('ASN'), location_id: fc, on_hand: 0 });
      const [wh] = await searchRead<{ in_type_id: [number, string] }>(env.admin, 'stock.warehouse', [['id', '=', warehouseId]], ['in_type_id']);
      const po = await create(env.admin, 'purchase.order', { partner_id: partners.ok, user_id: seller, picking_type_id: wh!.in_type_id[0], order_line: [[0, 0, { product_id: products.asn, product_qty: 5, price_unit: 2 }]] });
      await env.admin.call({ model: 'purchase.order', method: 'button_confirm', ids: [po] });
      const [receipt] = await searchRead<{ id: number; name: string }>(env.admin, 'stock.picking', [['purchase_id', '=', po]], ['name']);
      await waitFor('asn delivered', async () => (await searchRead<{ state: string }>(env.admin, 'sync.event', [['model', '=', 'stock.picking'], ['res_id', '=', receipt!.id], ['event_type', '=', 'asn']], ['state']))[0]?.state === 'done', 60_000);
      await env.admin.call({ model: 'stock.picking', method: 'write', args: [[receipt!.id], { scheduled_date: '2026-01-05 08:00:00' }] });
      await sleep(2500); // past the (tiny) SLAs

      const keys = { amend: `order:${orders.o5!.id}:amend`, cancel: `order:${orders.o6!.id}`, receipt: `receipt:${receipt!.id}` };
      const r1 = await cli(['open-orders', '--target', 'wms_recon']);
      expect(r1.code, r1.err + r1.out).to.equal(1);
      const byKey = Object.fromEntries((await lines('open_orders')).map((l) => [l.key, { outcome: l.outcome, details: JSON.parse(l.details) as Record<string, string> }]));
      expect(byKey[keys.amend]?.outcome).to.equal('mismatch');
      expect(byKey[keys.amend]!.details.stage).to.equal('amend_not_acknowledged');
      expect(byKey[keys.cancel]?.outcome).to.equal('mismatch');
      expect(byKey[keys.cancel]!.details.stage).to.equal('cancel_not_applied');
      expect(byKey[keys.cancel]!.details.sla_event).to.equal('cancel');
      expect(byKey[keys.receipt]?.outcome).to.equal('mismatch');
      expect(byKey[keys.receipt]!.details).to.include({ stage: 'asn_not_received', sla_event: 'receipt', since: '2026-01-05 08:00:00' });
      type Exc = { id: number; recon_key: string; occurrences: number; details: string; user_id: [number, string] | false; activity_id: [number, string] | false; state: string };
      const excs = async () => searchRead<Exc>(env.admin, 'sync.exception', [['target_id.code', '=', 'wms_recon'], ['recon_key', 'in', Object.values(keys)]], ['recon_key', 'occurrences', 'details', 'user_id', 'activity_id', 'state']);
      const first = await excs();
      expect(first.filter((e) => e.state === 'open').map((e) => e.recon_key).sort()).to.deep.equal(Object.values(keys).sort());
      for (const e of first) {
        const d = JSON.parse(e.details) as Record<string, string>;
        expect(d.since, e.recon_key).to.be.a('string');
        expect(d.checked_at, e.recon_key).to.be.a('string');
        expect(d.deadline, e.recon_key).to.be.a('string');
        // the salesperson (orders) / the buyer (the receipt) follows up, with one to-do each
        expect(e.user_id && e.user_id[0], e.recon_key).to.equal(seller);
        expect(e.activity_id, e.recon_key).to.not.equal(false);
      }
      const todos = async () => searchRead<{ res_model: string; res_id: number }>(env.admin, 'mail.activity', [['user_id', '=', seller]], ['res_model', 'res_id']);
      const t1 = await todos();
      expect(t1.map((a) => `${a.res_model},${a.res_id}`).sort()).to.deep.equal([`sale.order,${orders.o5!.id}`, `sale.order,${orders.o6!.id}`, `stock.picking,${receipt!.id}`].sort());
      // A re-run: the same breaches, no second exception, no second to-do.
      const r2 = await cli(['open-orders', '--target', 'wms_recon']);
      expect(r2.code).to.equal(1);
      const second = await excs();
      expect(second.map((e) => e.id).sort()).to.deep.equal(first.map((e) => e.id).sort());
      expect(second.every((e) => e.occurrences === 2 && e.state === 'open')).to.equal(true);
      expect((await todos()).length).to.equal(3);
      // Cleared: the WMS cancels o6, the receipt is cancelled in Odoo -> closed, to-dos done.
      shipbob.store.cancelOrder(wo6);
      await env.admin.call({ model: 'stock.picking', method: 'action_cancel', ids: [receipt!.id] });
      await cli(['open-orders', '--target', 'wms_recon']);
      const third = Object.fromEntries((await excs()).map((e) => [e.recon_key, e.state]));
      expect(third).to.deep.equal({ [keys.amend]: 'open', [keys.cancel]: 'resolved', [keys.receipt]: 'resolved' });
      expect((await todos()).map((a) => `${a.res_model},${a.res_id}`)).to.deep.equal([`sale.order,${orders.o5!.id}`]);
    } finally {
      await setTarget({ trigger_order_amend: false, trigger_receipt_asn: false });
    }
  });

  it('master data: drift, missing and duplicate found; drift and missing repaired by re-send from Odoo', async function () {
    const drifted = hubspot.store.findBy('contacts', 'odoo_partner_id', String(partners.drift))!;
    drifted.properties.firstname = 'Changed-in-CRM';
    hubspot.store.findBy('contacts', 'odoo_partner_id', String(partners.missing))!.archived = true;
    hubspot.store.create('contacts', { email: `recon.dup.${tag}@example.com`.toLowerCase(), firstname: 'Duplicate' });
    const r1 = await cli(['master-data', '--target', 'crm_recon']);
    expect([1], r1.err + r1.out).to.include(r1.code);
    const mine = (await lines('master_data')).filter((l) => Object.values(partners).includes(l.res_id));
    const got = Object.fromEntries(mine.map((l) => [l.res_id, l.outcome]));
    expect(got).to.deep.equal({ [partners.drift!]: 'drift', [partners.missing!]: 'missing_in_target', [partners.dup!]: 'duplicated' });
    await waitFor('drift repaired in HubSpot', async () => hubspot.store.findBy('contacts', 'odoo_partner_id', String(partners.drift))?.properties.firstname === 'Recon', 60_000);
    await waitFor('missing contact re-created', async () => hubspot.store.findBy('contacts', 'odoo_partner_id', String(partners.missing)), 60_000);
    const r2 = await cli(['master-data', '--target', 'crm_recon']);
    expect(r2.code).to.be.oneOf([0, 1]);
    const mine2 = (await lines('master_data')).filter((l) => Object.values(partners).includes(l.res_id));
    expect(mine2.map((l) => l.outcome)).to.deep.equal(['duplicated']);
    const open = (await openExceptions('master_data')).filter((e) => Object.values(partners).some((id) => e.recon_key.includes(String(id)) || e.recon_key.includes(`recon.dup.${tag}`.toLowerCase())));
    expect(open.map((e) => e.recon_key)).to.deep.equal([`master:res.partner:dup:recon.dup.${tag}@example.com`.toLowerCase()]);
  });

  it('a clean state reports zero discrepancies (exit 0) and closes the exceptions', async () => {
    shipbob.store.setInventory({ sku: sku('DIFF'), location_id: fc, on_hand: 10 });
    shipbob.store.setInventory({ sku: sku('ODOO'), location_id: fc, on_hand: 5 });
    shipbob.store.inventory = shipbob.store.inventory.filter((r) => r.sku !== sku('WMS'));
    const r = await cli(['inventory', '--target', 'wms_recon']);
    expect(r.code, r.err + r.out).to.equal(0);
    expect(r.out).to.match(/clean: no discrepancies/);
    expect(await openExceptions('inventory')).to.deep.equal([]);
    const all = await lines('inventory');
    expect(all.filter((l) => !['matched', 'in_flight_explained'].includes(l.outcome))).to.deep.equal([]);
    // master data: the duplicate removed in the CRM -> nothing left for these customers
    for (const c of hubspot.store.all('contacts')) if (c.properties.email === `recon.dup.${tag}@example.com`.toLowerCase() && !c.properties.odoo_partner_id) c.archived = true;
    await cli(['master-data', '--target', 'crm_recon']);
    const mine = (await lines('master_data')).filter((l) => Object.values(partners).includes(l.res_id));
    expect(mine).to.deep.equal([]);
  });

  it('a dry run changes nothing and the lock refuses an overlapping run (exit 3)', async () => {
    shipbob.store.setInventory({ sku: sku('DIFF'), location_id: fc, on_hand: 9 });
    const dry = await cli(['inventory', '--target', 'wms_recon', '--dry-run']);
    expect(dry.code).to.equal(1);
    expect(await openExceptions('inventory')).to.deep.equal([]);
    const gw = await serviceGateway(env);
    const { run_id } = await gw.call<{ run_id: number }>({ model: 'sync.event', method: 'sync_recon_start', params: { target: 'wms_recon', job: 'inventory', dry_run: true, worker_id: 'e2e' } });
    const locked = await cli(['inventory', '--target', 'wms_recon']);
    expect(locked.code, locked.err).to.equal(3);
    expect(locked.err).to.match(/already running/);
    await gw.call({ model: 'sync.event', method: 'sync_recon_finish', params: { run_id, state: 'done', counts: {} } });
  });

  async function stockName(): Promise<string> {
    return (await warehouseStock(env, warehouseId)).name;
  }
});

/**
 * Inventory reconciliation runs the ShipBob returns catch-up first (real Odoo 18, real sidecar
 * and CLI, ShipBob fake): a return restocked in ShipBob whose return.completed webhook was refused
 * (a wrong secret) is polled into the state file's inbox by `sync-bridge reconcile inventory`
 * before comparing, so the unit back on the shelf is in flight, not a stock difference; the
 * running sidecar (no scheduled poll: only the reconciliation finds the return) then receives it
 * in Odoo, and the next run is clean. Own target, warehouse and product per run.
 */
describe('e2e: inventory reconciliation polls ShipBob completed returns first (lost return.completed webhook)', function () {
  this.timeout(300_000);
  const env = odooTestEnv();
  const RUN = Date.now().toString(36);
  const CODE = `wms_rret_${RUN}`;
  const SKU = `RR-MUG-${RUN}`;
  const WRONG_SECRET = `whsec_${Buffer.from('not-the-secret-the-bridge-knows!').toString('base64')}`;
  let sb: ShipBobFake;
  let sidecar: RunningSidecar | undefined;
  let warehouseId: number;
  let stock: { id: number; name: string };
  let productId: number;
  let fc: number;
  const cli = (args: string[]) => runReconcile(env, sidecar!.dir, args, { SHIPBOB_TOKEN: sb.tokens[0]!, SHIPBOB_WEBHOOK_SECRET: sb.webhookSecret });
  const odooOnHand = async () => (await searchRead<{ quantity: number }>(env.admin, 'stock.quant', [['product_id', '=', productId], ['location_id', '=', stock.id]], ['quantity'])).reduce((a, q) => a + q.quantity, 0);
  const shipbobOnHand = () => [...sb.store.inventoryBySku(SKU)!.byLocation.values()].reduce((a, l) => a + l.on_hand, 0);

  before(async () => {
    await serviceGateway(env);
    sb = await startFake('shipbob');
    fc = sb.store.locations[0]!.id;
    warehouseId = await ensureWarehouse(env, `Q${RUN.slice(-4).toUpperCase()}`);
    stock = await warehouseStock(env, warehouseId);
    await archiveTargets(env, codesLike(['wms_rret_%']));
    await ensureShipBobReleaseTarget(env, CODE, 'ShipBob returns before inventory (e2e)', warehouseId);
    await failLeftoverRuns(env, [CODE]);
    productId = await ensureStorableProduct(env, SKU, { name: 'Returns-recon mug', list_price: 9 });
    await setOnHand(env, productId, stock.id, 10);
    sb.store.setInventory({ sku: SKU, location_id: fc, on_hand: 10 });
    const port = await freePort();
    sb.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${CODE}`);
    const mappings = mappingsSubset({ shipbob: ['order_release.yaml', 'shipment_confirmed.yaml', 'return_received.yaml', 'inventory_levels.yaml'] });
    sidecar = startSidecar(env, `${configHead(env, { worker: FAST_WORKER, server: publicServer(port), inbound: FAST_INBOUND })}reconcile:
  targets:
    ${CODE}:
      inventory: { level: location, lots: false, location_map: { '${fc}': '${stock.name}' }, tolerance: { absolute: 0 } }
targets:
${shipbobWebhookTarget(CODE, sb, { options: `vars: { shipbob_location_id: ${fc} }` })}`, { SHIPBOB_TOKEN: sb.tokens[0]!, SHIPBOB_WEBHOOK_SECRET: sb.webhookSecret }, { mappingsDir: mappings });
    await waitListening(port);
  });

  after(async function () {
    await sb?.close();
    await archiveTargets(env, [['code', '=', CODE]]);
    await stopSidecarExpectingZero(sidecar, this, 12_000);
  });

  it('a return restocked in ShipBob whose webhook was refused is polled by the run: in flight, no discrepancy; the sidecar then receives it in Odoo; the next run is clean', async () => {
    // An order of 2 released to ShipBob and shipped there (webhook delivered): Odoo and ShipBob both at 8.
    const usId = await xmlId(env.admin, 'base.us');
    const partner = await create(env.admin, 'res.partner', { name: `Returns recon ${RUN}`, email: `rr.${RUN}@example.com`, street: '1 Main St', city: 'Springfield', zip: '62701', country_id: usId });
    const orderId = await create(env.admin, 'sale.order', { partner_id: partner, warehouse_id: warehouseId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 2, price_unit: 9 }]] });
    await callReturningNone(env.admin, { model: 'sale.order', method: 'action_confirm', ids: [orderId] });
    const [so] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', orderId]], ['name']);
    const order = await waitFor('order released to the ShipBob fake', async () => sb.store.orders.find((o) => o.reference_id === so!.name), 60_000);
    const shipped = await sb.sim.ship(order.id);
    expect(shipped.deliveries.map((d) => d.status)).to.deep.equal([200]);
    await waitFor('delivery validated in Odoo', async () => (await odooOnHand()) === 8, 60_000);
    expect(shipbobOnHand()).to.equal(8);

    // A return of 1, restocked in ShipBob, while every return.completed webhook is refused.
    const created = await sb.sim.createReturn({ shipment_id: shipped.shipment.id, reference_id: `RMA-${RUN}`, lines: [{ sku: SKU, quantity: 1 }] });
    const secret = sb.webhookSecret;
    sb.shipbob.setSecret(WRONG_SECRET);
    let done;
    try {
      done = await sb.sim.completeReturn(created.return.id, [{ sku: SKU, quantity: 1, action: 'Restock' }]);
    } finally {
      sb.shipbob.setSecret(secret);
    }
    expect(done.deliveries.map((d) => d.status), 'the webhook was refused').to.deep.equal([401]);
    expect(shipbobOnHand()).to.equal(9);
    expect(await odooOnHand(), 'Odoo has not heard of the return').to.equal(8);

    const r1 = await cli(['inventory', '--target', CODE]);
    expect(r1.code, r1.err + r1.out).to.equal(0);
    expect(r1.out).to.match(/returns_polled 1/);
    expect(r1.out).to.match(/clean: no discrepancies/);
    const key = `inventory:${SKU}:${stock.name}:`;
    // The returned unit is in flight (or, if the sidecar received it in Odoo before the run read
    // Odoo's stock, matched and not sent): never a difference.
    const l1 = (await latestReconLines(env, CODE, 'inventory')).filter((l) => l.key === key);
    expect(l1.map((l) => l.outcome)).to.satisfy((o: string[]) => o.length === 0 || (o.length === 1 && o[0] === 'in_flight_explained'), JSON.stringify(l1));
    if (l1.length) expect(JSON.parse(l1[0]!.details)).to.include({ difference: -1, in_flight_in: 1 });
    expect(await openReconExceptions(env, 'inventory', [CODE])).to.deep.equal([]);

    // The running sidecar applies the polled return from the shared state file: the unit is back in Odoo.
    const messageId = `shipbob:return:${created.return.id}:completed`;
    await waitFor('the return received in Odoo (from the reconciliation\'s poll)', async () => (await odooOnHand()) === 9, 120_000);
    const msgs = await searchRead<{ state: string }>(env.admin, 'sync.inbound.message', [['target_id.code', '=', CODE], ['message_id', '=', messageId]], ['state']);
    expect(msgs.map((m) => m.state)).to.deep.equal(['applied']);

    const r2 = await cli(['inventory', '--target', CODE]);
    expect(r2.code, r2.err + r2.out).to.equal(0);
    expect(r2.out).not.to.match(/returns_polled [1-9]/);
    expect((await latestReconLines(env, CODE, 'inventory')).filter((l) => l.key === key)).to.deep.equal([]);
  });
});
