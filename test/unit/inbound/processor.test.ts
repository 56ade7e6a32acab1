import { expect } from 'chai';
import path from 'node:path';
import { InboxStore, type NewInboxMessage } from '../../../bridge/state/inbox-store.js';
import { InboxProcessor } from '../../../bridge/inbound/processor.js';
import { InboundPreparer } from '../../../bridge/inbound/prepare.js';
import { OdooUnavailableError } from '../../../bridge/odoo/odoo-errors.js';
import type { ApplyItem, ApplyResult } from '../../../bridge/odoo/contract.js';
import type { TargetHttpClient } from '../../../bridge/connectors/http/http-client.js';
import { FakeSink, TARGETS, repoRoot, shipment, tempDb, wmsShipped } from './helpers.js';

const MAPPINGS = path.join(repoRoot, 'mappings');

function sbMessage(id: number, ref = `S${id}`): NewInboxMessage {
  return { source: 'wms_sb', messageId: `shipbob:shipment:${id}`, deliveryId: `msg_${id}`, preset: 'shipbob', topic: 'order.shipped', via: 'webhook', body: JSON.stringify({ type: 'order.shipped', timestamp: '2026-11-21T10:00:00Z', data: shipment(id, ref) }) };
}
function wmsMessage(id: string): NewInboxMessage {
  return { source: 'wms_gen', messageId: id, preset: 'generic_wms', topic: 'shipment.shipped', via: 'webhook', body: JSON.stringify({ id, type: 'shipment.shipped', created_at: '2026-11-21T10:00:00Z', data: wmsShipped(`REF-${id}`) }) };
}

