import { expect } from 'chai';
import { createConnector } from '../../../bridge/connectors/index.js';
import { PermanentError } from '../../../bridge/errors/index.js';
import { kindOf } from '../../../bridge/runtime/mapping-registry.js';
import { startFake, type GenericWmsFake, type ShipBobFake } from '../../fakes/start.js';
import { rejects, request, silentLog, target } from '../connectors/helpers.js';

/** Issue 8: an announced receipt changed (asn_amend) or cancelled (asn_cancel) in Odoo. */
describe('issue 8: ASN amendments and cancellations (connectors + fakes)', () => {
  it('event types map to kinds receipt / receipt_cancel', () => {
    expect(['asn', 'asn_amend', 'asn_cancel'].map((e) => kindOf('stock.picking', e))).to.deep.equal(['receipt', 'receipt', 'receipt_cancel']);
  });

  describe('ShipBob', () => {
    let fake: ShipBobFake;
    before(async () => { fake = await startFake('shipbob'); });
    after(async () => fake?.close());
    beforeEach(async () => {
      await fake.reset();
      fake.store.setInventory({ sku: 'BEANS', on_hand: 0 });
      fake.store.setInventory({ sku: 'CUP', on_hand: 0 });
    });
    const conn = () => createConnector('sb', target({ preset: 'shipbob', base_url: `${fake.baseUrl}/`, auth: { type: 'bearer', token: { env: 'SB' } }, options: { channel_id: fake.channels[0]!.id } }), () => fake.tokens[0]!);
    const body = (po: string, beans: number, day = '2026-11-24') => ({
      purchase_order_number: po, fulfillment_center: { id: 1 }, package_type: 'Package', box_packaging_type: 'MultipleSkuPerBox', expected_arrival_date: `${day}T08:00:00Z`,
      boxes: [{ tracking_number: po, box_items: [{ sku: 'BEANS', quantity: beans }, { sku: 'CUP', quantity: 10 }] }],
    });
    const send = (eventType: string, payload: Record<string, unknown>, kind = 'receipt') => conn().deliver(request({ kind, eventType, model: 'stock.picking', resId: 12, payload }), silentLog);

    it('asn_amend replaces an Awaiting WRO (cancel + create), is a no-op when it matches, creates when none is live', async () => {
      const first = await send('asn', body('WH/IN/1', 24));
      const amended = await send('asn_amend', body('WH/IN/1', 18));
      expect(amended.externalRef).to.not.equal(first.externalRef);
      expect(amended.links).to.deep.equal([{ model: 'stock.picking', res_id: 12, external_id: amended.externalRef }]);
      expect(fake.receiving.wros.map((w) => [w.status, w.boxes[0]!.box_items.map((i) => i.quantity)])).to.deep.equal([['Cancelled', [24, 10]], ['Awaiting', [18, 10]]]);
      const same = await send('asn_amend', body('WH/IN/1', 18));
      expect(same).to.include({ deduplicated: true, externalRef: amended.externalRef });
      const newDay = await send('asn_amend', body('WH/IN/1', 18, '2026-11-30'));
      expect(newDay.externalRef, 'a new arrival day is a change').to.not.equal(amended.externalRef);
      await send('asn_amend', body('WH/IN/2', 5));
      expect(fake.ledger.createsFor('WH/IN/2', 'receiving')).to.equal(1);
    });

    it('once the warehouse is receiving, an amendment or a cancellation is a conflict; cancel of nothing is done', async () => {
      await send('asn', body('WH/IN/3', 24));
      const wro = fake.receiving.wros[0]!;
      fake.receiving.arrive(wro);
      for (const [eventType, kind] of [['asn_amend', 'receipt'], ['asn_cancel', 'receipt_cancel']] as const) {
        const err = await rejects(() => send(eventType, eventType === 'asn_amend' ? body('WH/IN/3', 20) : { purchase_order_number: 'WH/IN/3' }, kind));
        expect(err, eventType).to.be.instanceOf(PermanentError);
        expect((err as unknown as PermanentError).category).to.equal('conflict');
        expect(err.message).to.match(/is Arrived/);
      }
      expect(fake.ledger.cancelsFor('WH/IN/3', 'receiving')).to.equal(0);
      const none = await send('asn_cancel', { purchase_order_number: 'WH/IN/404' }, 'receipt_cancel');
      expect(none.deduplicated).to.equal(true);
    });
  });

  describe('generic WMS', () => {
    let fake: GenericWmsFake;
    before(async () => { fake = await startFake('generic-wms'); });
    after(async () => fake?.close());
    beforeEach(() => fake.reset());
    const conn = () => createConnector('gw', target({ preset: 'generic_wms', base_url: fake.baseUrl, auth: { type: 'api_key', header: 'X-API-Key', key: { env: 'K' } } }), () => fake.apiKeys[0]!);
    const send = (eventType: string, payload: Record<string, unknown>, kind = 'receipt') => conn().deliver(request({ kind, eventType, model: 'stock.picking', resId: 12, payload }), silentLog);
    const lines = (q: number) => ({ reference: 'WH/IN/00012', lines: [{ line_ref: '31', sku: 'BEANS', quantity: q }] });

    it('asn_amend PUTs the current lines; asn_cancel DELETEs (404 = nothing to cancel; 409 receipt_locked = conflict)', async () => {
      const none = await send('asn_cancel', { reference: 'WH/IN/00012' }, 'receipt_cancel');
      expect(none.deduplicated).to.equal(true);
      await send('asn', lines(24));
      await send('asn_amend', lines(18));
      expect(fake.receipts.receipts.get('WH/IN/00012')!.body.lines[0]!.quantity).to.equal(18);
      await send('asn_cancel', { reference: 'WH/IN/00012' }, 'receipt_cancel');
      expect(fake.receipts.receipts.get('WH/IN/00012')!.status).to.equal('cancelled');
      expect(fake.ledger.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).to.deep.equal([404, 200]);
      // Receiving started: the WMS refuses the cancellation.
      await send('asn', { ...lines(5), reference: 'WH/IN/00013' });
      const recv = await fetch(`${fake.controlUrl}/__control/receipts/${encodeURIComponent('WH/IN/00013')}/receive`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lines: [{ line_ref: '31', quantity: 5 }] }) });
      expect(recv.status).to.equal(200);
      const err = await rejects(() => send('asn_cancel', { reference: 'WH/IN/00013' }, 'receipt_cancel'));
      expect(err).to.be.instanceOf(PermanentError);
      expect((err as unknown as PermanentError).category).to.equal('conflict');
    });
  });
});
