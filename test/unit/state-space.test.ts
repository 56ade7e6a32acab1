import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import type { AppContext } from '../../bridge/app/context.js';
import { runStateCommand } from '../../bridge/cli/state.js';
import { InboxStore } from '../../bridge/state/inbox-store.js';
import { acquireStateLock } from '../../bridge/state/state-lock.js';
import { formatBytes, reclaimFreePages, stateSpace } from '../../bridge/state/state-space.js';
import { migrate, openStateStore } from '../../bridge/state/state-store.js';

/** The state file gives purged space back to the disk; `sync-bridge state info|compact`. */
describe('state file space (auto_vacuum, reclaim, compact)', () => {
  const tmp = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-space-')), 'state.sqlite');
  const body = 'x'.repeat(4000);

  /** 2,000 applied inbox messages of ~4 KB, done 40 days ago, then purged with a 30-day retention. */
  function fillAndPurge(file: string, clock: { t: number }): { purged: number; db: ReturnType<typeof openStateStore> } {
    const db = openStateStore(file);
    const store = new InboxStore(db, () => clock.t);
    const rows = store.insertMany(Array.from({ length: 2000 }, (_, i) => ({ source: 'wms', messageId: `m${i}`, preset: 'shipbob', topic: 'order.shipped', via: 'webhook' as const, body })));
    for (const r of rows) store.finish(r.id, 'applied');
    clock.t += 40 * 86_400_000;
    return { purged: store.purge(30), db };
  }

  it('a new file is created in incremental vacuum mode and the purge gives the space back', () => {
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const { db, purged } = fillAndPurge(tmp(), clock);
    try {
      expect(purged).to.equal(2000);
      const before = stateSpace(db);
      expect(before.autoVacuum).to.equal('incremental');
      expect(before.freeBytes).to.be.greaterThan(4_000_000);
      const freed = reclaimFreePages(db);
      const after = stateSpace(db);
      expect(freed).to.equal(before.freeBytes);
      expect(after.freeBytes).to.equal(0);
      expect(after.bytes, 'the file shrank by at least the freed pages').to.be.at.most(before.bytes - freed);
      expect(after.bytes).to.be.lessThan(500_000);
      expect(reclaimFreePages(db), 'nothing left to free').to.equal(0);
    } finally { db.close(); }
  });

  it('a file of an older release (auto_vacuum none) keeps its free pages until compacted', async () => {
    const file = tmp();
    const legacy = new Database(file); // created as releases before this one did
    legacy.pragma('journal_mode = WAL');
    migrate(legacy);
    legacy.close();
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const { db } = fillAndPurge(file, clock);
    const before = stateSpace(db);
    expect(before.autoVacuum).to.equal('none');
    expect(reclaimFreePages(db)).to.equal(0);
    expect(stateSpace(db).freeBytes).to.equal(before.freeBytes);
    db.close();

    const ctx = { loaded: { config: { state: { path: file } } } } as unknown as AppContext;
    let text = '';
    const out = { write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WritableStream;
    expect(await runStateCommand(ctx, ['compact'], out)).to.equal(0);
    expect(text).to.contain(`compacting ${file}`).and.to.match(/before: .*auto_vacuum none/).and.to.match(/after: .*\(free 0 bytes\).*auto_vacuum incremental/);
    const again = openStateStore(file);
    try {
      const after = stateSpace(again);
      expect(after.autoVacuum).to.equal('incremental');
      expect(after.bytes).to.be.lessThan(before.bytes - 4_000_000);
      expect(new InboxStore(again).list({ limit: 10 })).to.have.length(0);
    } finally { again.close(); }
    expect(fs.existsSync(`${file}.lock`), 'the lock is released').to.equal(false);
  });

  it('compact refuses while a sidecar holds the state lock (exit 78), and leaves the file alone', async () => {
    const file = tmp();
    openStateStore(file).close();
    const running = acquireStateLock(file, { host: 'other-host', pid: 4242 });
    try {
      const ctx = { loaded: { config: { state: { path: file } } } } as unknown as AppContext;
      let text = '';
      const out = { write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WritableStream;
      expect(await runStateCommand(ctx, ['compact'], out)).to.equal(78);
      expect(text).to.contain('in use by sidecar pid 4242 on host other-host').and.to.contain('Stop the sidecar first');
      expect(JSON.parse(fs.readFileSync(`${file}.lock`, 'utf8')).pid, 'the running sidecar keeps its lock').to.equal(4242);
    } finally { running.release(); }
  });

  it('info lists size, vacuum mode and rows per table; bad arguments print the usage', async () => {
    const file = tmp();
    const db = openStateStore(file);
    new InboxStore(db).insertMany([{ source: 'wms', messageId: 'a', preset: 'shipbob', topic: 'order.shipped', via: 'webhook', body: '{}' }]);
    db.close();
    const ctx = { loaded: { config: { state: { path: file } } } } as unknown as AppContext;
    let text = '';
    const out = { write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WritableStream;
    expect(await runStateCommand(ctx, ['info'], out)).to.equal(0);
    expect(text).to.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [\\d.]+ (KiB|MiB) \\(free .*\\), write-ahead log .*, auto_vacuum incremental\\n`));
    expect(text).to.contain('  inbox\t1 row(s)\n').and.to.contain('  writeback\t0 row(s)\n');
    text = '';
    expect(await runStateCommand(ctx, ['shrink'], out)).to.equal(2);
    expect(text).to.match(/^usage: sync-bridge state info\n.*state compact .*\n.*state backup .*\n.*state restore --from <file> .*\n$/);
  });

  it('formatBytes', () => {
    expect([0, 1023, 1536, 5 * 1024 * 1024, 3 * 1024 ** 3].map(formatBytes)).to.deep.equal(['0 bytes', '1023 bytes', '1.5 KiB', '5.0 MiB', '3.0 GiB']);
  });
});
