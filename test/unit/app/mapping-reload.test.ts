import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { expect } from 'chai';
import client from 'prom-client';
import type { Logger } from '../../../bridge/log/logger.js';
import { LiveMappings, loadMappingSet, setVersions, type MappingSet } from '../../../bridge/app/live-mappings.js';
import { MappingMetrics, MappingReloader, type ReloadResult } from '../../../bridge/app/mapping-reload.js';
import { mappingFieldProblems } from '../../../bridge/app/check-mapping-fields.js';
import { mappingSetReport } from '../../../bridge/app/mapping-report.js';
import { SignalWatch } from '../../../bridge/app/signal-watch.js';
import { TransientError } from '../../../bridge/errors/index.js';
import type { OdooGateway } from '../../../bridge/odoo/odoo-gateway.js';
import { createServer } from '../../../bridge/server/create-server.js';
import { mappingReloadRouter, type Reloader } from '../../../bridge/server/mapping-reload-route.js';
import { mappingsReload, sidecarUrl } from '../../../bridge/cli/mappings-reload.js';
import { BridgeMetrics } from '../../../bridge/runtime/metrics.js';
import { MappingStore } from '../../../bridge/state/mapping-store.js';
import { openStateStore } from '../../../bridge/state/state-store.js';
import { repoRoot, target } from '../inbound/helpers.js';
import type { Connector, DeliveryResult } from '../../../bridge/connectors/connector.js';
import type { ClaimedEvent, OdooContract, WebReadSpec } from '../../../bridge/odoo/contract.js';
import type { OutboundMapper } from '../../../bridge/runtime/ports.js';
import { Worker } from '../../../bridge/runtime/worker.js';
import { WritebackQueue } from '../../../bridge/state/writeback-queue.js';
import { Redactor } from '../../../bridge/log/redact.js';

/** A logger recording every line (level and message); child() shares the record. */
function recordingLog(): Logger & { lines: Array<{ level: string; message: string; meta: Record<string, unknown> }> } {
  const lines: Array<{ level: string; message: string; meta: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, meta: Record<string, unknown> = {}) => { lines.push({ level, message, meta }); };
  const log = { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), child: () => log };
  return log as unknown as Logger & { lines: typeof lines };
}

/**
 * An Odoo whose models have every field except those whose name contains 'nowhere'; every field
 * is a relation (so nested paths resolve).
 */
const anyFieldOdoo = {
  serverVersion: async () => '18.0',
  call: async () => new Proxy({}, { get: (_t, name) => (String(name).includes('nowhere') ? undefined : { type: 'many2one', relation: 'some.model' }) }),
} as unknown as OdooGateway;

const TARGETS = { wms: target('shipbob') };

