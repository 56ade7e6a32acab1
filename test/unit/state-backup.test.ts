import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import type { AppContext } from '../../bridge/app/context.js';
import { runStateCommand } from '../../bridge/cli/state.js';
import { InboxStore } from '../../bridge/state/inbox-store.js';
import { MIGRATIONS } from '../../bridge/state/migrations.js';
import { backupName, pruneBackups } from '../../bridge/state/state-backup.js';
import { acquireStateLock } from '../../bridge/state/state-lock.js';
import { openStateStore } from '../../bridge/state/state-store.js';

/** `sync-bridge state backup` (online, beside a running sidecar) and `state restore`. */
describe('state file backup and restore', () => {
  const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sb-backup-'));
  const ctxFor = (file: string) => ({ loaded: { config: { state: { path: file } } } }) as unknown as AppContext;
  const run = async (file: string, argv: string[], now?: Date) => {
    let text = '';
    const out = { write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WritableStream;
    const code = await runStateCommand(ctxFor(file), argv, out, {}, now ? () => now : undefined);
    return { code, text };
  };
  const message = (i: number) => ({ source: 'wms', messageId: `m${i}`, preset: 'shipbob', topic: 'order.shipped', via: 'webhook' as const, body: `{"n":${i},"pad":"${'x'.repeat(2000)}"}` });
  const inboxIds = (file: string) => {
    const db = new Database(file, { readonly: true });
    try { return (db.prepare('SELECT message_id FROM inbox ORDER BY id').all() as Array<{ message_id: string }>).map((r) => r.message_id); } finally { db.close(); }
  };

  it('copies the file while a sidecar has it open, rows still in its write-ahead log included; mode 0600; progress on a large file', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'state.sqlite');
    const live = openStateStore(file); // stays open: the "running sidecar"
    try {
      live.pragma('wal_autocheckpoint = 0'); // keep the rows in the -wal file, as between checkpoints
      new InboxStore(live).insertMany(Array.from({ length: 3000 }, (_, i) => message(i)));
      expect(fs.statSync(`${file}-wal`).size, 'rows are in the -wal file').to.be.greaterThan(1_000_000);
      const dest = path.join(dir, 'copy.sqlite');
      const r = await run(file, ['backup', '--out', dest]);
      expect(r.code, r.text).to.equal(0);
      expect(r.text).to.contain(`backing up ${file} to ${dest}`).and.to.match(/ \d+\/\d+ pages \(\d+%\)\n/).and.to.match(/done: .*copy\.sqlite, [\d.]+ MiB, state schema \d+, integrity ok\n  rows: .*inbox 3000/);
      expect(fs.statSync(dest).mode & 0o777).to.equal(0o600);
      expect(inboxIds(dest)).to.have.length(3000);
      expect([`${dest}.partial`, `${dest}-wal`, `${dest}-shm`].filter((f) => fs.existsSync(f)), 'one self-contained file').to.deep.equal([]);
      // the live file is untouched and still writable by its holder
      new InboxStore(live).insertMany([message(9999)]);
      expect(inboxIds(dest), 'a copy, not a view').to.have.length(3000);
    } finally { live.close(); }
  });

  it('--dir names the copies by UTC time and keeps the newest --keep; refuses an existing --out and a missing state file', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'state.sqlite');
    openStateStore(file).close();
    const backups = path.join(dir, 'backups');
    const days = ['2026-11-20T01:00:00Z', '2026-11-21T01:00:00Z', '2026-11-22T01:00:00Z'].map((d) => new Date(d));
    for (const d of days) expect((await run(file, ['backup', '--dir', backups, '--keep', '2'], d)).code).to.equal(0);
    expect(fs.readdirSync(backups).sort()).to.deep.equal(['state-20261121T010000Z.sqlite', 'state-20261122T010000Z.sqlite']);
    fs.writeFileSync(path.join(backups, 'notes.txt'), 'mine');
    expect(pruneBackups(backups, 1), 'only its own names are pruned').to.deep.equal([path.join(backups, 'state-20261121T010000Z.sqlite')]);
    expect(fs.existsSync(path.join(backups, 'notes.txt'))).to.equal(true);
    expect(backupName(new Date('2026-01-02T03:04:05.678Z'))).to.equal('state-20260102T030405Z.sqlite');

    const taken = path.join(backups, 'state-20261122T010000Z.sqlite');
    const again = await run(file, ['backup', '--out', taken]);
    expect(again.code).to.equal(1);
    expect(again.text).to.contain(`${taken}: already exists`);
    const missing = await run(path.join(dir, 'nope.sqlite'), ['backup', '--out', path.join(dir, 'x.sqlite')]);
    expect(missing.code).to.equal(1);
    expect(missing.text).to.contain('nope.sqlite: no such file (nothing to back up)');
    expect(fs.existsSync(path.join(dir, 'nope.sqlite')), 'a backup never creates the state file').to.equal(false);
  });

  it('bad arguments: exit 2 naming what is wrong', async () => {
    const file = path.join(tmpDir(), 'state.sqlite');
    const cases: Array<[string[], string]> = [
      [['backup'], 'give either --out <file> or --dir <folder>'],
      [['backup', '--out', 'a', '--dir', 'b'], 'give either --out <file> or --dir <folder>'],
      [['backup', '--dir', 'b', '--keep', '0'], "--keep must be a whole number of 1 or more, not '0'"],
      [['backup', '--out', 'a', '--keep', '3'], '--keep goes with --dir'],
      [['backup', '--out'], '--out needs a value'],
      [['backup', '--dir', 'b', '--every', '1'], "unexpected argument '--every'"],
    ];
    for (const [argv, want] of cases) {
      const r = await run(file, argv);
      expect(r.code, argv.join(' ')).to.equal(2);
      expect(r.text, argv.join(' ')).to.contain(`state backup: ${want}\n`);
    }
    expect((await run(file, ['restore'])).code).to.equal(2);
  });

  it('restore puts a backup in place, moves the current file and its -wal aside, and the sidecar opens it', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'state.sqlite');
    const db = openStateStore(file);
    new InboxStore(db).insertMany([message(1), message(2)]);
    db.close();
    const copy = path.join(dir, 'copy.sqlite');
    expect((await run(file, ['backup', '--out', copy])).code).to.equal(0);
    const later = openStateStore(file);
    new InboxStore(later).insertMany([message(3)]);
    later.pragma('wal_autocheckpoint = 0');
    new InboxStore(later).insertMany([message(4)]);
    later.close();
    const r = await run(file, ['restore', '--from', copy]);
    expect(r.code, r.text).to.equal(0);
    expect(r.text).to.contain(`restored ${file} from ${copy}`).and.to.contain('rows: ').and.to.match(/moved the replaced file aside: .*state\.sqlite\.replaced-\d{8}T\d{6}Z\n/);
    expect(inboxIds(file)).to.deep.equal(['m1', 'm2']);
    const aside = fs.readdirSync(dir).filter((f) => f.startsWith('state.sqlite.replaced-') && !f.endsWith('-wal') && !f.endsWith('-shm'));
    expect(aside).to.have.length(1);
    expect(inboxIds(path.join(dir, aside[0]!)), 'the replaced file keeps all its rows').to.deep.equal(['m1', 'm2', 'm3', 'm4']);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const reopened = openStateStore(file);
    try { expect(new InboxStore(reopened).list({ limit: 10 })).to.have.length(2); } finally { reopened.close(); }
    expect(fs.existsSync(`${file}.lock`), 'the lock is released').to.equal(false);
  });

  it('restore refuses while a sidecar holds the lock (78), a copy from a newer sidecar, a damaged copy and the state file itself (1), changing nothing', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'state.sqlite');
    const db = openStateStore(file);
    new InboxStore(db).insertMany([message(1)]);
    db.close();
    const copy = path.join(dir, 'copy.sqlite');
    expect((await run(file, ['backup', '--out', copy])).code).to.equal(0);

    const running = acquireStateLock(file, { host: 'other-host', pid: 4242 });
    try {
      const held = await run(file, ['restore', '--from', copy]);
      expect(held.code).to.equal(78);
      expect(held.text).to.contain('in use by sidecar pid 4242 on host other-host').and.to.contain('Stop the sidecar first: state restore needs the file to itself');
    } finally { running.release(); }

    const newer = path.join(dir, 'newer.sqlite');
    fs.copyFileSync(copy, newer);
    const w = new Database(newer);
    w.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    w.close();
    const n = await run(file, ['restore', '--from', newer]);
    expect(n.code).to.equal(1);
    expect(n.text).to.contain(`was written by a newer sidecar (state schema ${MIGRATIONS.length + 1}; this one knows up to ${MIGRATIONS.length})`);

    const damaged = path.join(dir, 'damaged.sqlite');
    fs.writeFileSync(damaged, Buffer.concat([fs.readFileSync(copy).subarray(0, 100), Buffer.alloc(8192, 0xa5)]));
    const d = await run(file, ['restore', '--from', damaged]);
    expect(d.code).to.equal(1);
    expect(d.text).to.match(/state restore: .*damaged\.sqlite/);

    const self = await run(file, ['restore', '--from', file]);
    expect(self.code).to.equal(1);
    expect(self.text).to.contain('is the state file itself');

    expect(inboxIds(file)).to.deep.equal(['m1']);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.replaced-'))).to.deep.equal([]);
  });
});
