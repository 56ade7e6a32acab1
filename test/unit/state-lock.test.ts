import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ConfigError } from '../../bridge/errors/index.js';
import { acquireStateLock } from '../../bridge/state/state-lock.js';

describe('state file lock: one running sidecar per state file', () => {
  const tmp = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-lock-')), 'state.sqlite');

  it('a second sidecar on the same file is refused, naming the holder and the way out; free again after release', () => {
    const file = tmp();
    const a = acquireStateLock(file, { host: 'h1', pid: 100, alive: () => true });
    expect(JSON.parse(fs.readFileSync(`${file}.lock`, 'utf8'))).to.include({ pid: 100, host: 'h1' });
    let err: unknown;
    try { acquireStateLock(file, { host: 'h1', pid: 200, alive: () => true }); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).issues[0]).to.match(/^state\.path: .*state\.sqlite is in use by sidecar pid 100 on host h1 \(since .*\): each running sidecar needs its own state file/);
    expect(() => acquireStateLock(file, { host: 'h2', pid: 100, alive: () => false }), 'another host, freshly touched').to.throw(ConfigError, /in use by sidecar pid 100 on host h1/);
    a.release();
    expect(fs.existsSync(`${file}.lock`)).to.equal(false);
    acquireStateLock(file, { host: 'h2', pid: 300 }).release();
  });

  it('stale locks are taken over: holder gone on this host, this very pid (restarted container), or not touched for staleMs', () => {
    const file = tmp();
    acquireStateLock(file, { host: 'h1', pid: 100, alive: () => true }); // never released: killed
    const b = acquireStateLock(file, { host: 'h1', pid: 101, alive: (p) => p !== 100 });
    expect(b.tookOverFrom).to.include({ pid: 100, host: 'h1' });
    // a container restarted on the same volume is pid 1 again, on the same host name
    const c = acquireStateLock(file, { host: 'h1', pid: 101, alive: () => true });
    expect(c.tookOverFrom).to.include({ pid: 101 });
    // another host: only by age
    let now = Date.now();
    expect(() => acquireStateLock(file, { host: 'h9', pid: 5, now: () => now, staleMs: 60_000 })).to.throw(ConfigError);
    now += 61_000;
    const d = acquireStateLock(file, { host: 'h9', pid: 5, now: () => now, staleMs: 60_000 });
    expect(d.tookOverFrom).to.include({ pid: 101, host: 'h1' });
    // release does not remove a lock someone else took over meanwhile
    c.release();
    expect(JSON.parse(fs.readFileSync(`${file}.lock`, 'utf8'))).to.include({ pid: 5, host: 'h9' });
    d.release();
    expect(fs.existsSync(`${file}.lock`)).to.equal(false);
  });

  it('the holder keeps the lock fresh, so another host does not take it over while it runs', async () => {
    const file = tmp();
    const a = acquireStateLock(file, { host: 'h1', pid: 100, refreshMs: 20 });
    const old = new Date(Date.now() - 3_600_000);
    fs.utimesSync(`${file}.lock`, old, old);
    await new Promise((r) => setTimeout(r, 80));
    expect(Date.now() - fs.statSync(`${file}.lock`).mtimeMs).to.be.below(1_000);
    expect(() => acquireStateLock(file, { host: 'h2', pid: 7, staleMs: 60_000 })).to.throw(ConfigError);
    a.release();
  });

  it('a holder whose lock was taken over stops touching it and is told (onLost)', async () => {
    const file = tmp();
    const lost: unknown[] = [];
    acquireStateLock(file, { host: 'h1', pid: 100, refreshMs: 20, onLost: (by) => lost.push(by) });
    fs.rmSync(`${file}.lock`);
    const b = acquireStateLock(file, { host: 'h2', pid: 200 });
    await new Promise((r) => setTimeout(r, 80));
    expect(lost).to.have.length(1);
    expect(lost[0]).to.include({ pid: 200, host: 'h2' });
    const old = new Date(Date.now() - 3_600_000);
    fs.utimesSync(`${file}.lock`, old, old);
    await new Promise((r) => setTimeout(r, 60));
    expect(Date.now() - fs.statSync(`${file}.lock`).mtimeMs, 'not touched by the old holder').to.be.above(3_000_000);
    b.release();
  });

  it('a real process that died (SIGKILL) leaves a lock the next start takes over', async () => {
    const file = tmp();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: child.pid, host: os.hostname(), started: new Date().toISOString() }));
    expect(() => acquireStateLock(file), 'alive').to.throw(ConfigError, new RegExp(`pid ${child.pid}`));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const lock = acquireStateLock(file);
    expect(lock.tookOverFrom).to.include({ pid: child.pid });
    lock.release();
  });
});
