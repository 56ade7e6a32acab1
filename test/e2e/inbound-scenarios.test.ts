import { expect } from 'chai';
import { OdooAdmin } from '../../demo/odoo.js';
import { startFake, type HubSpotFake, type ShipBobFake } from '../fakes/start.js';
import { create, ensureProduct, ensureStorableProduct, ensureTarget, ensureWarehouse, groupsField, odooTestEnv, searchRead, serviceGateway, xmlId } from './support/odoo-env.js';
import { shipbobWebhookTarget } from './support/shipbob-setup.js';
import { adminServer, configHead, FAST_INBOUND, FAST_WORKER } from './support/sidecar-config.js';
import { freePort, startSidecar, stopSidecarExpectingZero, waitFor, waitListening, type RunningSidecar } from './support/sidecar.js';
import { archiveTargets, codesLike } from './support/targets.js';

type M2o = [number, string] | false;
interface InboundRow { id: number; state: string; error: string | false; trace_id: string | false; exception_ids: number[] }
interface AdminRow { id: number; message_id: string; state: string; trace_id: string | null }

/**
 * Inbound business cases through the real sidecar binary on a real Odoo 18, driven by the
 * vendor fakes' simulators and signed webhooks:
 *   (a) ShipBob ships a substitute: applied with the target's allow_substitution, an exception
 *       (nothing applied) without it;
 *   (b) a shipment with a SKU Odoo does not know: exception, nothing applied;
 *   (c) lot- and serial-tracked products shipped with lots / serials: lots used and created;
 *   (d) a HubSpot deal closed-won (signed webhook) -> confirmed sale order -> released to ShipBob.
 * Every inbound message carries the trace id the sidecar gave it at receipt into Odoo.
 */
