import { expect } from 'chai';
import { BaseConnector } from '../../../bridge/connectors/base-connector.js';
import { createConnector } from '../../../bridge/connectors/index.js';
import type { ReconOpenOrder } from '../../../bridge/odoo/contract.js';
import { ShipBobOrderSource } from '../../../bridge/reconcile/sources/wms-orders.js';
import { startFake, type ShipBobFake } from '../../fakes/start.js';
import { request, silentLog, target } from '../connectors/helpers.js';

/** Open-orders reconciliation's ShipBob source against the ShipBob fake. */
describe('reconcile: ShipBob order source (lookup by reference, then by the linked id)', function () {
  this.timeout(20_000);
  let fake: ShipBobFake;
  before(async () => { fake = await startFake('shipbob'); });
  after(async () => { await fake.close(); });

  const connector = () => createConnector('wms_sb', target({
    preset: 'shipbob', base_url: `${fake.baseUrl}/`, options: { channel_id: fake.channels[0]!.id, amend_strategy: 'cancel_recreate' },
  }), () => fake.tokens[0]!) as BaseConnector;
  const payload = (ref: string) => ({
    reference_id: ref, order_number: ref, shipping_method: 'Standard', type: 'DTC',
    recipient: { name: 'Ann', address: { address1: '1 Main St', city: 'Austin', zip_code: '73301', country: 'US' } },
    products: [{ reference_id: 'SKU-RECON', name: 'Thing', quantity: 2 }],
  });
  const openOrder = (name: string, externalId: string): ReconOpenOrder => ({
    order_id: 1, name, ref_sent: name, external_id: externalId, released_at: '2026-11-01 10:00:00', state: 'sale',
    delivery_states: ['assigned'], cancelled_in_odoo: false,
    releases: [{ model: 'sale.order', res_id: 1, ref_sent: name, external_id: externalId, released_at: '2026-11-01 10:00:00' }],
  });

  it('an order amended by cancel and re-create is found live through its link, not reported cancelled', async () => {
    const c = connector();
    const released = await c.deliver(request({ kind: 'order', payload: payload('SR-100') }), silentLog);
    const amended = await c.deliver(request({ kind: 'order', eventType: 'amend', payload: payload('SR-100'), externalRef: released.externalRef }), silentLog);
    expect(amended.externalRef).to.not.equal(released.externalRef);
    expect(fake.store.orders.find((o) => String(o.id) === released.externalRef)!.status).to.equal('Cancelled');

    const source = new ShipBobOrderSource(c.http);
    // the link names the re-created order: it answers for the reference
    const found = await source.lookup([openOrder('SR-100', amended.externalRef!)]);
    expect(found.get('SR-100')).to.deep.include({ id: amended.externalRef, status: 'open' });
    // a link to the cancelled order itself: cancelled it is
    const stale = await source.lookup([openOrder('SR-100', released.externalRef!)]);
    expect(stale.get('SR-100')).to.deep.include({ id: released.externalRef, status: 'cancelled' });
  });

  it('a live order under the reference needs no read by id; a linked id ShipBob does not know changes nothing', async () => {
    const c = connector();
    const released = await c.deliver(request({ kind: 'order', payload: payload('SR-200') }), silentLog);
    const source = new ShipBobOrderSource(c.http);
    const before = fake.ledger.requests.length;
    const found = await source.lookup([openOrder('SR-200', released.externalRef!)]);
    expect(found.get('SR-200')).to.deep.include({ id: released.externalRef, status: 'open' });
    expect(fake.ledger.requests.slice(before).map((r) => `${r.method} ${r.path}`).filter((p) => /\/order\/\d+$/.test(p)), 'no GET by id').to.deep.equal([]);
    const unknown = await source.lookup([openOrder('SR-404', '999999')]);
    expect(unknown.has('SR-404')).to.equal(false);
  });
});
