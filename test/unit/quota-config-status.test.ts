import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { formatQuota, storedQuota } from '../../bridge/cli/status.js';
import { configSchema } from '../../bridge/config/schema.js';
import { loadConfig } from '../../bridge/config/load-config.js';
import { quotaPolicyOf } from '../../bridge/connectors/base-connector.js';
import { ConfigError } from '../../bridge/errors/index.js';
import { QuotaRecorder, QuotaStore } from '../../bridge/state/quota-store.js';
import { openStateStore } from '../../bridge/state/state-store.js';

const ENV = { ODOO_URL: 'http://127.0.0.1:8069', ODOO_DB: 'db1', ODOO_USERNAME: 'sync-bot', ODOO_API_KEY: 'key-1234567890' };

function configFile(targetLines: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-quota-config-'));
  const file = path.join(dir, 'bridge.config.yaml');
  fs.writeFileSync(file, ['targets:', '  crm:', '    preset: hubspot', '    base_url: https://api.hubapi.com', '    auth: { type: bearer, token: { env: T } }', ...targetLines.map((l) => `    ${l}`), ''].join('\n'));
  return file;
}

function issues(lines: string[]): string {
  try {
    loadConfig({ file: configFile(lines), env: { ...ENV } });
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).issues.join('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('config: targets.<code>.quota_reserve_percent / quota_warn_percent', () => {
  it('defaults: reserve 10 %, warning at 20 % (or at the reserve when that is higher)', () => {
    const c = loadConfig({ file: configFile([]), env: { ...ENV } }).config;
    expect(c.targets.crm!.quota_reserve_percent).to.equal(10);
    expect(quotaPolicyOf(c.targets.crm!)).to.deep.equal({ reservePercent: 10, warnPercent: 20 });
    const high = loadConfig({ file: configFile(['quota_reserve_percent: 30']), env: { ...ENV } }).config;
    expect(quotaPolicyOf(high.targets.crm!)).to.deep.equal({ reservePercent: 30, warnPercent: 30 });
    const off = loadConfig({ file: configFile(['quota_reserve_percent: 0', 'quota_warn_percent: 0']), env: { ...ENV } }).config;
    expect(quotaPolicyOf(off.targets.crm!)).to.deep.equal({ reservePercent: 0, warnPercent: 0 });
  });

  it('bad values name the key, the value and what is allowed', () => {
    expect(issues(['quota_reserve_percent: 95'])).to.match(/targets\.crm\.quota_reserve_percent: a percentage from 0 \(off\) to 90 \(got 95\)/);
    expect(issues(['quota_reserve_percent: -1'])).to.match(/targets\.crm\.quota_reserve_percent: a percentage from 0 \(off\) to 90 \(got -1\)/);
    expect(issues(['quota_reserve_percent: "ten"'])).to.match(/targets\.crm\.quota_reserve_percent: a percentage from 0 \(off\) to 90 \(got "ten"\)/);
    expect(issues(['quota_warn_percent: 101'])).to.match(/targets\.crm\.quota_warn_percent: a percentage from 0 \(off\) to 100 \(got 101\)/);
    expect(issues(['quota_reserve_percent: 25', 'quota_warn_percent: 15'])).to.match(/targets\.crm\.quota_warn_percent: must be at least quota_reserve_percent \(25\), or 0 for no warning/);
    expect(issues(['quota_reserv_percent: 5'])).to.match(/targets\.crm.*quota_reserv_percent/);
  });
});