describe('inbox processor: order, batching, Odoo down, rejects and replay', () => {
  let store: InboxStore;
  let clock: number;
  let sink: FakeSink;
  let proc: InboxProcessor;
  const preparer = new InboundPreparer(MAPPINGS, TARGETS);

  beforeEach(() => {
    clock = 1_800_000_000_000;
    store = new InboxStore(tempDb().db, () => clock);
    sink = new FakeSink();
    proc = new InboxProcessor(store, preparer, sink, { batchSize: 3, pollMs: 10, backoffBaseMs: 1000, backoffMaxMs: 60_000, now: () => clock, random: () => 1 });
  });

  it('applies each source in arrival order, in batches, mapped to canonical payloads', async () => {
    for (let i = 1; i <= 7; i++) store.insert(sbMessage(i));
    store.insert(wmsMessage('evt_a'));
    store.insert(wmsMessage('evt_b'));
    const r = await proc.drain();
    expect(r.applied).to.equal(9);
    const sb = sink.calls.filter((c) => c[0]!.target === 'wms_sb');
    expect(sb.map((c) => c.length)).to.deep.equal([3, 3, 1]);
    expect(sb.flat().map((i) => i.message_id)).to.deep.equal([1, 2, 3, 4, 5, 6, 7].map((i) => `shipbob:shipment:${i}`));
    const first = sb[0]![0]!;
    expect(first.kind).to.equal('shipment');
    expect(first.payload).to.include({ message_id: 'shipbob:shipment:1', source: 'shipbob', order_ref: 'S1', shipment_id: '1', carrier: 'USPS', tracking_number: '9400100000000000000000' });
    const wms = sink.applied.filter((i) => i.target === 'wms_gen');
    expect(wms.map((i) => i.message_id)).to.deep.equal(['evt_a', 'evt_b']);
    expect(wms[0]!.payload).to.deep.include({ order_ref: 'REF-evt_a', carrier: 'DHL', tracking_number: 'JD1', shipment_id: 'SHP-1' });
    expect((wms[0]!.payload.lines as unknown[])[0]).to.deep.equal({ sku: 'MUG-BLUE', quantity: 2, lots: [{ lot: 'L-1', quantity: 2 }], serials: [] });
    expect(store.depth()).to.deep.equal({});
    expect(store.list({ state: 'applied' })).to.have.length(9);
  });

  it('Odoo down: nothing lost, messages wait with backoff, then go in the same order, once', async () => {
    for (let i = 1; i <= 5; i++) store.insert(sbMessage(i));
    sink.down = true;
    const r1 = await proc.runOnce();
    expect(r1.held).to.equal(3);
    expect(r1.error).to.match(/down/);
    expect(store.depth()).to.deep.equal({ wms_sb: 5 });
    const head = store.pending('wms_sb', 1)[0]!;
    expect(head.attempts).to.equal(1);
    expect(head.next_attempt_at).to.equal(clock + 1000);
    // Still inside the backoff: the source waits (nothing overtakes the head).
    sink.down = false;
    expect((await proc.runOnce()).applied).to.equal(0);
    expect(sink.calls).to.have.length(0);
    // A second failure doubles the wait.
    clock += 1000;
    sink.down = true;
    await proc.runOnce();
    expect(store.pending('wms_sb', 1)[0]!.next_attempt_at).to.equal(clock + 2000);
    clock += 2000;
    sink.down = false;
    const r = await proc.drain();
    expect(r.applied).to.equal(5);
    expect(sink.applied.map((i) => i.message_id)).to.deep.equal([1, 2, 3, 4, 5].map((i) => `shipbob:shipment:${i}`));
  });

  it('an answer lost after Odoo applied the batch: the retry comes back duplicate, applied once', async () => {
    store.insert(sbMessage(1));
    let lose = true;
    const lossy = {
      apply: async (items: ApplyItem[]): Promise<ApplyResult[]> => {
        const res = await sink.apply(items);
        if (lose) { lose = false; throw new OdooUnavailableError('socket hang up'); }
        return res;
      },
    };
    const p = new InboxProcessor(store, preparer, lossy, { batchSize: 10, pollMs: 10, backoffBaseMs: 10, backoffMaxMs: 10, now: () => clock, random: () => 0 });
    await p.runOnce();
    await p.runOnce();
    expect(sink.applied).to.have.length(1);
    expect(store.list()[0]!.state).to.equal('duplicate');
  });

  it('a message the mapping cannot map is rejected with the reason; the next ones still go', async () => {
    store.insert(sbMessage(1));
    const bad = sbMessage(2);
    const body = JSON.parse(bad.body) as { data: Record<string, unknown> };
    delete (body.data.tracking as Record<string, unknown>).shipping_date;
    delete body.data.actual_fulfillment_date;
    store.insert({ ...bad, body: JSON.stringify(body) });
    store.insert(sbMessage(3));
    const r = await proc.drain();
    expect([r.applied, r.rejected]).to.deep.equal([2, 1]);
    const [rej] = store.list({ state: 'rejected' });
    expect(rej!.message_id).to.equal('shipbob:shipment:2');
    expect(rej!.last_error).to.match(/shipment_confirmed\.yaml/);
    expect(sink.applied.map((i) => i.message_id)).to.deep.equal(['shipbob:shipment:1', 'shipbob:shipment:3']);
    // The mapping's input is kept with the rejection (mappings diff shows whether an edit maps it).
    const input = JSON.parse(rej!.input!) as { id: number; tracking: Record<string, unknown> };
    expect(input.id).to.equal(2);
    expect(input.tracking).to.not.have.property('shipping_date');
  });

  it('keeps the input the mapping saw with the message: the ShipBob shipment enriched with substitute_for (order read)', async () => {
    const reads: string[] = [];
    const client = {
      request: (req: { method: string; path: string }) => {
        reads.push(`${req.method} ${req.path}`);
        return Promise.resolve({ status: 200, headers: {}, body: { id: 9001, reference_id: 'S1', products: [{ reference_id: 'MUG-BLUE', quantity: 2 }], shipments: [] } });
      },
    } as unknown as TargetHttpClient;
    const enriching = new InboxProcessor(store, new InboundPreparer(MAPPINGS, TARGETS, (c) => (c === 'wms_sb' ? client : undefined)), sink, { batchSize: 3, pollMs: 10, backoffBaseMs: 1000, backoffMaxMs: 60_000, now: () => clock });
    const m = sbMessage(1, 'S1');
    const body = JSON.parse(m.body) as { data: { products: Array<Record<string, unknown>> } };
    Object.assign(body.data.products[0]!, { reference_id: 'MUG-RED', sku: 'MUG-RED', name: 'Red mug' });
    const { id } = store.insert({ ...m, body: JSON.stringify(body) });
    expect((await enriching.drain()).applied).to.equal(1);
    expect(reads).to.deep.equal(['GET order/9001']);
    const row = store.get(id)!;
    expect(row.state).to.equal('applied');
    // The stored body is the webhook as received; the input is what the mapping mapped.
    expect(row.body).to.not.contain('substitute_for');
    expect(row.input).to.not.contain('\n');
    const input = JSON.parse(row.input!) as { products: Array<Record<string, unknown>>; order_id: number };
    expect(input.order_id).to.equal(9001);
    expect(input.products.map((p) => [p.sku, p.substitute_for])).to.deep.equal([['MUG-RED', 'MUG-BLUE']]);
    expect(JSON.stringify(sink.applied[0]!.payload)).to.contain('MUG-BLUE');
  });

  it('Odoo rejected: kept with Odoo\'s reason; replay sends it under a new id and it applies', async () => {
    store.insert(sbMessage(1));
    sink.rejectIds.add('shipbob:shipment:1');
    await proc.drain();
    const [rej] = store.list({ state: 'rejected' });
    expect(rej!.last_error).to.contain('unknown SKU');
    expect((JSON.parse(rej!.input!) as { id: number }).id, 'rejected by Odoo after mapping: its input is kept').to.equal(1);
    sink.rejectIds.clear();
    expect(store.replay(rej!.id)).to.deep.equal({ ok: true });
    expect(store.get(rej!.id)!.state).to.equal('pending');
    await proc.drain();
    expect(store.get(rej!.id)!.state).to.equal('applied');
    expect(sink.applied.map((i) => i.message_id)).to.deep.equal(['shipbob:shipment:1#replay1']);
    expect(store.replay(rej!.id).ok).to.equal(false);
  });

  it('a duplicate of a message Odoo rejected earlier stays rejected (not "done")', async () => {
    store.insert(sbMessage(9));
    const p = new InboxProcessor(store, preparer, { apply: async (items) => items.map((i) => ({ message_id: i.message_id, status: 'duplicate', first_status: 'rejected', records: [], exception_ids: [], error: 'lines[0].sku: unknown' }) as ApplyResult) }, { batchSize: 10, pollMs: 10, backoffBaseMs: 10, backoffMaxMs: 10 });
    await p.runOnce();
    expect(store.list()[0]!.state).to.equal('rejected');
  });

  it('a whole-batch permanent refusal is split: only the bad message is rejected', async () => {
    for (let i = 1; i <= 3; i++) store.insert(sbMessage(i));
    const { OdooValidationError } = await import('../../../bridge/odoo/odoo-errors.js');
    const picky = { apply: async (items: ApplyItem[]) => {
      if (items.some((i) => i.message_id === 'shipbob:shipment:2')) throw new OdooValidationError('bad item');
      return sink.apply(items);
    } };
    const p = new InboxProcessor(store, preparer, picky, { batchSize: 10, pollMs: 10, backoffBaseMs: 10, backoffMaxMs: 10 });
    await p.drain();
    expect(sink.applied.map((i) => i.message_id)).to.deep.equal(['shipbob:shipment:1', 'shipbob:shipment:3']);
    expect(store.list({ state: 'rejected' }).map((r) => r.message_id)).to.deep.equal(['shipbob:shipment:2']);
  });

  for (const [what, make] of [
    ['the API key revoked (OdooAuthError)', (m: typeof import('../../../bridge/odoo/odoo-errors.js')) => new m.OdooAuthError('Odoo refused the API key (HTTP 401)')],
    ['the service user out of its group (OdooAccessError)', (m: typeof import('../../../bridge/odoo/odoo-errors.js')) => new m.OdooAccessError('AccessError')],
    ['an HTML error page from a proxy (OdooServerError)', (m: typeof import('../../../bridge/odoo/odoo-errors.js')) => new m.OdooServerError('HTTP 500 <html>')],
  ] as const) {
    it(`${what}: no message is rejected; they wait and go, in order, once the key or right is back`, async () => {
      const errors = await import('../../../bridge/odoo/odoo-errors.js');
      for (let i = 1; i <= 4; i++) store.insert(sbMessage(i));
      let broken = true;
      const odoo = { apply: async (items: ApplyItem[]) => { if (broken) throw make(errors); return sink.apply(items); } };
      const p = new InboxProcessor(store, preparer, odoo, { batchSize: 3, pollMs: 10, backoffBaseMs: 1000, backoffMaxMs: 60_000, now: () => clock, random: () => 1 });
      const r1 = await p.runOnce();
      expect([r1.rejected, r1.held]).to.deep.equal([0, 3]);
      expect(store.list({ state: 'rejected' })).to.have.length(0);
      expect(store.depth()).to.deep.equal({ wms_sb: 4 });
      broken = false;
      clock += 60_000;
      await p.drain();
      expect(sink.applied.map((i) => i.message_id)).to.deep.equal([1, 2, 3, 4].map((i) => `shipbob:shipment:${i}`));
      expect(store.list({ state: 'applied' })).to.have.length(4);
    });
  }

  it('the vendor refusing the credentials while a message is enriched (HTTP 401): held, not rejected', async () => {
    const { PermanentError } = await import('../../../bridge/errors/index.js');
    let refuse = true;
    const client = {
      request: () => (refuse
        ? Promise.reject(new PermanentError('wms_sb: GET /order/9001 -> HTTP 401: Unauthorized', { category: 'rejected', details: { status: 401 } }))
        : Promise.resolve({ status: 200, headers: {}, body: { id: 9001, reference_id: 'S1', products: [{ reference_id: 'MUG-BLUE', quantity: 2 }], shipments: [] } })),
    } as unknown as TargetHttpClient;
    const enriching = new InboxProcessor(store, new InboundPreparer(MAPPINGS, TARGETS, (c) => (c === 'wms_sb' ? client : undefined)), sink, { batchSize: 3, pollMs: 10, backoffBaseMs: 1000, backoffMaxMs: 60_000, now: () => clock, random: () => 1 });
    const m = sbMessage(1, 'S1');
    const body = JSON.parse(m.body) as { data: { products: Array<Record<string, unknown>> } };
    Object.assign(body.data.products[0]!, { reference_id: 'MUG-RED', sku: 'MUG-RED', name: 'Red mug' });
    const { id } = store.insert({ ...m, body: JSON.stringify(body) });
    const r1 = await enriching.runOnce();
    expect([r1.rejected, r1.held]).to.deep.equal([0, 1]);
    expect(store.get(id)!.state).to.equal('pending');
    refuse = false;
    clock += 60_000;
    expect((await enriching.drain()).applied).to.equal(1);
  });

  it('start()/poke() runs the loop by itself and stop() waits for it', async () => {
    const p = new InboxProcessor(store, preparer, sink, { batchSize: 10, pollMs: 20, backoffBaseMs: 10, backoffMaxMs: 10 });
    p.start();
    store.insert(sbMessage(1));
    p.poke();
    for (let i = 0; i < 50 && sink.applied.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await p.stop();
    expect(sink.applied).to.have.length(1);
  });
});
