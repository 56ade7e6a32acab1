import { expect } from 'chai';
import type { AppContext } from '../../bridge/app/context.js';
import { runInboxCommand } from '../../bridge/cli/inbox.js';
import { InboxStore } from '../../bridge/state/inbox-store.js';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../bridge/state/migrations.js';
import { migrate, openStateStore } from '../../bridge/state/state-store.js';
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
    return { run, file, ids: { rejected: rejected!.id, exception: exception!.id, applied: applied!.id } };
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

  it('discard --id N --reason: marked and listed, needs a reason, only rejected ones; purged after the retention; a replay brings it back', async () => {
    const { run, ids, file } = setUp();
    expect((await run('discard', '--id', String(ids.rejected))).code, 'no reason').to.equal(2);
    expect(await run('discard', '--id', String(ids.rejected), '--reason', 'junk from the vendor sandbox')).to.deep.equal({ code: 0, text: `discarded ${ids.rejected}\n` });
    expect((await run('list', '--state', 'rejected')).text).to.contain('\trejected (discarded: junk from the vendor sandbox)\twms\t');
    const r = await run('discard', '--id', String(ids.applied), '--reason', 'x');
    expect(r.code).to.equal(1);
    expect(r.text).to.contain('only rejected messages can be discarded');
    const db = openStateStore(file);
    let now = Date.now();
    const store = new InboxStore(db, () => now);
    expect(store.purge(14), 'within the retention').to.equal(0);
    now += 15 * 86_400_000;
    expect(store.get(ids.rejected), 'still there before the purge').to.not.equal(undefined);
    expect(store.replay(ids.rejected)).to.deep.equal({ ok: true });
    expect(store.get(ids.rejected)).to.include({ state: 'pending', discarded_at: null, discard_reason: null });
    store.finish(ids.rejected, 'rejected', { error: 'again' });
    expect(store.discard(ids.rejected, 'given up')).to.deep.equal({ ok: true });
    now += 15 * 86_400_000;
    expect(store.purge(14), 'the applied, the exception and the discarded one').to.equal(3);
    expect(store.get(ids.rejected), 'purged after the retention counted from the discard').to.equal(undefined);
    db.close();
  });

  it('migration 4 keeps the inbox rows of a file at schema 3 (not discarded)', () => {
    const old = new Database(':memory:');
    for (const m of MIGRATIONS.slice(0, 3)) old.exec(m);
    old.pragma('user_version = 3');
    old.prepare(`INSERT INTO inbox (source, message_id, preset, topic, via, body, received_at, state, last_error, done_at)
      VALUES ('wms', 'm1', 'shipbob', 'order.shipped', 'webhook', '{}', 1, 'rejected', 'bad', 1)`).run();
    migrate(old);
    expect(Number(old.pragma('user_version', { simple: true }))).to.equal(MIGRATIONS.length);
    const store = new InboxStore(old);
    expect(store.list({ state: 'rejected' })[0]).to.include({ message_id: 'm1', last_error: 'bad', discarded_at: null, discard_reason: null });
    expect(store.discard(1, 'old junk')).to.deep.equal({ ok: true });
    old.close();
  });
});