describe('quota observations in the state file, and `sync-bridge status`', () => {
  const T0 = 1_800_000_000_000;

  it('QuotaStore keeps the newest observation per target and window; an older one never replaces it', () => {
    const store = new QuotaStore(openStateStore(':memory:'));
    store.save('crm', { window: 'daily', remaining: 50, limit: 1000, observedAt: T0 });
    store.save('crm', { window: 'daily', remaining: 70, limit: 1000, observedAt: T0 - 1 });
    store.save('crm', { window: 'burst', remaining: 9, limit: 10, intervalMs: 10_000, observedAt: T0 });
    store.save('wms', { window: 'burst', remaining: 140, observedAt: T0 });
    expect(store.forTarget('crm')).to.deep.equal([
      { window: 'burst', remaining: 9, limit: 10, intervalMs: 10_000, observedAt: T0 },
      { window: 'daily', remaining: 50, limit: 1000, observedAt: T0 },
    ]);
    expect(store.list().map((o) => `${o.target}/${o.window}`)).to.deep.equal(['crm/burst', 'crm/daily', 'wms/burst']);
  });

  it('QuotaRecorder writes at most once per target and window per interval, at once on a level change, and the rest on flush', () => {
    const store = new QuotaStore(openStateStore(':memory:'));
    const rec = new QuotaRecorder(5_000);
    const daily = (remaining: number, at: number) => ({ window: 'daily' as const, remaining, limit: 1000, observedAt: at });
    rec.record('crm', [daily(500, T0)], undefined);
    expect(store.forTarget('crm'), 'not attached yet: nothing written').to.deep.equal([]);
    rec.attach(store);
    rec.record('crm', [daily(400, T0)], undefined);
    rec.record('crm', [daily(399, T0 + 1000)], undefined);
    expect(store.forTarget('crm')[0]!.remaining, 'throttled').to.equal(400);
    rec.record('crm', [daily(90, T0 + 2000)], { target: 'crm', from: 'low', to: 'reserve', observation: daily(90, T0 + 2000) });
    expect(store.forTarget('crm')[0]!.remaining, 'a crossing is written at once').to.equal(90);
    rec.record('crm', [daily(89, T0 + 3000)], undefined);
    expect(store.forTarget('crm')[0]!.remaining).to.equal(90);
    rec.flush();
    expect(store.forTarget('crm')[0]!.remaining, 'flushed at stop').to.equal(89);
    rec.record('crm', [daily(88, T0 + 7000)], undefined);
    expect(store.forTarget('crm')[0]!.remaining, 'interval over').to.equal(88);
  });

  it('status lists each target\'s last observation from the state file, judged with the target\'s own reserve', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-quota-status-'));
    const file = path.join(dir, 'state.sqlite');
    const db = openStateStore(file);
    const store = new QuotaStore(db);
    store.save('crm_hs', { window: 'daily', remaining: 80, limit: 1000, observedAt: T0 - 90_000 });
    store.save('crm_hs', { window: 'burst', remaining: 99, limit: 100, intervalMs: 10_000, observedAt: T0 - 5_000 });
    store.save('crm_sf', { window: 'daily', remaining: 150, limit: 1000, observedAt: T0 - 3 * 3600_000 });
    store.save('crm_old', { window: 'daily', remaining: 10, limit: 1000, observedAt: T0 - 3 * 3600_000 });
    store.save('wms', { window: 'burst', remaining: 140, observedAt: T0 - 30_000 });
    db.close();
    const auth = { type: 'bearer', token: { env: 'T' } };
    const config = configSchema.parse({
      odoo: { url: 'http://o', db: 'd', username: 'u', api_key: { env: 'K' } }, state: { path: file },
      targets: {
        crm_hs: { preset: 'hubspot', base_url: 'https://api.hubapi.com', auth },
        crm_sf: { preset: 'salesforce', base_url: 'https://x.my.salesforce.com/services/data/v61.0/', auth, quota_reserve_percent: 0 },
        crm_old: { preset: 'hubspot', base_url: 'https://api.hubapi.com', auth },
        wms: { preset: 'shipbob', base_url: 'https://api.shipbob.com/2026-01/', auth },
      },
    });
    const reports = storedQuota(config, T0);
    expect(reports.crm_hs).to.deep.include({ level: 'reserve', reservePercent: 10, batchHeldBack: true });
    expect(reports.crm_sf).to.deep.include({ level: 'low', reservePercent: 0, batchHeldBack: false });
    expect(reports.crm_old, 'below the reserve, but 3 h old: due for a re-check').to.deep.include({ level: 'reserve', batchHeldBack: false });
    expect(formatQuota(reports).split('\n')).to.deep.equal([
      'target   window  remaining  limit  left  observed  note',
      'crm_hs   burst   99         100    99%   5s ago',
      'crm_hs   daily   80         1000   8%    90s ago   below the 10% reserve: reconciliation held back',
      'crm_old  daily   10         1000   1%    3h ago    below the 10% reserve (observation old: the next reconciliation request re-checks)',
      'crm_sf   daily   150        1000   15%   3h ago    below 20%',
      'wms      burst   140        -      -     30s ago',
      '',
    ]);
    expect(storedQuota({ ...config, state: { ...config.state, path: path.join(dir, 'none.sqlite') } }, T0), 'no state file: nothing, and none created').to.deep.equal({});
    expect(fs.existsSync(path.join(dir, 'none.sqlite'))).to.equal(false);
  });
});
