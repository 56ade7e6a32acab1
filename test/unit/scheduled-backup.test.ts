import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import client from 'prom-client';
import winston from 'winston';
import { loadConfig } from '../../bridge/config/load-config.js';
import { ConfigError } from '../../bridge/errors/index.js';
import { InboxStore } from '../../bridge/state/inbox-store.js';
import { ScheduledBackup } from '../../bridge/state/scheduled-backup.js';
import { openStateStore } from '../../bridge/state/state-store.js';
import { capturingLog } from './support/fakes.js';

/** `state.backup`: the running sidecar backs its state file up on a schedule, on /metrics. */
describe('scheduled state backups (state.backup)', () => {
  const setup = (keep = 7) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-sched-backup-'));
    const file = path.join(dir, 'state.sqlite');
    const db = openStateStore(file);
    new InboxStore(db).insertMany([{ source: 'wms', messageId: 'm1', preset: 'shipbob', topic: 'order.shipped', via: 'webhook', body: '{}' }]);
    const registry = new client.Registry();
    const { log, records } = capturingLog();
    const capture = { records };
    const clock = { t: new Date('2026-11-20T02:30:00Z') };
    const backups = path.join(dir, 'backups');
    const make = () => new ScheduledBackup(file, { dir: backups, schedule: '30 2 * * *', keep }, log, registry, () => clock.t);
    return { dir, file, db, registry, capture, clock, backups, make };
  };
  const metric = async (registry: client.Registry, name: string, labels: Record<string, string> = {}) => {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
    return (m?.values as Array<{ value: number; labels: Record<string, string> }> | undefined)?.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
  };

  it('a run copies the live file into the folder, keeps the newest `keep`, and shows on /metrics and in the log', async () => {
    const s = setup(2);
    try {
      const b = s.make();
      for (const day of ['2026-11-20', '2026-11-21', '2026-11-22']) {
        s.clock.t = new Date(`${day}T02:30:00Z`);
        expect(await b.runOnce()).to.equal('done');
      }
      expect(fs.readdirSync(s.backups).sort()).to.deep.equal(['state-20261121T023000Z.sqlite', 'state-20261122T023000Z.sqlite']);
      expect(await metric(s.registry, 'sync_bridge_state_backup_runs_total', { outcome: 'done' })).to.equal(3);
      expect(await metric(s.registry, 'sync_bridge_state_backup_last_success_timestamp_seconds')).to.equal(Date.parse('2026-11-22T02:30:00Z') / 1000);
      expect(await metric(s.registry, 'sync_bridge_state_backup_last_bytes')).to.equal(fs.statSync(path.join(s.backups, 'state-20261122T023000Z.sqlite')).size);
      const done = s.capture.records.filter((r) => r['message'] === 'state backup done');
      expect(done).to.have.length(3);
      expect(done[2]).to.include({ level: 'info', keep: 2, removed: 1 });
    } finally { s.db.close(); }
  });

  it('a failed run is logged as an error naming the copy and counted; it never throws', async () => {
    const s = setup();
    try {
      fs.writeFileSync(s.backups, 'a file where the folder should be');
      const b = s.make();
      expect(await b.runOnce()).to.equal('failed');
      expect(await metric(s.registry, 'sync_bridge_state_backup_runs_total', { outcome: 'failed' })).to.equal(1);
      expect(await metric(s.registry, 'sync_bridge_state_backup_last_success_timestamp_seconds')).to.equal(undefined);
      const err = s.capture.records.find((r) => r['level'] === 'error');
      expect(String(err?.['message'])).to.match(/^state backup failed: /);
      expect(err?.['file']).to.equal(path.join(s.backups, 'state-20261120T023000Z.sqlite'));
    } finally { s.db.close(); }
  });

  it('at start, the last success is the newest copy already in the folder (alerts hold across restarts); two calls at once make one copy', async () => {
    const s = setup();
    try {
      fs.mkdirSync(s.backups);
      const older = path.join(s.backups, 'state-20261101T023000Z.sqlite');
      const newer = path.join(s.backups, 'state-20261102T023000Z.sqlite');
      fs.writeFileSync(older, 'x'); fs.writeFileSync(newer, 'xyz');
      fs.utimesSync(newer, new Date('2026-11-02T02:31:00Z'), new Date('2026-11-02T02:31:00Z'));
      const b = s.make();
      expect(await metric(s.registry, 'sync_bridge_state_backup_last_success_timestamp_seconds')).to.equal(Date.parse('2026-11-02T02:31:00Z') / 1000);
      expect(await metric(s.registry, 'sync_bridge_state_backup_last_bytes')).to.equal(3);
      const [a, c] = await Promise.all([b.runOnce(), b.runOnce()]);
      expect([a, c]).to.deep.equal(['done', 'done']);
      expect(await metric(s.registry, 'sync_bridge_state_backup_runs_total', { outcome: 'done' })).to.equal(1);
    } finally { s.db.close(); }
  });

  it('start() runs on the schedule and stop() ends it', async function () {
    this.timeout(10_000);
    const s = setup();
    try {
      const registry = new client.Registry();
      const b = new ScheduledBackup(s.file, { dir: s.backups, schedule: '* * * * * *', keep: 3 }, winston.createLogger({ silent: true }), registry).start();
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && (!fs.existsSync(s.backups) || fs.readdirSync(s.backups).length === 0)) await new Promise((r) => setTimeout(r, 100));
      await b.stop();
      const copies = fs.readdirSync(s.backups).length;
      expect(copies, 'a copy within 5 s of an every-second schedule').to.be.greaterThan(0);
      await new Promise((r) => setTimeout(r, 1500));
      expect(fs.readdirSync(s.backups).length, 'no copy after stop()').to.equal(copies);
    } finally { s.db.close(); }
  });

  it('the configuration names a bad schedule or keep; defaults daily at 02:30, 7 copies', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-config-'));
    const file = path.join(dir, 'bridge.config.yaml');
    const env = { ODOO_URL: 'http://127.0.0.1:8069', ODOO_DB: 'db1', ODOO_USERNAME: 'u', ODOO_API_KEY: 'key-1234567890' };
    fs.writeFileSync(file, 'state: { backup: { dir: /srv/backups } }\n');
    expect(loadConfig({ file, env }).config.state.backup).to.deep.equal({ dir: '/srv/backups', schedule: '30 2 * * *', keep: 7 });
    fs.writeFileSync(file, 'state: { backup: { dir: /srv/backups, schedule: daily, keep: 0, every: 1 } }\n');
    try {
      loadConfig({ file, env });
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const issues = (err as ConfigError).issues.join('\n');
      expect(issues).to.match(/state\.backup\.schedule: .*cron expression/);
      expect(issues).to.match(/state\.backup\.keep: .*got 0/);
      expect(issues).to.match(/state\.backup.*every/);
    }
  });
});