describe('mapping reload (all or nothing, without a restart)', () => {
  let dir: string;
  let release: string;
  let live: LiveMappings;
  let metrics: client.Registry;
  let store: MappingStore;
  let log: ReturnType<typeof recordingLog>;
  let checkFields: (specs: Parameters<typeof mappingFieldProblems>[1]) => Promise<string[]>;
  let reloader: MappingReloader;
  const load = (): MappingSet => loadMappingSet({ dir, targets: TARGETS });
  const metric = async (name: string) => (await metrics.getSingleMetric(name)!.get()).values;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-reload-'));
    fs.cpSync(path.join(repoRoot, 'mappings/shipbob'), path.join(dir, 'shipbob'), { recursive: true });
    release = path.join(dir, 'shipbob/order_release.yaml');
    live = new LiveMappings(load());
    metrics = new client.Registry();
    store = new MappingStore(openStateStore(':memory:'));
    log = recordingLog();
    checkFields = (specs) => mappingFieldProblems(anyFieldOdoo, specs);
    reloader = new MappingReloader({
      live, load, log, checkFields: (specs) => checkFields(specs),
      remember: (set) => { set.registry.useStore(store); }, metrics: new MappingMetrics(metrics),
    });
  });

  const edit = (file: string, from: string | RegExp, to: string) => {
    const text = fs.readFileSync(file, 'utf8');
    const next = text.replace(from, to);
    expect(next, `edit of ${file}`).not.to.equal(text);
    fs.writeFileSync(file, next);
  };

  it('a valid change goes live: the changed file with both versions, the rest unchanged, versions recorded, metrics', async () => {
    const before = live.current();
    const oldVersion = before.registry.find('wms', 'sale.order', 'release').version;
    const files = setVersions(before).size;
    expect(files).to.be.greaterThan(5);
    edit(release, /^ {2}order_number: name$/m, '  order_number: { concat: [{ const: "V2-" }, name] }');
    const r = await reloader.reload('test');
    expect(r.outcome).to.equal('ok');
    const ok = r as Extract<ReloadResult, { outcome: 'ok' }>;
    const newVersion = live.registry().find('wms', 'sale.order', 'release').version;
    expect(newVersion).to.match(/^[0-9a-f]{64}$/).and.not.equal(oldVersion);
    expect(ok.changed).to.deep.equal([{ file: release, old_version: oldVersion, new_version: newVersion }]);
    expect(ok.unchanged).to.equal(files - 1);
    expect(live.current()).not.to.equal(before);
    expect(store.get(newVersion)?.source, 'the new version is in the state file (pinned replays)').to.contain('V2-');
    expect(log.lines.find((l) => l.message === 'mappings reloaded')?.meta.changed).to.deep.equal(ok.changed);

    expect((await metric('sync_bridge_mapping_reloads_total')).find((v) => v.labels.outcome === 'ok')?.value).to.equal(1);
    expect((await metric('sync_bridge_mapping_last_reload_success'))[0]?.value).to.equal(1);
    const info = (await metric('sync_bridge_mapping_info')).filter((v) => v.labels.file === release);
    expect(info.map((v) => [v.labels.version, v.value]), 'only the live version of the file').to.deep.equal([[newVersion, 1]]);
    expect(await metrics.metrics()).to.contain(`sync_bridge_mapping_info{file="${release}",version="${newVersion}"} 1`);

    const report = mappingSetReport(live, reloader.last);
    expect(report).to.deep.include({ outbound: live.registry().count(), files });
    expect(report.last_reload).to.deep.include({ outcome: 'ok', trigger: 'test' });
  });

  it('the next claim asks Odoo for the fields of the new mappings; a claim taken before keeps its set', async () => {
    const claimedBefore = live.snapshot();
    expect(claimedBefore.specs(['wms'])['sale.order']).not.to.have.property('client_order_ref');
    edit(release, /^ {2}order_number: name$/m, '  order_number: { first: [client_order_ref, name] }');
    expect((await reloader.reload('test')).outcome).to.equal('ok');
    expect(live.snapshot().specs(['wms'])['sale.order']).to.have.property('client_order_ref');
    expect(live.specs(['wms'])['sale.order']).to.have.property('client_order_ref');
    expect(claimedBefore.specs(['wms'])['sale.order'], 'in-flight work keeps the set it started with').not.to.have.property('client_order_ref');
  });

  it('inbound mappings and reconciliation see the new set too (inbox messages, stock pages, CRM properties)', async () => {
    const inv = path.join(dir, 'shipbob/inventory_levels.yaml');
    const before = live.current().inbound.mapping('wms', 'inventory.polled');
    expect(before?.file).to.equal(inv);
    fs.appendFileSync(inv, '\n# a comment does not change the version\n');
    edit(inv, 'source: { const: shipbob }', 'source: { const: shipbob-reloaded }');
    const r = await reloader.reload('test');
    expect(r.outcome).to.equal('ok');
    const after = live.current().inbound.mapping('wms', 'inventory.polled');
    expect(after?.version).to.not.equal(before?.version);
    expect((r as Extract<ReloadResult, { outcome: 'ok' }>).changed.map((c) => c.file)).to.deep.equal([inv]);
    expect(live.registry().upsertSource('wms', 'product.product'), 'master-data reconciliation reads the live upsert mapping').to.equal(fs.readFileSync(path.join(dir, 'shipbob/product_upsert.yaml'), 'utf8'));
    // the inbox processor's preparer delegates to whichever set is live when a message is taken
    const fakeSet = (v: string) => ({ ...live.current(), inbound: { ...live.current().inbound, prepare: async () => ({ item: {} as never, mappingVersion: v, input: {} }), count: () => 0, fileVersions: () => new Map(), mapping: () => undefined } });
    const holder = new LiveMappings(fakeSet('A'));
    expect((await holder.preparer.prepare({} as never)).mappingVersion).to.equal('A');
    holder.swap(fakeSet('B'));
    expect((await holder.preparer.prepare({} as never)).mappingVersion).to.equal('B');
  });

  it('an invalid change is refused with every problem (file:line:col), logged one per line; the old set stays live', async () => {
    const before = live.current();
    edit(release, /^ {2}order_number: name$/m, '  order_number: { pth: name }');
    edit(path.join(dir, 'shipbob/order_cancel.yaml'), /^source: .*$/m, 'source: sale.order\nbogus_key: 1');
    const r = await reloader.reload('test');
    expect(r.outcome).to.equal('invalid');
    const problems = (r as Extract<ReloadResult, { outcome: 'invalid' }>).problems;
    expect(problems.some((p) => p.startsWith(`${release}:16:`) && /order_number/.test(p)), problems.join('\n')).to.equal(true);
    expect(problems.some((p) => new RegExp(`^${path.join(dir, 'shipbob/order_cancel.yaml')}:\\d+:\\d+ `).test(p)), problems.join('\n')).to.equal(true);
    expect(new Set(problems).size, 'each problem once').to.equal(problems.length);
    expect(live.current()).to.equal(before);
    for (const p of problems) expect(log.lines.some((l) => l.level === 'error' && l.message === p), p).to.equal(true);
    expect((await metric('sync_bridge_mapping_reloads_total')).find((v) => v.labels.outcome === 'invalid')?.value).to.equal(1);
    expect((await metric('sync_bridge_mapping_last_reload_success'))[0]?.value).to.equal(0);
    const info = (await metric('sync_bridge_mapping_info')).filter((v) => v.labels.file === release);
    expect(info.map((v) => v.labels.version)).to.deep.equal([before.registry.find('wms', 'sale.order', 'release').version]);
    expect(mappingSetReport(live, reloader.last).last_reload).to.deep.include({ outcome: 'invalid' });
  });

  it('a mapping reading a field this Odoo does not have is refused, naming file:line:col and the field', async () => {
    const before = live.current();
    edit(release, 'partner_shipping_id.city', 'partner_shipping_id.city_of_nowhere');
    const r = await reloader.reload('test');
    expect(r.outcome).to.equal('invalid');
    const problems = (r as Extract<ReloadResult, { outcome: 'invalid' }>).problems;
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(new RegExp(`^${release}:\\d+:\\d+ fields\\.\\S+: partner_shipping_id\\.city_of_nowhere: no field 'city_of_nowhere' on some\\.model`));
    expect(live.current()).to.equal(before);
  });

  it('Odoo not answering the field check is an error, not a verdict on the mappings: the old set stays', async () => {
    const before = live.current();
    edit(release, /^ {2}order_number: name$/m, '  order_number: { concat: [{ const: "V3-" }, name] }');
    checkFields = async () => { throw new TransientError('Odoo unreachable (ECONNREFUSED)'); };
    const r = await reloader.reload('test');
    expect(r.outcome).to.equal('error');
    expect((r as { message: string }).message).to.match(/field check could not run: Odoo unreachable/);
    expect(live.current()).to.equal(before);
    expect((await metric('sync_bridge_mapping_reloads_total')).find((v) => v.labels.outcome === 'error')?.value).to.equal(1);
  });

  it('refuses a second reload while one runs; the next one after it runs', async () => {
    let release1: (() => void) | undefined;
    checkFields = () => new Promise((resolve) => { release1 = () => resolve([]); });
    const first = reloader.reload('test');
    await new Promise((r) => setImmediate(r));
    const second = await reloader.reload('test');
    expect(second.outcome).to.equal('busy');
    release1!();
    expect((await first).outcome).to.equal('ok');
    checkFields = async () => [];
    expect((await reloader.reload('test')).outcome).to.equal('ok');
  });
});

