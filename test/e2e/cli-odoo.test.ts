import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { addonVersionProblem, MIN_ADDON_RELEASE } from '../../bridge/odoo/contract.js';
import { createDatabase, dropDatabase } from './support/db-service.js';
import { odooTestEnv, searchRead, serviceEnv, serviceGateway, SERVICE_LOGIN } from './support/odoo-env.js';
import { waitFor } from './support/sidecar.js';
import { DeliveryLog } from '../../bridge/state/delivery-log.js';
import { InboxStore } from '../../bridge/state/inbox-store.js';
import { openStateStore } from '../../bridge/state/state-store.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(root, 'dist/bridge/cli.js');

function run(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', ...env }, encoding: 'utf8', timeout: 60_000 });
}

describe('e2e: the sidecar CLI against real Odoo', function () {
  this.timeout(120_000);
  const env = odooTestEnv();
  before(async () => { await serviceGateway(env); });

  it('check-odoo as the service user: connects, finds the addon and its contract', () => {
    const r = run(['check-odoo'], { ODOO_URL: env.url, ODOO_DB: env.db, ...serviceEnv(env) });
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    const info = JSON.parse(r.stdout) as { contract_version: string; module_version: string };
    expect(String(info.contract_version)).to.equal('1');
    expect(info.module_version).to.match(new RegExp(`^${env.series}\\.0\\.`));
  });

  it('check-odoo against an addon older than the release this sidecar needs: exit 1, naming both versions and "upgrade the addon first"', async () => {
    const [mod] = await env.admin.call<Array<{ id: number; latest_version: string }>>({ model: 'ir.module.module', method: 'search_read', args: [[['name', '=', 'sync_bridge']], ['latest_version']] });
    expect(addonVersionProblem(mod!.latest_version), 'the installed addon is recent enough').to.equal(undefined);
    const [series] = /^\d+\.\d+/.exec(mod!.latest_version)!;
    const older = `${series}.1.0.0`;
    expect(addonVersionProblem(older), `${older} is older than ${MIN_ADDON_RELEASE}`).to.be.a('string');
    try {
      // What Odoo reports for an addon installed before the upgrade (restored below).
      await env.admin.call({ model: 'ir.module.module', method: 'write', args: [[mod!.id], { latest_version: older }] });
      const r = run(['check-odoo'], { ODOO_URL: env.url, ODOO_DB: env.db, ...serviceEnv(env) });
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain(`the sync_bridge addon in Odoo is ${older}; this sidecar needs release ${MIN_ADDON_RELEASE} or newer`).and.to.contain('upgrade the addon first');
      const st = run(['status'], { ODOO_URL: env.url, ODOO_DB: env.db, ...serviceEnv(env) });
      expect(st.status, 'status: the addon does not fit').to.equal(1);
      expect(st.stdout.split('\n')[2]).to.equal(`PROBLEM: the sync_bridge addon in Odoo is ${older}; this sidecar needs release ${MIN_ADDON_RELEASE} or newer (<series>.${MIN_ADDON_RELEASE}): upgrade the addon first (odoo-bin -u sync_bridge), then start the sidecar`);
    } finally {
      await env.admin.call({ model: 'ir.module.module', method: 'write', args: [[mod!.id], { latest_version: mod!.latest_version }] });
    }
    expect(run(['check-odoo'], { ODOO_URL: env.url, ODOO_DB: env.db, ...serviceEnv(env) }).status, 'restored').to.equal(0);
  });

  it('wrong API key: exit 1 with a sentence naming login and database, no secret echoed', () => {
    const r = run(['check-odoo'], { ODOO_URL: env.url, ODOO_DB: env.db, ODOO_USERNAME: SERVICE_LOGIN, ODOO_API_KEY: 'wrong-key-0987654321' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(new RegExp(`refused login '${SERVICE_LOGIN}' on database '${env.db}'`));
    expect(r.stderr).not.to.contain('wrong-key-0987654321');
  });

  it('status prints the versions on each side, then one row per target; --json gives the same as one object', async () => {
    const [mod] = await env.admin.call<Array<{ latest_version: string }>>({ model: 'ir.module.module', method: 'search_read', args: [[['name', '=', 'sync_bridge']], ['latest_version']] });
    const targets = await searchRead<{ code: string }>(env.admin, 'sync.target', [], ['code'], { context: { active_test: false } });
    const r = run(['status'], { ODOO_URL: env.url, ODOO_DB: env.db, ...serviceEnv(env) });
    expect(r.stderr).to.equal('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).to.match(new RegExp(`^sidecar \\S+ \\(Odoo contract 1, needs addon release ${MIN_ADDON_RELEASE.replace(/\./g, '\\.')} or newer\\)$`));
    expect(lines[1]).to.match(new RegExp(`^Odoo ${env.series}\\.0\\S* at ${env.url.replace(/[.?]/g, '\\$&')}, database ${env.db}, over ${env.protocol}; addon sync_bridge ${mod!.latest_version.replace(/\./g, '\\.')} \\(contract 1\\)$`));
    expect(lines[2]).to.equal('');
    expect(lines[3]).to.match(/^target\s+pending\s+in_progress\s+failed\s+dead\s+oldest_pending/);
    expect(lines.slice(4, 4 + targets.length).map((l) => l.split(/\s+/)[0]).sort()).to.deep.equal(targets.map((t) => t.code).sort());
    expect([0, 1]).to.include(r.status);

    const j = run(['status', '--json'], { ODOO_URL: env.url, ODOO_DB: env.db, ...serviceEnv(env) });
    expect(j.status).to.equal(r.status);
    const doc = JSON.parse(j.stdout) as { versions: { odoo: { series: number; protocol: string }; addon: { module_version: string }; problem?: string }; targets: Array<{ target: string; pending: number }> };
    expect(doc.versions.odoo).to.include({ series: env.series, protocol: env.protocol });
    expect(doc.versions.addon.module_version).to.equal(mod!.latest_version);
    expect(doc.versions.problem).to.equal(undefined);
    expect(doc.targets.map((t) => t.target).sort()).to.deep.equal(targets.map((t) => t.code).sort());
    expect(run(['status', '--jsn'], { ODOO_URL: env.url, ODOO_DB: env.db, ...serviceEnv(env) }).status, 'usage').to.equal(2);
  });

  it('support-bundle: one JSON file with versions, config references, queue, state, failures and rejections; no secret, payload or body in it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-support-'));
    const stateFile = path.join(dir, 'state.sqlite');
    const token = 'tok-SUPPORT-5f1e9a77c3';
    const body = 'customer body 1 Main St';
    // A state file as a sidecar leaves it: a failed attempt whose error echoes the token, a rejected message.
    const db = openStateStore(stateFile);
    new DeliveryLog(db, { payloads: true }).record({
      event_id: 7, attempt: 2, target: 'wms_support', event_type: 'release', model: 'sale.order', res_id: 42, idempotency_key: 'k7',
      correlation_id: 'c7', outcome: 'failed', error_class: 'PermanentError', error_message: `HTTP 400 (token ${token} refused)`, payload: { secret_payload: body },
    });
    const inbox = new InboxStore(db);
    inbox.insert({ source: 'wms_support', messageId: 'm-1', preset: 'shipbob', topic: 'order.shipped', via: 'webhook', body, rejectedReason: 'data.products: expected an array' });
    db.close();
    const free = spawnSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})"], { encoding: 'utf8' });
    const cfg = path.join(dir, 'bridge.config.yaml');
    fs.writeFileSync(cfg, `odoo: { url: '${env.url}', db: '${env.db}', username: ${SERVICE_LOGIN}, api_key: { env: ODOO_API_KEY } }
state: { path: '${stateFile}' }
server: { port: ${free.stdout.trim()}, host: 127.0.0.1 }
mappings: { dir: '${path.join(root, 'mappings')}' }
targets:
  wms_support: { preset: shipbob, base_url: 'https://user:pw-in-url@api.example.com/2026-01/', auth: { type: bearer, token: { env: SHIPBOB_TOKEN } } }
`);
    const outFile = path.join(dir, 'bundle.json');
    const r = run(['support-bundle', '--config', cfg, '--out', outFile], { ...serviceEnv(env), SHIPBOB_TOKEN: token });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('collecting versions ... ok').and.to.contain('collecting odoo_queue ... ok').and.to.contain(`wrote ${outFile}`);
    expect(fs.statSync(outFile).mode & 0o777, 'readable by its owner only').to.equal(0o600);
    const text = fs.readFileSync(outFile, 'utf8');
    for (const secret of [token, serviceEnv(env).ODOO_API_KEY, 'pw-in-url', body]) expect(text, 'secret or data in the bundle').not.to.contain(secret);
    const b = JSON.parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(b.versions.addon.module_version).to.match(new RegExp(`^${env.series}\\.0\\.`));
    expect(b.versions.odoo.protocol).to.equal(env.protocol);
    expect(b.odoo_queue).to.be.an('array');
    expect(b.config.values.odoo.api_key, 'the reference, not the value').to.deep.equal({ env: 'ODOO_API_KEY' });
    expect(b.config.values.targets.wms_support.base_url).to.equal('https://[userinfo removed]@api.example.com/2026-01/');
    expect(b.environment_variables_set).to.include('ODOO_API_KEY').and.not.to.include('SHIPBOB_TOKEN');
    expect(b.state_file.rows).to.include({ delivery_log: 1, inbox: 1 });
    expect(b.delivery_failures).to.have.length(1);
    expect(b.delivery_failures[0]).to.include({ event_id: 7, outcome: 'failed', error_message: 'HTTP 400 (token [REDACTED] refused)' });
    expect(b.delivery_failures[0]).not.to.have.property('payload');
    expect(b.inbox.rejected[0]).to.include({ source: 'wms_support', topic: 'order.shipped', last_error: 'data.products: expected an array' });
    expect(b.inbox.rejected[0]).not.to.have.property('body');
    expect(b.mappings.problems).to.deep.equal([]);
    expect(b.mappings.files.map((f: { file: string }) => path.relative(root, f.file))).to.include('mappings/shipbob/order_release.yaml');
    expect(b.sidecar_readyz).to.have.property('unreachable');
  });

  it('start refuses mappings that read a field this Odoo does not have, naming file and field', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-badmap-'));
    fs.mkdirSync(path.join(dir, 'shipbob'));
    const src = fs.readFileSync(path.join(root, 'mappings/shipbob/order_release.yaml'), 'utf8');
    expect(src).to.contain('partner_shipping_id.city');
    fs.writeFileSync(path.join(dir, 'shipbob/order_release.yaml'), src.replace('partner_shipping_id.city', 'partner_shipping_id.city_of_nowhere'));
    const cfg = path.join(dir, 'bridge.config.yaml');
    fs.writeFileSync(cfg, `odoo: { url: '${env.url}', db: '${env.db}', username: ${SERVICE_LOGIN}, api_key: { env: ODOO_API_KEY } }
state: { path: '${path.join(dir, 'state.sqlite')}' }
server: { port: 0, host: 127.0.0.1 }
mappings: { dir: '${dir}' }
targets:
  wms_badmap: { preset: shipbob, base_url: 'http://127.0.0.1:9/', auth: { type: bearer, token: { env: SHIPBOB_TOKEN } } }
`);
    const r = run(['start', '--config', cfg], { ...serviceEnv(env), SHIPBOB_TOKEN: 'tok-123456' });
    expect(r.status).to.equal(1);
    // file:line:col of the path in the mapping, the construct, then the field path (as `mappings check` prints)
    expect(r.stderr).to.match(/shipbob\/order_release\.yaml:\d+:\d+ fields\.\S+: partner_shipping_id\.city_of_nowhere: no field 'city_of_nowhere' on res\.partner/);
  });

  it('start: the shipped order release reads the line unit as product_uom on every series; the Odoo 19 name read on 18 (or 17) is refused naming the name on that series', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-renamed-'));
    fs.mkdirSync(path.join(dir, 'shipbob'));
    const src = fs.readFileSync(path.join(root, 'mappings/shipbob/order_release.yaml'), 'utf8');
    expect(src).to.contain('from: product_uom,');
    // the line unit by its Odoo 19 name, plus a field no series has
    fs.writeFileSync(path.join(dir, 'shipbob/order_release.yaml'), src.replace('from: product_uom,', 'from: product_uom_id,').replace('partner_shipping_id.city', 'partner_shipping_id.city_of_nowhere'));
    const cfg = path.join(dir, 'bridge.config.yaml');
    fs.writeFileSync(cfg, `odoo: { url: '${env.url}', db: '${env.db}', username: ${SERVICE_LOGIN}, api_key: { env: ODOO_API_KEY } }
state: { path: '${path.join(dir, 'state.sqlite')}' }
server: { port: 0, host: 127.0.0.1 }
mappings: { dir: '${dir}' }
targets:
  wms_renamed: { preset: shipbob, base_url: 'http://127.0.0.1:9/', auth: { type: bearer, token: { env: SHIPBOB_TOKEN } } }
`);
    const r = run(['start', '--config', cfg], { ...serviceEnv(env), SHIPBOB_TOKEN: 'tok-123456' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/order_release\.yaml:\d+:\d+ \S+: partner_shipping_id\.city_of_nowhere: no field 'city_of_nowhere'/);
    if (env.series >= 19) expect(r.stderr, 'the 19 name works as is on 19').not.to.contain('product_uom_id');
    else expect(r.stderr).to.match(new RegExp(`order_release\\.yaml:\\d+:\\d+ \\S+: order_line\\.product_uom_id: no field 'product_uom_id' on sale\\.order\\.line in this Odoo ${env.series} \\('product_uom_id' is its name since Odoo 19; on Odoo ${env.series} it is called 'product_uom'\\)`));
  });

  it('a second sidecar on the same state file stops at once (exit 78) naming the running one; the file is free again after it stops', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-lock-'));
    const cfg = path.join(dir, 'bridge.config.yaml');
    fs.writeFileSync(cfg, `odoo: { url: '${env.url}', db: '${env.db}', username: ${SERVICE_LOGIN}, api_key: { env: ODOO_API_KEY } }
state: { path: '${path.join(dir, 'state.sqlite')}' }
server: { port: 0, host: 127.0.0.1 }
mappings: { dir: '${path.join(dir, 'no-mappings')}' }
targets: {}
`);
    fs.mkdirSync(path.join(dir, 'no-mappings'));
    const envVars = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...serviceEnv(env) };
    const first = spawn(process.execPath, [cli, 'start', '--config', cfg], { env: envVars, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    first.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    first.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    try {
      await waitFor('the first sidecar started', async () => out.includes('sidecar started') || first.exitCode !== null, 60_000, 100);
      expect(first.exitCode, out).to.equal(null);
      const second = run(['start', '--config', cfg], serviceEnv(env));
      expect(second.status).to.equal(78);
      expect(second.stderr).to.match(new RegExp(`state\\.path: .*state\\.sqlite is in use by sidecar pid ${first.pid} on host `));
    } finally {
      first.kill('SIGTERM');
      await new Promise((r) => first.once('exit', r));
    }
    expect(first.exitCode).to.equal(0);
    expect(fs.existsSync(path.join(dir, 'state.sqlite.lock')), 'released on stop').to.equal(false);
  });

  it('a database without the sync_bridge addon: exit 1, saying the addon is not installed there', async function () {
    this.timeout(600_000);
    // a database made here has no API key for its administrator, and JSON-2 takes no password
    if (env.protocol === 'json2') this.skip();
    const bare = `${env.db}_noaddon_${process.pid}_${Date.now() % 100000}`;
    await dropDatabase(env.url, bare);
    await createDatabase(env.url, bare);
    try {
      const r = run(['check-odoo'], { ODOO_URL: env.url, ODOO_DB: bare, ODOO_USERNAME: 'admin', ODOO_API_KEY: 'admin' });
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain(`the sync_bridge addon is not installed in Odoo database '${bare}'`);
    } finally {
      await dropDatabase(env.url, bare);
    }
  });
});
