import { expect } from 'chai';
import { openStateStore } from '../../bridge/state/state-store.js';
import { WritebackQueue, type WritebackSink } from '../../bridge/state/writeback-queue.js';
import { OdooAccessError, OdooAuthError, OdooServerError, OdooUnavailableError, OdooValidationError } from '../../bridge/odoo/odoo-errors.js';
import type { AckItem, BatchResult, NackItem } from '../../bridge/odoo/contract.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

class RecordingSink implements WritebackSink {
  calls: Array<{ kind: string; ids: number[] }> = [];
  down = false;
  /** Every call fails with this (credentials revoked, a right lost, an HTML error page...). */
  fail: Error | undefined;
  refuse = new Set<number>();
  reject = new Set<number>();
  private answer(kind: string, items: Array<{ id: number }>): BatchResult {
    if (this.down) throw new OdooUnavailableError('Odoo down');
    if (this.fail) throw this.fail;
    if (items.some((i) => this.reject.has(i.id))) throw new OdooValidationError('bad item');
    this.calls.push({ kind, ids: items.map((i) => i.id) });
    return { ok: items.filter((i) => !this.refuse.has(i.id)).map((i) => i.id), refused: items.filter((i) => this.refuse.has(i.id)).map((i) => ({ id: i.id, reason: 'lease lost' })) };
  }
  async ack(items: AckItem[]) { return this.answer('ack', items); }
  async nack(items: NackItem[]) { return this.answer('nack', items); }
}

const nack = (id: number): NackItem => ({ id, lease_token: `t${id}`, retryable: true, error_class: 'E', error_message: 'm' });

describe('write-back queue (SQLite)', () => {
  it('flushes in order, batching consecutive outcomes of one kind', async () => {
    const q = new WritebackQueue(openStateStore(':memory:'));
    q.enqueueAck({ id: 1, lease_token: 'a' }, 'wms');
    q.enqueueAck({ id: 2, lease_token: 'b' }, 'wms');
    q.enqueueNack(nack(3), 'crm');
    q.enqueueAck({ id: 4, lease_token: 'd' }, 'wms');
    const sink = new RecordingSink();
    const report = await q.flush(sink);
    expect(sink.calls).to.deep.equal([{ kind: 'ack', ids: [1, 2] }, { kind: 'nack', ids: [3] }, { kind: 'ack', ids: [4] }]);
    expect(report.sent).to.equal(4);
    expect(q.backlog()).to.equal(0);
  });

  it('keeps everything while Odoo is down and survives a restart of the process', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-wb-'));
    const file = path.join(dir, 'state.sqlite');
    const db1 = openStateStore(file);
    const q1 = new WritebackQueue(db1);
    q1.enqueueAck({ id: 10, lease_token: 'x' }, 'wms');
    q1.enqueueNack(nack(11), 'wms');
    const sink = new RecordingSink();
    sink.down = true;
    const r1 = await q1.flush(sink);
    expect(r1.error).to.be.instanceOf(OdooUnavailableError);
    expect(r1.pending).to.equal(2);
    db1.close(); // the process dies
    const q2 = new WritebackQueue(openStateStore(file));
    expect(q2.backlog()).to.equal(2);
    sink.down = false;
    await q2.flush(sink);
    expect(sink.calls).to.deep.equal([{ kind: 'ack', ids: [10] }, { kind: 'nack', ids: [11] }]);
    expect(q2.backlog()).to.equal(0);
  });

  it('records refusals (lease lost) as final and isolates a rejected row', async () => {
    const q = new WritebackQueue(openStateStore(':memory:'));
    for (const id of [1, 2, 3]) q.enqueueAck({ id, lease_token: 't' }, 'wms');
    const sink = new RecordingSink();
    sink.refuse.add(1);
    sink.reject.add(2);
    const report = await q.flush(sink);
    expect(report.refused).to.equal(1);
    expect(report.rejected).to.equal(1);
    expect(report.sent).to.equal(1);
    expect(q.backlog()).to.equal(0);
  });
});