describe('e2e: inbound scenarios (substitution, unknown SKU, lots/serials, HubSpot won deal -> ShipBob release)', function () {
  this.timeout(300_000);
  const env = odooTestEnv();
  const run = Date.now().toString(36);
  const WMS = `wms_ins_${run}`;
  const CRM = `crm_ins_${run}`;
  const ADMIN = 'inbound-scenarios-admin-token';
  const SKU = { plain: 'INS-PLAIN', ordered: 'INS-SUB-ORD', substitute: 'INS-SUB-ALT', lot: 'INS-LOT', serial: 'INS-SERIAL' } as const;
  let sb: ShipBobFake;
  let hs: HubSpotFake;
  let sidecar: RunningSidecar | undefined;
  let port: number;
  let warehouseId: number;
  let stockLocationId: number;
  let companyId: number;
  let wmsTargetId: number;
  let customerId: number;
  const products: Record<string, number> = {};

  const admin = async <T = Record<string, unknown>>(p: string): Promise<T> => {
    const r = await fetch(`http://127.0.0.1:${port}${p}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    return (await r.json()) as T;
  };

  const trackedProduct = (sku: string, tracking: 'lot' | 'serial') => ensureStorableProduct(env, sku, { name: `Inbound scenarios ${tracking}`, tracking, list_price: 20 });

  /** On-hand quantity of a (new) lot in the suite's warehouse: an inventory adjustment. */
  async function stockLot(productId: number, lot: string, qty: number): Promise<void> {
    const lotId = await create(env.admin, 'stock.lot', { product_id: productId, name: lot, company_id: companyId });
    const ctx = { inventory_mode: true };
    const quant = await create(env.admin, 'stock.quant', { product_id: productId, location_id: stockLocationId, lot_id: lotId, inventory_quantity: qty }, ctx);
    // Returns None: XML-RPC cannot carry it, JSON-RPC can (the demo's client).
    const json = new OdooAdmin(env.url, env.db, process.env.ODOO_ADMIN_LOGIN ?? 'admin', process.env.ODOO_ADMIN_PASSWORD ?? 'admin');
    await json.connect();
    await json.callJson('stock.quant', 'action_apply_inventory', [[quant]], { context: ctx });
  }

  before(async () => {
    await serviceGateway(env);
    sb = await startFake('shipbob');
    hs = await startFake('hubspot');
    warehouseId = await ensureWarehouse(env, 'INS');
    const [wh] = await searchRead<{ lot_stock_id: M2o; company_id: M2o }>(env.admin, 'stock.warehouse', [['id', '=', warehouseId]], ['lot_stock_id', 'company_id']);
    stockLocationId = (wh!.lot_stock_id as [number, string])[0];
    companyId = (wh!.company_id as [number, string])[0];
    await archiveTargets(env, codesLike(['wms_ins_%', 'crm_ins_%']));
    const quiet = { trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false, trigger_partner_upsert: false, trigger_product_upsert: false };
    wmsTargetId = await ensureTarget(env, WMS, { name: 'ShipBob inbound scenarios (e2e)', kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [warehouseId]]], trigger_order_release: true, allow_substitution: true, ...quiet });
    await ensureTarget(env, CRM, { name: 'HubSpot inbound scenarios (e2e)', kind: 'crm', confirm_crm_orders: true, customer_policy: 'create', trigger_order_release: false, ...quiet });

    products.plain = await ensureProduct(env, SKU.plain, 'Inbound scenarios plain', 12.5);
    products.ordered = await ensureProduct(env, SKU.ordered, 'Inbound scenarios ordered', 9);
    products.substitute = await ensureProduct(env, SKU.substitute, 'Inbound scenarios substitute', 9);
    products.lot = await trackedProduct(SKU.lot, 'lot');
    products.serial = await trackedProduct(SKU.serial, 'serial');
    for (const sku of Object.values(SKU)) sb.store.setInventory({ sku, on_hand: 1000 });

    // Orders of this customer ship from the suite's warehouse (a sale order takes its
    // salesperson's default warehouse), also the one HubSpot's deal creates (found by email).
    const salesman = await xmlId(env.admin, 'sales_team.group_sale_salesman');
    const reps = await searchRead<{ id: number }>(env.admin, 'res.users', [['login', '=', 'e2e.ins.rep']], ['id']);
    const rep = reps[0]?.id ?? await create(env.admin, 'res.users', { name: 'INS account manager (e2e)', login: 'e2e.ins.rep', [groupsField(env)]: [[6, 0, [salesman]]] });
    await env.admin.call({ model: 'res.users', method: 'write', args: [[rep], { property_warehouse_id: warehouseId }] });
    const usId = await xmlId(env.admin, 'base.us');
    customerId = await create(env.admin, 'res.partner', {
      name: `INS customer ${run}`, is_company: true, email: `buyer.${run}@ins-e2e.example`, street: '1 Main St', city: 'Springfield', zip: '62701', country_id: usId, user_id: rep,
    });

    port = await freePort();
    sb.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${WMS}`);
    hs.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${CRM}`);
    sidecar = startSidecar(env, `${configHead(env, { worker: FAST_WORKER, server: adminServer(port), inbound: FAST_INBOUND })}targets:
${shipbobWebhookTarget(WMS, sb)}  ${CRM}:
    preset: hubspot
    base_url: '${hs.url}'
    auth: { type: bearer, token: { env: HUBSPOT_TOKEN } }
    webhook_secret: { env: HUBSPOT_APP_SECRET }
`, { SHIPBOB_TOKEN: sb.tokens[0]!, SHIPBOB_WEBHOOK_SECRET: sb.webhookSecret, HUBSPOT_TOKEN: hs.tokens[0]!, HUBSPOT_APP_SECRET: hs.appSecret, BRIDGE_ADMIN_TOKEN: ADMIN });
    await waitListening(port);
  });

  after(async function () {
    await sb?.close();
    await hs?.close();
    await archiveTargets(env, [['code', 'in', [WMS, CRM]]]);
    await stopSidecarExpectingZero(sidecar, this, 8000);
  });

  const setSubstitution = (on: boolean) => env.admin.call({ model: 'sync.target', method: 'write', args: [[wmsTargetId], { allow_substitution: on }] });

  /** A confirmed order of the suite's customer, released by the sidecar to the ShipBob fake. */
  async function releasedOrder(lines: Array<[keyof typeof SKU, number]>): Promise<{ id: number; name: string; shipbobId: number }> {
    const id = await create(env.admin, 'sale.order', {
      partner_id: customerId, warehouse_id: warehouseId,
      order_line: lines.map(([k, qty]) => [0, 0, { product_id: products[k], product_uom_qty: qty, price_unit: 10 }]),
    });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [id] });
    const [so] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', id]], ['name']);
    const sbOrder = await waitFor(`order ${so!.name} released to the ShipBob fake`, async () => sb.store.orders.find((o) => o.reference_id === so!.name));
    return { id, name: so!.name, shipbobId: sbOrder.id };
  }

  const deliveries = (orderId: number) => searchRead<{ id: number; state: string; name: string }>(env.admin, 'stock.picking', [['sale_id', '=', orderId], ['picking_type_code', '=', 'outgoing']], ['state', 'name'], { order: 'id' });
  const doneMoves = async (orderId: number): Promise<Record<string, number>> => {
    const picks = await deliveries(orderId);
    const moves = await searchRead<{ product_id: M2o; quantity: number }>(env.admin, 'stock.move', [['picking_id', 'in', picks.map((p) => p.id)], ['state', '=', 'done']], ['product_id', 'quantity']);
    const skuOf = new Map(Object.entries(products).map(([k, id]) => [id, SKU[k as keyof typeof SKU]]));
    const out: Record<string, number> = {};
    for (const m of moves) { const sku = skuOf.get((m.product_id as [number, string])[0]) ?? '?'; out[sku] = (out[sku] ?? 0) + m.quantity; }
    return out;
  };
  /** The inbound message once the sidecar handed it to Odoo (any final state). */
  const inbound = (messageId: string) => waitFor(`inbound message ${messageId} in Odoo`, async () => {
    const rows = await searchRead<InboundRow>(env.admin, 'sync.inbound.message', [['message_id', '=', messageId], ['target_id.code', '=', WMS]], ['state', 'error', 'trace_id', 'exception_ids']);
    return rows[0];
  }, 90_000);
  /** The sidecar's inbox row (admin API) of a message: its trace id must be the one Odoo stored. */
  const inboxRow = async (messageId: string): Promise<AdminRow> => {
    const r = await admin<{ messages: AdminRow[] }>(`/admin/inbox?source=${WMS}&limit=1000`);
    const row = r.messages.find((m) => m.message_id === messageId);
    expect(row, `inbox row ${messageId}`).to.not.equal(undefined);
    return row!;
  };
  const exceptionsOf = (ids: number[]) => searchRead<{ category: string; message: string; model: string; res_id: number; state: string }>(env.admin, 'sync.exception', [['id', 'in', ids]], ['category', 'message', 'model', 'res_id', 'state']);

  it('(a) substitution allowed: ShipBob ships a substitute -> the Odoo delivery ships the substitute; the trace id reaches Odoo', async () => {
    await setSubstitution(true);
    const order = await releasedOrder([['ordered', 2]]);
    const shipped = await sb.sim.ship(order.shipbobId, { lines: [{ sku: SKU.ordered, quantity: 2, substitute_sku: SKU.substitute }] });
    expect(shipped.deliveries.map((d) => d.status)).to.deep.equal([200]);
    const messageId = `shipbob:shipment:${shipped.shipment.id}`;
    const msg = await inbound(messageId);
    expect(msg.state, String(msg.error)).to.equal('applied');
    expect((await deliveries(order.id)).map((p) => p.state)).to.deep.equal(['done']);
    expect(await doneMoves(order.id)).to.deep.equal({ [SKU.substitute]: 2 });
    const row = await inboxRow(messageId);
    expect(row.state).to.equal('applied');
    expect(row.trace_id, 'a trace id given at receipt').to.match(/^[0-9a-f-]{36}$/);
    expect(msg.trace_id, 'the trace id stored on sync.inbound.message').to.equal(row.trace_id);
    const lines = sidecar!.output().split('\n').filter((l) => l.includes(row.trace_id!));
    expect(lines.some((l) => l.includes('stored (inbox')), 'webhook line with the trace id').to.equal(true);
    expect(lines.some((l) => l.includes('applied in Odoo')), 'processor line with the trace id').to.equal(true);
  });

  it('(a) substitution not allowed: the same shipment -> exception on the order/delivery, nothing applied', async () => {
    await setSubstitution(false);
    try {
      const order = await releasedOrder([['ordered', 2]]);
      const shipped = await sb.sim.ship(order.shipbobId, { lines: [{ sku: SKU.ordered, quantity: 2, substitute_sku: SKU.substitute }] });
      expect(shipped.deliveries.map((d) => d.status)).to.deep.equal([200]);
      const msg = await inbound(`shipbob:shipment:${shipped.shipment.id}`);
      expect(msg.state).to.equal('exception');
      expect(String(msg.error)).to.match(/substitut/i);
      const exc = await exceptionsOf(msg.exception_ids);
      expect(exc.length).to.be.greaterThan(0);
      expect(exc.map((e) => e.category)).to.include('conflict');
      const picks = await deliveries(order.id);
      expect(exc.every((e) => (e.model === 'sale.order' && e.res_id === order.id) || (e.model === 'stock.picking' && picks.some((p) => p.id === e.res_id))), JSON.stringify(exc)).to.equal(true);
      expect(picks.map((p) => p.state)).to.not.include('done');
      expect(await doneMoves(order.id)).to.deep.equal({});
      expect((await inboxRow(`shipbob:shipment:${shipped.shipment.id}`)).state).to.equal('exception');
    } finally {
      await setSubstitution(true);
    }
  });

  it('(b) a shipment with a SKU Odoo does not know -> exception, nothing applied', async () => {
    const order = await releasedOrder([['plain', 2]]);
    const shipped = await sb.sim.ship(order.shipbobId, {}, { silent: true });
    // The warehouse reports an extra item Odoo has never heard of, in the same signed webhook.
    const unknown = `INS-NOPE-${run}`.toUpperCase();
    const body = { ...shipped.shipment, products: [...shipped.shipment.products, { id: 999_001, reference_id: unknown, sku: unknown, name: 'Unknown', inventory_items: [{ id: 999_002, name: 'Unknown', quantity: 1, lot: null, expiration_date: null, serial_numbers: [] }] }] };
    const sent = await sb.shipbob.emit('order.shipped', body);
    expect(sent.map((d) => d.status)).to.deep.equal([200]);
    const msg = await inbound(`shipbob:shipment:${shipped.shipment.id}`);
    expect(msg.state).to.equal('exception');
    expect(String(msg.error)).to.include(unknown);
    expect(String(msg.error)).to.match(/unknown SKU/i);
    expect(msg.exception_ids.length).to.be.greaterThan(0);
    expect((await deliveries(order.id)).map((p) => p.state)).to.not.include('done');
    expect(await doneMoves(order.id), 'the known line is not applied either').to.deep.equal({});
  });

  it('(c) lot- and serial-tracked products shipped with lots / serials -> lots used and created in Odoo', async () => {
    const lotOld = `INS-L-${run}-A`.toUpperCase();
    const lotNew = `INS-L-${run}-NEW`.toUpperCase();
    const snOld = `INS-SN-${run}-1`.toUpperCase();
    const snNew = `INS-SN-${run}-NEW`.toUpperCase();
    await stockLot(products.lot!, lotOld, 10);
    await stockLot(products.serial!, snOld, 1);
    const order = await releasedOrder([['lot', 5], ['serial', 2]]);
    const shipped = await sb.sim.ship(order.shipbobId, {
      lines: [
        { sku: SKU.lot, quantity: 5, lots: [{ lot: lotOld, quantity: 3 }, { lot: lotNew, quantity: 2, expiration_date: '2027-12-31T00:00:00' }] },
        { sku: SKU.serial, quantity: 2, serial_numbers: [snOld, snNew] },
      ],
    });
    expect(shipped.deliveries.map((d) => d.status)).to.deep.equal([200]);
    const msg = await inbound(`shipbob:shipment:${shipped.shipment.id}`);
    expect(msg.state, String(msg.error)).to.equal('applied');
    const picks = await deliveries(order.id);
    expect(picks.map((p) => p.state)).to.deep.equal(['done']);
    const mls = await searchRead<{ product_id: M2o; lot_id: M2o; quantity: number }>(env.admin, 'stock.move.line', [['picking_id', 'in', picks.map((p) => p.id)]], ['product_id', 'lot_id', 'quantity']);
    const byLot = (productId: number) => Object.fromEntries(mls.filter((l) => (l.product_id as [number, string])[0] === productId && l.quantity > 0).map((l) => [l.lot_id ? l.lot_id[1] : '(none)', l.quantity]));
    expect(byLot(products.lot!)).to.deep.equal({ [lotOld]: 3, [lotNew]: 2 });
    expect(byLot(products.serial!)).to.deep.equal({ [snOld]: 1, [snNew]: 1 });
    const lots = await searchRead<{ name: string; product_id: M2o }>(env.admin, 'stock.lot', [['name', 'in', [lotNew, snNew]]], ['name', 'product_id']);
    expect(lots.map((l) => [l.name, (l.product_id as [number, string])[0]]).sort()).to.deep.equal([[lotNew, products.lot], [snNew, products.serial]].sort());
  });

  it('(d) HubSpot deal closed-won (signed webhook) -> confirmed sale order -> released to ShipBob', async () => {
    const [customer] = await searchRead<{ email: string }>(env.admin, 'res.partner', [['id', '=', customerId]], ['email']);
    const company = hs.store.create('companies', { name: `INS customer ${run}`, address: '1 Main St', city: 'Springfield', zip: '62701', state: 'IL', country: 'United States' });
    const contact = hs.store.create('contacts', { email: customer!.email, firstname: 'Pat', lastname: 'Buyer' });
    const won = await hs.sim.closeWonDeal({
      deal: { dealname: `INS deal ${run}` }, companyId: company.id, contactId: contact.id,
      lineItems: [{ name: 'Plain', hs_sku: SKU.plain, quantity: 3, price: 12.5 }, { name: 'Ordered', hs_sku: SKU.ordered, quantity: 1, price: 9 }],
    });
    expect(won.deliveries.map((d) => d.status)).to.deep.equal([200]);
    const orderId = await waitFor(`the sale order of HubSpot deal ${won.deal.id} confirmed`, async () => {
      const link = await searchRead<{ res_id: number }>(env.admin, 'sync.link', [['target_id.code', '=', CRM], ['model', '=', 'sale.order'], ['external_id', '=', won.deal.id]], ['res_id']);
      if (!link[0]) return undefined;
      const [o] = await searchRead<{ state: string }>(env.admin, 'sale.order', [['id', '=', link[0].res_id]], ['state']);
      return o?.state === 'sale' ? link[0].res_id : undefined;
    }, 90_000);
    const [so] = await searchRead<{ name: string; partner_id: M2o; warehouse_id: M2o; origin: string | false }>(env.admin, 'sale.order', [['id', '=', orderId]], ['name', 'partner_id', 'warehouse_id', 'origin']);
    expect((so!.partner_id as [number, string])[0], 'the existing customer, found by email').to.equal(customerId);
    expect((so!.warehouse_id as [number, string])[0]).to.equal(warehouseId);
    expect(so!.origin).to.equal(`hubspot:${won.deal.id}`);
    const lines = await searchRead<{ product_id: M2o; product_uom_qty: number; price_unit: number }>(env.admin, 'sale.order.line', [['order_id', '=', orderId], ['display_type', '=', false]], ['product_id', 'product_uom_qty', 'price_unit'], { order: 'id' });
    expect(lines.map((l) => [(l.product_id as [number, string])[0], l.product_uom_qty, l.price_unit])).to.deep.equal([[products.plain, 3, 12.5], [products.ordered, 1, 9]]);
    const crmMsgs = await searchRead<{ kind: string; state: string; trace_id: string | false }>(env.admin, 'sync.inbound.message', [['target_id.code', '=', CRM]], ['kind', 'state', 'trace_id']);
    expect(crmMsgs.map((m) => [m.kind, m.state])).to.deep.equal([['sale_order', 'applied']]);
    expect(crmMsgs[0]!.trace_id, 'trace id on the CRM message').to.match(/^[0-9a-f-]{36}$/);
    const sbOrder = await waitFor(`ShipBob order ${so!.name}`, async () => sb.store.orders.find((o) => o.reference_id === so!.name), 90_000);
    expect(sbOrder.products.map((p) => [p.reference_id, p.quantity])).to.deep.equal([[SKU.plain, 3], [SKU.ordered, 1]]);
    await waitFor(`the release event of ${so!.name} done`, async () => {
      const ev = await searchRead<{ state: string }>(env.admin, 'sync.event', [['target_id', '=', wmsTargetId], ['model', '=', 'sale.order'], ['res_id', '=', orderId], ['event_type', '=', 'release']], ['state']);
      return ev.length > 0 && ev.every((e) => e.state === 'done');
    });
    const link = await searchRead<{ external_id: string }>(env.admin, 'sync.link', [['target_id', '=', wmsTargetId], ['model', '=', 'sale.order'], ['res_id', '=', orderId]], ['external_id']);
    expect(link.map((l) => l.external_id)).to.deep.equal([String(sbOrder.id)]);
  });
});
