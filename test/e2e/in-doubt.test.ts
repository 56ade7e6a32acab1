import { expect } from 'chai';
import { startFake, type ShipBobFake } from '../fakes/start.js';
import { create, ensureStorableProduct, ensureTarget, ensureWarehouse, odooTestEnv, searchRead, serviceGateway } from './support/odoo-env.js';
import { shipbobSidecarConfig } from './support/shipbob-setup.js';
import { mappingsSubset, startSidecar, waitFor, type RunningSidecar } from './support/sidecar.js';
import { archiveTargets, codesLike } from './support/targets.js';

interface AsnEvent { id: number; state: string; attempts: number; in_doubt: boolean; external_ref: string | false }

/**
 * A receiving order (ShipBob WRO) whose answer was lost, on real Odoo (addon 18.0.1.13.0):
 * ShipBob creates the WRO but answers too late, the sidecar's request times out, and the
 * circuit opens on that very timeout (threshold 1), so the look-up that follows fails fast and
 * the attempt is given back (attempts 0). ShipBob has no idempotency header and takes a purchase
 * order number twice: only Odoo's `in_doubt`, handed to the next claim, makes the next try look
 * the WRO up instead of creating a second one.
 */
describe('e2e: a ShipBob receiving order whose answer was lost is created once (in doubt kept by Odoo)', function () {
  this.timeout(240_000);
  const env = odooTestEnv();
  const RUN = Date.now().toString(36);
  const TARGET = `wms_doubt_${RUN}`;
  let fake: ShipBobFake;
  let sidecar: RunningSidecar | undefined;
  let warehouseId = 0;

  before(async () => {
    await serviceGateway(env);
    fake = await startFake('shipbob', { rateLimit: { limit: 1_000_000 } });
    warehouseId = await ensureWarehouse(env, 'DBT');
    await archiveTargets(env, codesLike(['wms_doubt_%']));
    await ensureTarget(env, TARGET, {
      name: 'ShipBob in doubt (e2e)', kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [warehouseId]]],
      trigger_order_release: false, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false,
      trigger_partner_upsert: false, trigger_product_upsert: false, trigger_receipt_asn: true,
    });
    sidecar = startSidecar(env, shipbobSidecarConfig(env, fake, TARGET, {
      worker: 'batch_size: 10, concurrency: 2, poll_min_ms: 100, poll_max_ms: 300, lease_seconds: 60, backoff_base_ms: 200, backoff_max_ms: 500',
      target: ['timeout_ms: 1500', 'breaker_threshold: 1', 'breaker_reset_ms: 3000'],
      options: 'vars: { shipbob_location_id: 1 }',
    }), { SHIPBOB_TOKEN: fake.tokens[0]! }, { mappingsDir: mappingsSubset({ shipbob: ['receipt_asn.yaml'] }) });
  });

  after(async function () {
    await archiveTargets(env, [['code', '=', TARGET]]);
    if (sidecar) {
      const code = await sidecar.stop();
      if (this.currentTest?.state === 'failed' || code !== 0) console.log(sidecar.output().slice(-6000));
    }
    await fake?.close();
  });

  it('the POST lands unanswered, the attempt is given back in doubt, and the next try finds the WRO: one WRO, event done with its id', async () => {
    const sku = `DOUBT-${RUN}`;
    const product = await ensureStorableProduct(env, sku, { list_price: 10, standard_price: 4 });
    fake.store.setInventory({ sku, on_hand: 0 });
    // ShipBob takes every POST at once but answers it after 5 s (the sidecar waits 1.5 s);
    // the look-ups (GET) answer at once.
    fake.faults.lateAnswer(5_000, 'POST');
    const vendor = await create(env.admin, 'res.partner', { name: `Doubt supplies ${RUN}`, supplier_rank: 1 });
    const [wh] = await searchRead<{ in_type_id: [number, string] }>(env.admin, 'stock.warehouse', [['id', '=', warehouseId]], ['in_type_id']);
    const po = await create(env.admin, 'purchase.order', {
      partner_id: vendor, picking_type_id: wh!.in_type_id[0], order_line: [[0, 0, { product_id: product, product_qty: 12, price_unit: 4 }]],
    });
    await env.admin.call({ model: 'purchase.order', method: 'button_confirm', ids: [po] });
    const [receipt] = await searchRead<{ id: number; name: string }>(env.admin, 'stock.picking', [['purchase_id', '=', po]], ['name']);
    const asn = async () => (await searchRead<AsnEvent>(env.admin, 'sync.event', [['model', '=', 'stock.picking'], ['res_id', '=', receipt!.id], ['event_type', '=', 'asn']], ['state', 'attempts', 'in_doubt', 'external_ref']))[0];

    const doubted = await waitFor('the ASN given back in doubt', async () => { const e = await asn(); return e?.in_doubt ? e : undefined; }, 60_000, 200);
    expect(fake.receiving.wros.filter((w) => w.purchase_order_number === receipt!.name), 'the first POST created the WRO').to.have.length(1);
    expect([doubted.attempts <= 1, doubted.state === 'pending' || doubted.state === 'in_progress'], JSON.stringify(doubted)).to.deep.equal([true, true]);
    fake.faults.lateAnswer(0);

    const done = await waitFor('the ASN done', async () => { const e = await asn(); return e?.state === 'done' ? e : undefined; }, 60_000, 300);
    const wros = fake.receiving.wros.filter((w) => w.purchase_order_number === receipt!.name);
    expect(wros, 'one WRO for the receipt').to.have.length(1);
    expect(String(done.external_ref)).to.equal(String(wros[0]!.id));
    expect(fake.ledger.requestsTo('POST', '/2026-01/receiving').length, 'one POST /receiving').to.equal(1);
    expect(sidecar!.output()).to.match(/circuit_open|circuit open/);
  });
});