describe('write-back queue: a refusal of the whole call is not a bad row', () => {
  const systemic: Array<[string, Error]> = [
    ['the API key is revoked (OdooAuthError)', new OdooAuthError('Odoo refused the credentials')],
    ['the service user lost its group (OdooAccessError)', new OdooAccessError('AccessError: sync.event')],
    ['Odoo answers an HTML error page (OdooServerError)', new OdooServerError('HTTP 500: <html>')],
  ];
  for (const [what, error] of systemic) {
    it(`${what}: every outcome stays pending, none is rejected, and the flush reports the error`, async () => {
      const q = new WritebackQueue(openStateStore(':memory:'));
      q.enqueueAck({ id: 1, lease_token: 'a', external_ref: 'SB-1' }, 'wms');
      q.enqueueAck({ id: 2, lease_token: 'b', external_ref: 'SB-2' }, 'wms');
      q.enqueueNack(nack(3), 'wms');
      const sink = new RecordingSink();
      sink.fail = error;
      const report = await q.flush(sink);
      expect(report.rejected).to.equal(0);
      expect(report.error).to.equal(error);
      expect(report.pending).to.equal(3);
      expect(q.backlog()).to.equal(3);
      sink.fail = undefined; // the key is replaced: everything goes, in order
      const again = await q.flush(sink);
      expect(sink.calls).to.deep.equal([{ kind: 'ack', ids: [1, 2] }, { kind: 'nack', ids: [3] }]);
      expect([again.sent, again.rejected, q.backlog()]).to.deep.equal([3, 0, 0]);
    });
  }

  it('a systemic error met while rows are sent one by one stops there: the rows after it stay pending', async () => {
    const q = new WritebackQueue(openStateStore(':memory:'));
    for (const id of [1, 2, 3]) q.enqueueAck({ id, lease_token: 't' }, 'wms');
    let calls = 0;
    const sink: WritebackSink = {
      async ack(items) {
        calls++;
        if (calls === 1) throw new OdooValidationError('bad item'); // the batch: one row is bad
        if (items[0]!.id === 1) throw new OdooValidationError('bad item'); // row 1 alone: rejected
        throw new OdooAuthError('Odoo refused the credentials'); // then the key is revoked
      },
      async nack() { return { ok: [], refused: [] }; },
    };
    const report = await q.flush(sink);
    expect(report.rejected).to.equal(1);
    expect(report.error).to.be.instanceOf(OdooAuthError);
    expect(q.backlog()).to.equal(2);
  });
});

describe('write-back queue: an ack refused for its result', () => {
  it('turns a link_conflict refusal into a permanent nack with the same lease (no endless re-delivery)', async () => {
    const q = new WritebackQueue(openStateStore(':memory:'));
    q.enqueueAck({ id: 7, lease_token: 'tok7', external_ref: '300000', links: [{ model: 'sale.order', res_id: 5, external_id: '300000' }] }, 'wms');
    const sent: Array<{ kind: string; items: Array<AckItem | NackItem> }> = [];
    const sink: WritebackSink = {
      async ack(items) { sent.push({ kind: 'ack', items }); return { ok: [], refused: [{ id: 7, reason: 'link_conflict' }] }; },
      async nack(items) { sent.push({ kind: 'nack', items }); return { ok: items.map((i) => i.id), refused: [] }; },
    };
    const report = await q.flush(sink);
    expect(sent.map((c) => c.kind)).to.deep.equal(['ack', 'nack']);
    const n = sent[1]!.items[0] as NackItem;
    expect(n).to.include({ id: 7, lease_token: 'tok7', retryable: false, category: 'conflict' });
    expect(n.error_message).to.match(/link_conflict/);
    expect(report.conflicts).to.equal(1);
    expect(report.refused).to.equal(0);
    expect(q.backlog()).to.equal(0);
  });
});