describe('worker and a reload: a claim and the deliveries of its events use one mapping set', () => {
  it('a reload landing while a claim is in flight: its events are delivered with the set it was claimed with; the next claim asks for the new fields', async () => {
    const set = (version: string, spec: WebReadSpec): OutboundMapper => ({
      specs: () => ({ 'sale.order': spec }), count: () => 1,
      map: async () => ({ kind: 'order', payload: { v: version }, mappingVersion: version }),
    });
    const live = new LiveMappings({ mapper: set('v1', { name: {} }) } as unknown as MappingSet);
    const specsAsked: WebReadSpec[] = [];
    const acks: Array<{ id: number; mapping_version?: string }> = [];
    let nextId = 1;
    const event = (id: number): ClaimedEvent => ({
      id, target: 'wms', event_type: 'release', model: 'sale.order', res_id: id, aggregate_key: `so-${id}`, idempotency_key: `k${id}`, attempts: 1,
      lease_token: `t${id}`, lease_expires_at: '2099-01-01 00:00:00', trace_id: false, created_at: '2026-01-01 00:00:00', mapping_version: false, external_ref: false, record: { id },
    });
    const contract = {
      claim: async (_w: string, _t: string[], _l: number, _s: number, specs: Record<string, WebReadSpec>) => {
        specsAsked.push(specs['sale.order']!);
        // the reload lands while Odoo answers the first claim (read with v1's fields)
        if (nextId === 1) live.swap({ mapper: set('v2', { name: {}, client_order_ref: {} }) } as unknown as MappingSet);
        return nextId <= 2 ? [event(nextId++)] : [];
      },
      heartbeat: async () => ({ ok: [], refused: [] }),
      release: async () => ({ ok: [], refused: [] }),
      ack: async (items: Array<{ id: number; mapping_version?: string }>) => { acks.push(...items); return { ok: items.map((i) => i.id), refused: [] }; },
      nack: async () => ({ ok: [], refused: [] }),
    } as unknown as OdooContract;
    const connector: Connector = { code: 'wms', preset: 'shipbob', deliver: async (): Promise<DeliveryResult> => ({ summary: 'ok' }), circuitState: () => 'closed', pausedForMs: () => 0 } as unknown as Connector;
    const connectors = new Map([['wms', connector]]);
    const writeback = new WritebackQueue(openStateStore(':memory:'));
    const metrics = new BridgeMetrics();
    const log = recordingLog();
    const worker = new Worker({ workerId: 'w', batchSize: 1, leaseSeconds: 60, concurrency: 1, pollMinMs: 5, pollMaxMs: 5 }, contract, connectors, writeback,
      { mapper: live, connectors, writeback, metrics, redactor: new Redactor(), log, retry: { maxAttempts: 3, baseMs: 10, maxMs: 10 } }, metrics, log);
    const until = async (cond: () => boolean) => { for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5)); };
    worker.start();
    try {
      await until(() => acks.length >= 2);
      expect(acks.map((a) => [a.id, a.mapping_version])).to.deep.equal([[1, 'v1'], [2, 'v2']]);
      expect(specsAsked[0]).to.deep.equal({ name: {} });
      expect(specsAsked.at(-1)).to.deep.equal({ name: {}, client_order_ref: {} });
    } finally {
      await worker.stop(1000);
    }
  });
});

