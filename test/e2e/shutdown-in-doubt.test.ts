import { expect } from 'chai';
import { startFake, type ShipBobFake } from '../fakes/start.js';
import {
  createConfirmedOrders, createCustomers, ensureProduct, ensureWarehouse, odooTestEnv,
  searchRead, serviceGateway, syncStatuses, type TestOrder,
} from './support/odoo-env.js';
import { ensureShipBobReleaseTarget, shipbobSidecarConfig } from './support/shipbob-setup.js';
import { mappingsSubset, startSidecar, waitFor, type RunningSidecar } from './support/sidecar.js';

/**
 * Issue 5 (graceful shutdown, at-least-once without duplicates): SIGTERM arrives while
 * ShipBob has already created the orders but its answers are still on the way. After the
 * shutdown grace the sidecar gives the leases back *in doubt*: Odoo keeps the attempt counted,
 * so the restarted sidecar treats them as retries, looks each order up by reference_id, finds
 * it and acks it, and never POSTs it again (ShipBob would refuse the duplicate, and without
 * the in-doubt release it would be asked to create it again).
 */
describe('e2e shutdown: SIGTERM with deliveries landed but unanswered', function () {
  this.timeout(300_000);
  const env = odooTestEnv();
  const TARGET = 'wms_sigterm';
  const N = 3;
  let fake: ShipBobFake;
  let sidecar: RunningSidecar | undefined;
  let warehouseId = 0;

  const config = () => shipbobSidecarConfig(env, fake, TARGET, {
    worker: 'batch_size: 10, concurrency: 8, poll_min_ms: 100, poll_max_ms: 500, lease_seconds: 60, backoff_base_ms: 200, backoff_max_ms: 1000, shutdown_grace_ms: 1000',
    target: ['timeout_ms: 60000'],
  });

  before(async () => {
    await serviceGateway(env);
    fake = await startFake('shipbob', { rateLimit: { limit: 1_000_000 } });
    warehouseId = await ensureWarehouse(env, 'SIGT');
    await ensureShipBobReleaseTarget(env, TARGET, 'ShipBob (shutdown e2e)', warehouseId);
  });

  after(async function () {
    if (sidecar) {
      await sidecar.stop();
      if (this.currentTest?.state === 'failed' || process.env.E2E_VERBOSE) console.log(sidecar.output().slice(-6000));
    }
    await fake?.close();
  });

  it('gives the leases back in doubt and the restarted sidecar finds the orders instead of re-creating them', async () => {
    const productId = await ensureProduct(env, 'WID-SIGT', 'Widget (shutdown e2e)');
    const customers = await createCustomers(env, 2, `sigterm${Date.now() % 100000}`);
    // ShipBob creates each order at once but its answers are held back for a minute.
    fake.faults.lateAnswer(60_000);
    sidecar = startSidecar(env, config(), { SHIPBOB_TOKEN: fake.tokens[0]! }, { mappingsDir: mappingsSubset({ shipbob: ['order_release.yaml'] }) });
    const orders: TestOrder[] = await createConfirmedOrders(env, { count: N, productId, partnerIds: customers, warehouseId, batch: N });
    await waitFor('ShipBob created every order (answers still held back)', async () => orders.every((o) => fake.ledger.createsFor(o.name, 'order') === 1), 120_000, 200);

    const code = await sidecar.stop();
    expect(code, 'sidecar exits 0 on SIGTERM').to.equal(0);
    expect(sidecar.output()).to.match(new RegExp(`${N} delivery\\(ies\\) still in flight after the shutdown grace: leases given back in doubt`));
    const ids = orders.map((o) => o.id);
    const released = await searchRead<{ state: string; attempts: number }>(env.admin, 'sync.event', [['target_id.code', '=', TARGET], ['res_id', 'in', ids]], ['state', 'attempts']);
    expect(released.map((e) => [e.state, e.attempts])).to.deep.equal(Array(N).fill(['pending', 1]));

    fake.faults.lateAnswer(0);
    const lookupsBefore = fake.ledger.requestsTo('GET', '/2026-01/order').length;
    sidecar = sidecar.restart();
    await waitFor('every event done', async () => {
      const evs = await searchRead<{ state: string }>(env.admin, 'sync.event', [['target_id.code', '=', TARGET], ['res_id', 'in', ids]], ['state']);
      return evs.length === N && evs.every((e) => e.state === 'done');
    }, 120_000, 500);

    const evs = await searchRead<{ attempts: number; external_ref: string }>(env.admin, 'sync.event', [['target_id.code', '=', TARGET], ['res_id', 'in', ids]], ['attempts', 'external_ref']);
    expect(evs.map((e) => e.attempts), 'the restart was a retry (attempt 2)').to.deep.equal(Array(N).fill(2));
    for (const o of orders) {
      expect(fake.ledger.createsFor(o.name, 'order'), `${o.name} created once`).to.equal(1);
      expect(fake.ledger.duplicatesRejectedFor(o.name, 'order'), `${o.name} never POSTed again`).to.equal(0);
    }
    const sbIds = new Set(fake.store.orders.filter((o) => orders.some((x) => x.name === o.reference_id)).map((o) => String(o.id)));
    expect(new Set(evs.map((e) => String(e.external_ref)))).to.deep.equal(sbIds);
    expect(fake.ledger.requestsTo('GET', '/2026-01/order').length - lookupsBefore, 'one in-doubt lookup per order').to.be.at.least(N);
    const statuses = await syncStatuses(env, 'sale.order', ids);
    expect(ids.map((id) => statuses.get(id))).to.deep.equal(Array(N).fill('synced'));
  });
});
