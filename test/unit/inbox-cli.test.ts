import { expect } from 'chai';
import type { AppContext } from '../../bridge/app/context.js';
import { runInboxCommand } from '../../bridge/cli/inbox.js';
import { InboxStore } from '../../bridge/state/inbox-store.js';
import { tempDb } from './inbound/helpers.js';

/** `sync-bridge inbox list|replay` on a real state file. */
describe('sync-bridge inbox (CLI on the state file)', () => {
  function setUp() {
    const { db, file } = tempDb();
    const store = new InboxStore(db);
    const m = (messageId: string) => ({ source: 'wms', messageId, preset: 'shipbob', topic: 'order.shipped', via: 'webhook' as const, body: '{}' });
    const [rejected, exception, applied] = store.insertMany([m('r1'), m('e1'), m('a1')]);
    store.finish(rejected!.id, 'rejected', { error: 'mappings/shipbob/shipment_confirmed.yaml:12:5 path: tracking.carrier: missing' });
    store.finish(exception!.id, 'exception', { result: { status: 'exception' } });
    store.finish(applied!.id, 'applied');
    db.close();
    const ctx = { loaded: { config: { state: { path: file } } } } as unknown as AppContext;
    const run = async (...argv: string[]) => {
      let text = '';
      const out = { write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WritableStream;
      const code = await runInboxCommand(ctx, argv, out);
      return { code, text };
    };
    return { run, ids: { rejected: rejected!.id, exception: exception!.id, applied: applied!.id } };
  }

  it('list shows each message with the reason of rejected ones', async () => {
    const { run } = setUp();
    const r = await run('list', '--state', 'rejected');
    expect(r.code).to.equal(0);
    expect(r.text).to.contain('\trejected\twms\torder.shipped\tr1\t').and.to.contain('shipment_confirmed.yaml:12:5').and.to.contain('1 message(s)');
  });

  it('replay --state rejected puts them back in line', async () => {
    const { run, ids } = setUp();
    const r = await run('replay', '--state', 'rejected');
    expect(r).to.deep.equal({ code: 0, text: `replayed ${ids.rejected}\n` });
    expect((await run('list', '--state', 'pending')).text).to.contain('\tpending\twms\torder.shipped\tr1\t');
  });

  it('replay --state exception is refused up front, pointing to Odoo (where the exception is reprocessed)', async () => {
    const { run } = setUp();
    const r = await run('replay', '--state', 'exception');
    expect(r.code).to.equal(2);
    expect(r.text).to.contain('reprocess them in Odoo (Integration > Inbound messages)');
    expect((await run('list', '--state', 'exception')).text).to.contain('1 message(s)');
  });

  it('replay --id of a message in exception or applied says why not, exit 1', async () => {
    const { run, ids } = setUp();
    const r = await run('replay', '--id', String(ids.exception), '--id', String(ids.applied));
    expect(r.code).to.equal(1);
    expect(r.text).to.contain(`message ${ids.exception} was applied by Odoo with an exception`).and.to.contain(`message ${ids.applied} is applied`);
  });
});