describe('POST /admin/mappings/reload', () => {
  let server: Server;
  let url: string;
  let next: ReloadResult;
  const calls: string[] = [];
  const fake: Reloader = { reload: async (trigger, correlationId) => { calls.push(`${trigger}:${correlationId ?? ''}`); return { ...next, correlationId: correlationId ?? 'x' } as ReloadResult; } };

  before(async () => {
    const app = createServer({
      metrics: new BridgeMetrics(), adminToken: 'admin-token-for-tests',
      readiness: { check: async () => ({ ready: true, odoo: 'ok', mappings: '', targets: {} }) },
      mount: (a, requireAdmin) => { a.use(mappingReloadRouter(fake, requireAdmin)); },
    });
    server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/mappings/reload`;
  });
  after(() => { server.close(); });

  const post = async (token?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { method: 'POST', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('needs the admin token (401 without or with a wrong one; nothing reloaded)', async () => {
    calls.length = 0;
    expect((await post()).status).to.equal(401);
    expect((await post('wrong-token-for-tests-xxxx')).status).to.equal(401);
    expect(calls).to.deep.equal([]);
  });

  it('answers 200 with the changed files, 422 with the problems, 409 while one runs, 503 when the check cannot run', async () => {
    next = { outcome: 'ok', correlationId: '', changed: [{ file: 'a.yaml', old_version: 'v1', new_version: 'v2' }], unchanged: 3 };
    const ok = await post('admin-token-for-tests', { 'x-correlation-id': 'reload-42' });
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.equal({ reloaded: true, changed: [{ file: 'a.yaml', old_version: 'v1', new_version: 'v2' }], unchanged: 3, correlation_id: 'reload-42' });
    expect(calls.at(-1)).to.equal('http:reload-42');
    next = { outcome: 'invalid', correlationId: '', message: '2 problem(s)', problems: ['a.yaml:1:1 x: bad', 'b.yaml:2:3 y: bad'] };
    const bad = await post('admin-token-for-tests');
    expect(bad.status).to.equal(422);
    expect(bad.body.error).to.deep.include({ code: 'mappings_invalid', message: '2 problem(s)', problems: ['a.yaml:1:1 x: bad', 'b.yaml:2:3 y: bad'] });
    next = { outcome: 'busy', correlationId: '', message: 'a mapping reload is already running' };
    expect(await post('admin-token-for-tests')).to.deep.include({ status: 409 });
    next = { outcome: 'error', correlationId: '', message: 'the Odoo field check could not run' };
    const err = await post('admin-token-for-tests');
    expect(err.status).to.equal(503);
    expect((err.body.error as { code: string }).code).to.equal('reload_failed');
  });

  it('sync-bridge mappings reload: calls it with the token, prints changes or problems, exit 0 / 1 / 3 / 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const writer = { out: (s: string) => { out.push(s); }, err: (s: string) => { err.push(s); } };
    const base = url.replace(/\/admin\/mappings\/reload$/, '');
    next = { outcome: 'ok', correlationId: '', changed: [{ file: 'a.yaml', old_version: 'a'.repeat(64), new_version: 'b'.repeat(64) }], unchanged: 3 };
    expect(await mappingsReload(['--url', base], { token: 'admin-token-for-tests', defaultUrl: 'http://127.0.0.1:9', writer })).to.equal(0);
    expect(out).to.deep.include(`changed a.yaml: ${'a'.repeat(12)} -> ${'b'.repeat(12)}`);
    expect(out.at(-1)).to.match(/^mappings reloaded: 1 changed, 3 unchanged/);
    next = { outcome: 'invalid', correlationId: '', message: '1 problem(s)', problems: ['a.yaml:1:1 x: bad'] };
    expect(await mappingsReload([], { token: 'admin-token-for-tests', defaultUrl: base, writer })).to.equal(1);
    expect(err).to.deep.equal(['a.yaml:1:1 x: bad', 'mappings reload refused: 1 problem(s)']);
    expect(await mappingsReload([], { token: 'wrong-token', defaultUrl: base, writer })).to.equal(3);
    expect(err.at(-1)).to.match(/401 unauthorized/);
    expect(await mappingsReload([], { token: 'admin-token-for-tests', defaultUrl: 'http://127.0.0.1:9', writer })).to.equal(3);
    expect(err.at(-1)).to.match(/cannot reach the sidecar at http:\/\/127\.0\.0\.1:9/);
    expect(await mappingsReload([], { token: undefined, defaultUrl: base, writer })).to.equal(2);
    expect(await mappingsReload(['--bogus'], { token: 'x', defaultUrl: base, writer })).to.equal(2);
    expect(sidecarUrl({ host: '0.0.0.0', port: 8787 })).to.equal('http://127.0.0.1:8787');
  });

  it('is off (403) when no admin token is configured', async () => {
    const app = createServer({
      metrics: new BridgeMetrics(), readiness: { check: async () => ({ ready: true, odoo: 'ok', mappings: '', targets: {} }) },
      mount: (a, requireAdmin) => { a.use(mappingReloadRouter(fake, requireAdmin)); },
    });
    const s: Server = await new Promise((resolve) => { const x = app.listen(0, '127.0.0.1', () => resolve(x)); });
    try {
      const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/admin/mappings/reload`, { method: 'POST', headers: { authorization: 'Bearer anything' } });
      expect(res.status).to.equal(403);
    } finally { s.close(); }
  });
});

describe('SignalWatch: SIGHUP asks for a reload', () => {
  it('a SIGHUP before the reload handler exists is delivered once it is set; later ones go straight to it', () => {
    const watch = new SignalWatch();
    try {
      process.emit('SIGHUP', 'SIGHUP');
      let n = 0;
      watch.onReload(() => { n++; });
      expect(n).to.equal(1);
      process.emit('SIGHUP', 'SIGHUP');
      process.emit('SIGHUP', 'SIGHUP');
      expect(n).to.equal(3);
      watch.close();
      expect(process.listenerCount('SIGHUP')).to.equal(0);
    } finally {
      watch.close();
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGINT');
    }
  });
});
