import { expect } from 'chai';
import type { OdooGateway } from '../../bridge/odoo/odoo-gateway.js';
import {
  createConfirmedOrders, createCustomers, ensureStorableProduct, ensureWarehouse, odooTestEnv, searchRead, serviceGateway,
} from '../e2e/support/odoo-env.js';
import { ensureShipBobReleaseTarget } from '../e2e/support/shipbob-setup.js';
import { setOnHand, warehouseStock } from '../e2e/support/stock.js';
import {
  compareVersions, EXTERNAL_REF_A, fromVersion, MODULE_DOMAIN, saveScenario, SKU, TARGET, type UpgradeOrder, type UpgradeScenario,
} from './scenario.js';

/**
 * Upgrade tier, phase 1, on a database with an EARLIER release of the addon: leaves sync work in
 * every state through that release's own contract (as its sidecar would have), for after.test.ts
 * to find once the database is upgraded. Only contract calls and fields that every release since
 * 18.0.1.3.0 has are used.
 */
describe('upgrade, before: work left by an earlier release of the addon', function () {
  this.timeout(240_000);
  const env = odooTestEnv();
  const from = fromVersion();
  let svc: OdooGateway;
  let productId: number;
  const s: Partial<UpgradeScenario> = { fromVersion: from, target: TARGET, sku: SKU, externalRefA: EXTERNAL_REF_A, milestones: [] };
  const orders: Partial<Record<'A' | 'B' | 'C' | 'D', UpgradeOrder>> = {};
  const stamp = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString().slice(0, 19).replace('T', ' ');
  const apply = async (item: Record<string, unknown>) => {
    const [r] = await svc.call<Array<{ status: string; error: unknown }>>({ model: 'sync.event', method: 'sync_apply', args: [[item]] });
    return r!;
  };
  const releaseEvents = async (orderIds: number[]) => {
    const evs = await searchRead<{ id: number; res_id: number; state: string }>(env.admin, 'sync.event',
      [['target_id.code', '=', TARGET], ['model', '=', 'sale.order'], ['res_id', 'in', orderIds], ['event_type', '=', 'release']], ['res_id', 'state']);
    return new Map(evs.map((e) => [e.res_id, e]));
  };

  before(async () => {
    svc = await serviceGateway(env);
    const warehouseId = await ensureWarehouse(env, 'UPG');
    productId = await ensureStorableProduct(env, SKU, { list_price: 10 });
    await setOnHand(env, productId, (await warehouseStock(env, warehouseId)).id, 100);
    await ensureShipBobReleaseTarget(env, TARGET, 'ShipBob (upgrade)', warehouseId);
    const partners = await createCustomers(env, 4, 'upgrade');
    const first = await createConfirmedOrders(env, { count: 3, productId, partnerIds: partners.slice(0, 3), warehouseId, qty: 2 });
    const evs = await releaseEvents(first.map((o) => o.id));
    const [a, b, c] = first.map((o) => ({ ...o, event: evs.get(o.id)!.id }));
    Object.assign(orders, { A: a, B: b, C: c });
    Object.assign(s, { productId });
  });

  it(`the database runs the earlier release (${from})`, async () => {
    const [m] = await searchRead<{ latest_version: string }>(env.admin, 'ir.module.module', MODULE_DOMAIN, ['latest_version']);
    expect(m?.latest_version).to.equal(from);
  });

  it('a worker claims the three releases: A is acked with its ShipBob id, B is refused for good, C stays claimed (the worker dies)', async () => {
    const claimed = await svc.call<Array<{ id: number; lease_token: string }>>({
      model: 'sync.event', method: 'sync_claim',
      params: { worker_id: 'upgrade-old-worker', target_codes: [TARGET], limit: 10, lease_seconds: 5, specs: { 'sale.order': { name: {} } } },
    });
    const token = (o: UpgradeOrder) => claimed.find((e) => e.id === o.event)?.lease_token;
    expect(claimed.map((e) => e.id).sort()).to.deep.equal([orders.A!.event, orders.B!.event, orders.C!.event].sort());
    const ack = await svc.call<{ ok: number[] }>({ model: 'sync.event', method: 'sync_ack', args: [[{ id: orders.A!.event, lease_token: token(orders.A!), external_ref: EXTERNAL_REF_A }]] });
    expect(ack.ok).to.deep.equal([orders.A!.event]);
    const nack = await svc.call<{ ok: number[] }>({
      model: 'sync.event', method: 'sync_nack',
      args: [[{ id: orders.B!.event, lease_token: token(orders.B!), retryable: false, category: 'validation', error_class: 'PermanentError', error_message: 'recipient address: zip code missing' }]],
    });
    expect(nack.ok).to.deep.equal([orders.B!.event]);
  });

  it('D is confirmed after the claim and stays pending', async () => {
    const [customer] = await createCustomers(env, 1, 'upgrade-d');
    const [d] = await createConfirmedOrders(env, { count: 1, productId, partnerIds: [customer!], qty: 2, warehouseId: (await ensureWarehouse(env, 'UPG')) });
    orders.D = { ...d!, event: (await releaseEvents([d!.id])).get(d!.id)!.id };
    const states = await releaseEvents(Object.values(orders).map((o) => o.id));
    expect(Object.entries(orders).map(([k, o]) => `${k}:${states.get(o.id)?.state}`)).to.deep.equal(['A:done', 'B:failed', 'C:in_progress', 'D:pending']);
    const exc = await searchRead(env.admin, 'sync.exception', [['model', '=', 'sale.order'], ['res_id', '=', orders.B!.id], ['state', '=', 'open']], ['id']);
    expect(exc, 'B has an open exception').to.have.length(1);
  });

  it('the WMS reports A packed and shipped: the milestones and the shipment are applied', async function () {
    const a = orders.A!;
    if (compareVersions(from, '18.0.1.3.0') >= 0) {
      for (const [milestone, ago] of [['packed', 90], ['shipped', 60]] as const) {
        const message_id = `upg-${milestone}-${a.name}`;
        const r = await apply({ target: TARGET, message_id, kind: 'milestone', payload: { message_id, source: 'shipbob', order_ref: EXTERNAL_REF_A, milestone, occurred_at: stamp(ago) } });
        expect(r.status, JSON.stringify(r)).to.equal('applied');
        s.milestones!.push(milestone);
      }
    }
    const message_id = `upg-ship-${a.name}`;
    const shipment = {
      target: TARGET, message_id, kind: 'shipment',
      payload: {
        message_id, source: 'shipbob', order_ref: EXTERNAL_REF_A, shipment_id: `SHP-${a.name}`, shipped_at: stamp(60),
        carrier: 'UPS', tracking_number: `1Z${a.id}UPG`, lines: [{ sku: SKU, quantity: 2, lots: [], serials: [] }],
      },
    };
    const r = await apply(shipment);
    expect(r.status, JSON.stringify(r)).to.equal('applied');
    const pickings = await searchRead<{ id: number; state: string }>(env.admin, 'stock.picking', [['sale_id', '=', a.id]], ['state'], { order: 'id' });
    expect(pickings.map((p) => p.state)).to.deep.equal(['done']);
    Object.assign(s, { shipment, pickingsA: pickings.map((p) => ({ id: p.id, state: p.state })) });
  });

  after(() => {
    if (orders.D) saveScenario({ ...s, orders: orders as UpgradeScenario['orders'] } as UpgradeScenario);
  });
});
