import { expect } from 'chai';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { startFake, type GenericWmsFake, type ShipBobFake } from '../../fakes/start.js';
import { createConnector } from '../../../bridge/connectors/index.js';
import { BaseConnector } from '../../../bridge/connectors/base-connector.js';
import type { RequestOptions, TargetHttpClient } from '../../../bridge/connectors/http/http-client.js';
import type { TargetConfig } from '../../../bridge/config/schema.js';
import { InboxStore } from '../../../bridge/state/inbox-store.js';
import { InboundPreparer } from '../../../bridge/inbound/prepare.js';
import { InboxProcessor } from '../../../bridge/inbound/processor.js';
import { webhookRouter } from '../../../bridge/inbound/routes.js';
import { RETURNS_WATERMARK, pollShipBobReturns, type ShipBobReturnsPollOptions } from '../../../bridge/inbound/poll-shipbob-returns.js';
import { EVENTS_CURSOR, EVENTS_SEEN_AT, RESYNC_OVERLAP_MS, pollWmsEvents, type FeedResync } from '../../../bridge/inbound/poll-wms-events.js';
import { createLogger } from '../../../bridge/log/logger.js';
import { Redactor } from '../../../bridge/log/redact.js';
import { startPollers } from '../../../bridge/inbound/pollers.js';
import { InboundMetrics } from '../../../bridge/inbound/index.js';
import { createServer } from '../../../bridge/server/create-server.js';
import { BridgeMetrics } from '../../../bridge/runtime/metrics.js';
import { silentLog } from '../connectors/helpers.js';
import { FakeSink, repoRoot, target, tempDb } from './helpers.js';

const MIN = 60_000;
const WRONG_SHIPBOB_SECRET = `whsec_${Buffer.from('not-the-secret-the-bridge-knows!').toString('base64')}`;

type Obj = Record<string, unknown>;

/** The real webhook route on a free port, storing into `store`. */
async function webhookServer(store: InboxStore, targets: Record<string, TargetConfig>, secrets: Record<string, string>): Promise<{ url: string; close: () => Promise<void> }> {
  const app = createServer({
    metrics: new BridgeMetrics(), readiness: { check: async () => ({ ready: true, odoo: 'ok', mappings: '', targets: {} }) },
    mount: (a) => { a.use(webhookRouter({ store, targets, secrets, maxBodyBytes: 1 << 20, toleranceSeconds: 300 })); },
  });
  const server: Server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

/** Wraps a client: records each request's path and query, and can fail chosen requests. */
function spy(http: TargetHttpClient, failWhen?: (req: RequestOptions, n: number) => boolean): { http: TargetHttpClient; calls: RequestOptions[] } {
  const calls: RequestOptions[] = [];
  const send = http.request.bind(http);
  const wrapped = Object.create(http) as TargetHttpClient;
  wrapped.request = (async (req: RequestOptions) => {
    calls.push(req);
    if (failWhen?.(req, calls.length)) throw new Error(`connect ECONNREFUSED (request ${calls.length})`);
    return send(req);
  }) as TargetHttpClient['request'];
  return { http: wrapped, calls };
}

describe('catch-up polls: ShipBob completed returns (lost return.completed webhooks) against the ShipBob fake', function () {
  this.timeout(30_000);
  const CODE = 'wms_sb';
  let sb: ShipBobFake;
  let targets: Record<string, TargetConfig>;
  let http: TargetHttpClient;
  let store: InboxStore;
  let hook: { url: string; close: () => Promise<void> };

  beforeEach(async () => {
    sb = await startFake('shipbob');
    targets = { [CODE]: target('shipbob', { base_url: `${sb.baseUrl}/`, options: { channel_id: sb.channels[0]!.id } }) };
    http = (createConnector(CODE, targets[CODE]!, () => sb.tokens[0]!) as BaseConnector).http;
    store = new InboxStore(tempDb().db);
    hook = await webhookServer(store, targets, { [CODE]: sb.webhookSecret });
    sb.setWebhookTarget(`${hook.url}/webhooks/${CODE}`);
  });
  afterEach(async () => {
    await hook.close();
    await sb.close();
  });

  const poll = (o: ShipBobReturnsPollOptions = {}, client = http) => pollShipBobReturns(CODE, client, store, { lookbackMinutes: 60, ...o });
  const rows = (messageId: string) => store.list({ source: CODE, limit: 10_000 }).filter((r) => r.message_id === messageId);
  const drain = async (sink: FakeSink) => new InboxProcessor(store, new InboundPreparer(path.join(repoRoot, 'mappings'), targets, () => http), sink, { batchSize: 20, pollMs: 10, backoffBaseMs: 10, backoffMaxMs: 10 }).drain();

  /** An order shipped in ShipBob (no webhook) and a return of one unit of it, created (no webhook). */
  async function returnOf(reference: string, sku = 'MUG-R'): Promise<number> {
    sb.store.setInventory({ sku, on_hand: 100 });
    const res = await http.request<{ id: number }>({
      method: 'POST', path: 'order', correlationId: 't', headers: { shipbob_channel_id: String(sb.channels[0]!.id) },
      body: { reference_id: reference, recipient: { name: 'A', address: { address1: '1 Main', city: 'X', country: 'US' } }, products: [{ reference_id: sku, name: sku, quantity: 2 }], shipping_method: 'Standard' },
    });
    const shipped = await sb.sim.ship(res.body.id, {}, { silent: true });
    return (await sb.sim.createReturn({ shipment_id: shipped.shipment.id, lines: [{ sku, quantity: 1 }] }, { silent: true })).return.id;
  }

  /** Completes a return while ShipBob signs with a secret the bridge does not know: every delivery refused (lost). */
  async function completeRefused(id: number): Promise<string> {
    const secret = sb.webhookSecret;
    sb.shipbob.setSecret(WRONG_SHIPBOB_SECRET);
    try {
      const done = await sb.sim.completeReturn(id, [{ sku: 'MUG-R', quantity: 1, action: 'Restock' }]);
      expect(done.deliveries.map((d) => d.status), 'the webhook was refused').to.deep.equal([401]);
      return done.deliveries[0]!.body;
    } finally {
      sb.shipbob.setSecret(secret);
    }
  }

  it('a return completed while its webhook is refused is polled as the webhook\'s message (same id, topic and body), prepared and applied once; polling again adds nothing', async () => {
    const secret = sb.webhookSecret;
    const id = await returnOf('WH/OUT/R1');
    sb.shipbob.setSecret(WRONG_SHIPBOB_SECRET);
    let refused;
    try {
      refused = await sb.sim.completeReturn(id, [{ sku: 'MUG-R', quantity: 1, action: 'Restock' }]);
    } finally {
      sb.shipbob.setSecret(secret);
    }
    expect(refused.deliveries.map((d) => d.status)).to.deep.equal([401]);
    expect(store.list({ source: CODE })).to.deep.equal([]);

    const r = await poll();
    expect(r).to.include({ found: 1, stored: 1, duplicate: 0, acknowledged: 0 });
    expect(r.correlationId).to.match(/^poll-wms_sb-returns-\d+$/);
    const messageId = `shipbob:return:${id}:completed`;
    const [row] = rows(messageId);
    expect(row).to.include({ preset: 'shipbob', topic: 'return.completed', via: 'poll', state: 'pending' });
    // The body the webhook carried: same envelope and data (the return as ShipBob lists it), the timestamp its completion.
    const webhookBody = JSON.parse(refused.deliveries[0]!.body) as Obj;
    const polled = JSON.parse(row!.body) as Obj;
    expect(polled.type).to.equal(webhookBody.type);
    expect(polled.data).to.deep.equal(webhookBody.data);
    expect(polled.timestamp).to.equal((webhookBody.data as Obj).completed_date);

    const sink = new FakeSink();
    await drain(sink);
    expect(store.list({ state: 'rejected' }).map((x) => x.last_error)).to.deep.equal([]);
    expect(sink.applied.map((i) => [i.kind, i.message_id])).to.deep.equal([['return', messageId]]);
    expect(sink.applied[0]!.payload).to.include({ order_ref: 'WH/OUT/R1', return_id: String(id) });
    expect(sink.applied[0]!.payload.lines).to.deep.equal([{ sku: 'MUG-R', quantity: 1, disposition: 'restock' }]);

    expect(await poll()).to.include({ found: 1, stored: 0, duplicate: 1 });
    await drain(sink);
    expect(sink.applied).to.have.length(1);
    expect(rows(messageId)).to.have.length(1);
  });

  it('webhook then poll, and poll then webhook: one inbox message per return', async () => {
    // Webhook first (delivered), then the poll finds it: a duplicate.
    const a = await returnOf('WH/OUT/R2');
    const delivered = await sb.sim.completeReturn(a, [{ sku: 'MUG-R', quantity: 1, action: 'Restock' }]);
    expect(delivered.deliveries.map((d) => d.status)).to.deep.equal([200]);
    expect(rows(`shipbob:return:${a}:completed`).map((x) => x.via)).to.deep.equal(['webhook']);
    expect(await poll()).to.include({ found: 1, stored: 0, duplicate: 1 });
    // Poll first (the webhook late), then the webhook: answered as a duplicate, not stored again.
    const b = await returnOf('WH/OUT/R3');
    const silent = await sb.sim.completeReturn(b, [{ sku: 'MUG-R', quantity: 1, action: 'Restock' }], { silent: true });
    expect(silent.deliveries).to.deep.equal([]);
    expect(await poll()).to.include({ found: 2, stored: 1, duplicate: 1 });
    // ShipBob's late delivery of the same return: answered 200 as a duplicate.
    const body = JSON.stringify({ type: 'return.completed', timestamp: new Date().toISOString(), data: sb.store.returns.find((x) => x.id === b) });
    const late = await fetch(`${hook.url}/webhooks/${CODE}`, { method: 'POST', headers: { 'content-type': 'application/json', ...sb.shipbob.sign('msg_late_1', new Date(), body) }, body });
    expect(late.status).to.equal(200);
    expect(await late.json()).to.include({ duplicate: true });
    expect(rows(`shipbob:return:${b}:completed`).map((x) => x.via)).to.deep.equal(['poll']);
    const sink = new FakeSink();
    await drain(sink);
    expect(sink.applied.map((i) => i.message_id).sort()).to.deep.equal([`shipbob:return:${a}:completed`, `shipbob:return:${b}:completed`].sort());
  });

  it('reads Status=Completed with a creation bound, keeps only returns completed in the window (watermark - 10 min; first run lookback), then advances the watermark', async () => {
    const spied = spy(http);
    const old = await returnOf('WH/OUT/R4');
    await completeRefused(old);
    const open = await returnOf('WH/OUT/R5'); // never completed: not a message
    const t0 = Date.parse(sb.store.returns.find((x) => x.id === old)!.completed_date!);
    // First run 40 minutes after the completion with a 20-minute lookback: the window starts 30 minutes after it.
    const r1 = await poll({ lookbackMinutes: 20, now: () => t0 + 40 * MIN }, spied.http);
    expect(r1).to.include({ found: 0, stored: 0 });
    expect(store.watermark(CODE, RETURNS_WATERMARK)).to.equal(new Date(t0 + 40 * MIN).toISOString());
    const q = spied.calls[0]!.query as Obj;
    expect(spied.calls[0]!.path).to.equal('return');
    expect(q).to.include({ Status: 'Completed', PageSize: 250 });
    expect(q.StartDate).to.equal(new Date(t0 + 40 * MIN - 30 * MIN - 90 * 24 * 60 * MIN).toISOString());
    // A later completion inside the next window is found; the old one, behind the watermark, is not.
    sb.clock.advance(45 * MIN);
    const fresh = await returnOf('WH/OUT/R6');
    await completeRefused(fresh);
    const t1 = Date.parse(sb.store.returns.find((x) => x.id === fresh)!.completed_date!);
    expect(await poll({ now: () => t1 + MIN }, spied.http)).to.include({ found: 1, stored: 1 });
    expect(store.list({ source: CODE }).map((x) => x.message_id)).to.deep.equal([`shipbob:return:${fresh}:completed`]);
    expect(rows(`shipbob:return:${open}:completed`)).to.deep.equal([]);
    // options.returns_max_age_days narrows the creation bound.
    await poll({ maxAgeDays: 7, now: () => t1 + 2 * MIN }, spied.http);
    expect((spied.calls[spied.calls.length - 1]!.query as Obj).StartDate).to.equal(new Date(t1 + MIN - 10 * MIN - 7 * 24 * 60 * MIN).toISOString());
  });

  it('pages through the cursor links; a failure on a later page stores nothing and leaves the watermark', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await returnOf(`WH/OUT/P${i}`);
      await sb.sim.completeReturn(id, [{ sku: 'MUG-R', quantity: 1, action: 'Restock' }], { silent: true });
      ids.push(id);
    }
    const failing = spy(http, (_r, n) => n === 3);
    let failed: unknown;
    await poll({ pageSize: 2 }, failing.http).catch((e: unknown) => { failed = e; });
    expect(String(failed)).to.contain('ECONNREFUSED');
    expect(failing.calls).to.have.length(3);
    expect(store.list({ source: CODE })).to.deep.equal([]);
    expect(store.watermark(CODE, RETURNS_WATERMARK)).to.equal(undefined);
    const ok = spy(http);
    expect(await poll({ pageSize: 2 }, ok.http)).to.include({ found: 5, stored: 5 });
    expect(ok.calls).to.have.length(3);
    expect(store.list({ source: CODE, limit: 100 }).map((x) => x.message_id).sort()).to.deep.equal(ids.map((id) => `shipbob:return:${id}:completed`).sort());
  });

  it('the watermark advances in the transaction that stores the messages: a failed write leaves both unchanged', async () => {
    const id = await returnOf('WH/OUT/R7');
    await sb.sim.completeReturn(id, [{ sku: 'MUG-R', quantity: 1, action: 'Restock' }], { silent: true });
    const insert = store.insertMany.bind(store);
    store.insertMany = () => { throw new Error('SQLITE_FULL: database or disk is full'); };
    let failed: unknown;
    await poll().catch((e: unknown) => { failed = e; });
    store.insertMany = insert;
    expect(String(failed)).to.contain('SQLITE_FULL');
    expect(store.watermark(CODE, RETURNS_WATERMARK)).to.equal(undefined);
    expect(await poll()).to.include({ found: 1, stored: 1 });
  });

  it('startPollers: on with poll (metrics ok), off with options.poll_returns: false, a failing returns read counted as a failed run', async () => {
    const id = await returnOf('WH/OUT/R8');
    await sb.sim.completeReturn(id, [{ sku: 'MUG-R', quantity: 1, action: 'Restock' }], { silent: true });
    const run = async (options: Obj, client: TargetHttpClient) => {
      const t = target('shipbob', { base_url: `${sb.baseUrl}/`, poll: { schedule: '0 0 1 1 *' }, options: { channel_id: sb.channels[0]!.id, poll_receiving: false, ...options } });
      const metrics = new InboundMetrics(new BridgeMetrics());
      const pollers = startPollers({ [CODE]: t }, () => client, store, silentLog, undefined, metrics.onPollRun);
      let error: unknown;
      try { await pollers.runNow(CODE)?.catch((e: unknown) => { error = e; }); } finally { await pollers.stop(); }
      return { error, text: await metrics.base.registry.metrics() };
    };
    const off = spy(http);
    const r0 = await run({ poll_returns: false }, off.http);
    expect(r0.error).to.equal(undefined);
    expect(off.calls.map((c) => c.path)).to.not.include('return');
    expect(rows(`shipbob:return:${id}:completed`)).to.deep.equal([]);

    const on = spy(http);
    const r1 = await run({}, on.http);
    expect(on.calls.map((c) => c.path)).to.include('return');
    expect(rows(`shipbob:return:${id}:completed`)).to.have.length(1);
    expect(r1.text).to.contain(`sync_bridge_poll_runs_total{source="${CODE}",outcome="ok"} 1`);
    expect(r1.text).to.contain(`sync_bridge_poll_messages_total{source="${CODE}"} 1`);

    const broken = spy(http, (req) => req.path === 'return');
    const r2 = await run({}, broken.http);
    expect(String(r2.error)).to.contain('ECONNREFUSED');
    expect(r2.text).to.contain(`sync_bridge_poll_runs_total{source="${CODE}",outcome="failed"} 1`);
    expect(r2.text).to.not.match(/^sync_bridge_poll_last_success_timestamp_seconds\{/m);
  });
});

describe('catch-up polls: the generic WMS event feed (optional GET /events) against the generic WMS fake', function () {
  this.timeout(30_000);
  const CODE = 'wms_gen';
  let gw: GenericWmsFake;
  let targets: Record<string, TargetConfig>;
  let http: TargetHttpClient;
  let store: InboxStore;
  let hook: { url: string; close: () => Promise<void> };

  beforeEach(async () => {
    gw = await startFake('generic-wms');
    gw.wms.retryDelayMs = 1;
    targets = { [CODE]: target('generic_wms', { base_url: gw.baseUrl, auth: { type: 'api_key', header: 'X-API-Key', key: { env: 'K' } }, options: { events_path: '/events' } }) };
    http = (createConnector(CODE, targets[CODE]!, () => gw.apiKeys[0]!) as BaseConnector).http;
    store = new InboxStore(tempDb().db);
    hook = await webhookServer(store, targets, { [CODE]: gw.webhookSecret });
    gw.setWebhookTarget(`${hook.url}/webhooks/${CODE}`);
  });
  afterEach(async () => {
    await hook.close();
    await gw.close();
  });

  const poll = (o: { limit?: number; now?: () => number; lookbackMinutes?: number } = {}, client = http) => pollWmsEvents(CODE, client, store, { path: '/events', lookbackMinutes: 60, ...o });
  const byId = (messageId: string) => store.list({ source: CODE, limit: 10_000 }).filter((r) => r.message_id === messageId);
  const receipt = (ref: string) => ({ receipt_reference: ref, receipt_id: `R-${ref}`, status: 'received', received_at: gw.clock.iso(), lines: [{ line_ref: '1', sku: 'SKU-1', quantity: 3, lots: [], serials: [] }] });

  /** Emits while the WMS signs with a secret the bridge does not know: every attempt refused. */
  async function refused<T>(fn: () => Promise<T>): Promise<T> {
    const secret = gw.wms.secret;
    gw.wms.secret = 'not-the-shared-secret-the-bridge-knows';
    try { return await fn(); } finally { gw.wms.secret = secret; }
  }

  it('events whose webhooks were refused are stored as the webhook\'s messages (id, topic, body); ignored types skipped; applied once; the cursor stops at the end', async () => {
    await http.request({ method: 'PUT', path: '/orders/WH-OUT-F1', correlationId: 't', body: { ship_to: { name: 'A', street: '1 Main', city: 'Lyon', zip: '69001', country: 'FR' }, lines: [{ line_ref: '7', sku: 'SKU-1', quantity: 2 }] } });
    const ret = await refused(() => gw.sim.receiveReturn({ order_reference: 'WH-OUT-F1', return_id: 'RET-F1', lines: [{ sku: 'SKU-1', quantity: 1, disposition: 'scrap' }] }));
    expect(ret.deliveries.map((d) => d.status)).to.deep.equal([401, 401, 401, 401]);
    const stock = await refused(() => gw.wms.emit('stock.changed', { sku: 'SKU-1', on_hand: 4 }));
    const rcp = await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/F1')));
    expect(store.list({ source: CODE })).to.deep.equal([]);

    const r = await poll();
    expect(r).to.include({ found: 2, stored: 2, duplicate: 0, ignored: 1 });
    expect(r.correlationId).to.match(/^poll-wms_gen-events-\d+$/);
    const ids = [ret.deliveries[0]!, rcp[0]!].map((d) => d.id);
    const stored = store.list({ source: CODE }).reverse();
    expect(stored.map((x) => [x.message_id, x.topic, x.via, x.preset])).to.deep.equal([[ids[0], 'return.received', 'poll', 'generic_wms'], [ids[1], 'receipt.completed', 'poll', 'generic_wms']]);
    // Byte for byte the bodies the webhooks carried.
    expect(stored.map((x) => x.body)).to.deep.equal([ret.deliveries[0]!.body, rcp[0]!.body]);
    expect(byId(stock[0]!.id)).to.deep.equal([]);
    expect(store.watermark(CODE, EVENTS_CURSOR)).to.be.a('string');

    const sink = new FakeSink();
    await new InboxProcessor(store, new InboundPreparer(path.join(repoRoot, 'mappings'), targets, () => http), sink, { batchSize: 20, pollMs: 10, backoffBaseMs: 10, backoffMaxMs: 10 }).drain();
    expect(sink.applied.map((i) => [i.kind, i.message_id])).to.deep.equal([['return', ids[0]], ['receipt', ids[1]]]);
    expect(await poll()).to.include({ found: 0, stored: 0, ignored: 0 });
  });

  it('first run asks for events since lookback; later runs after the stored cursor; pages while has_more', async () => {
    const early = await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/E0')));
    gw.clock.advance(2 * 60 * MIN);
    const later: string[] = [];
    for (let i = 0; i < 5; i++) later.push((await refused(() => gw.wms.emit('receipt.completed', receipt(`WH/IN/L${i}`))))[0]!.id);
    const spied = spy(http);
    const now = Date.parse(gw.clock.iso());
    expect(await poll({ limit: 2, now: () => now }, spied.http)).to.include({ found: 5, stored: 5 });
    expect(spied.calls.map((c) => c.query)).to.deep.equal([
      { limit: 2, since: new Date(now - 60 * MIN).toISOString() },
      { limit: 2, after: (spied.calls[1]!.query as Obj).after },
      { limit: 2, after: (spied.calls[2]!.query as Obj).after },
    ]);
    expect(store.list({ source: CODE, limit: 100 }).map((x) => x.message_id).reverse()).to.deep.equal(later);
    expect(byId(early[0]!.id), 'older than the first run\'s lookback').to.deep.equal([]);
    const cursor = store.watermark(CODE, EVENTS_CURSOR)!;
    const next = (await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/N1'))))[0]!.id;
    expect(await poll({ limit: 2 }, spied.http)).to.include({ found: 1, stored: 1 });
    expect(spied.calls[spied.calls.length - 1]!.query).to.deep.equal({ limit: 2, after: cursor });
    expect(byId(next)).to.have.length(1);
  });

  it('webhook then feed, and feed then webhook: one inbox message per event', async () => {
    const delivered = await gw.wms.emit('receipt.completed', receipt('WH/IN/D1'));
    expect(delivered.map((d) => d.status)).to.deep.equal([200]);
    expect(await poll()).to.include({ found: 1, stored: 0, duplicate: 1 });
    gw.setWebhookTarget(null);
    const silent = await gw.wms.emit('receipt.completed', receipt('WH/IN/D2'));
    expect(silent).to.deep.equal([]);
    expect(await poll()).to.include({ found: 1, stored: 1 });
    const ev = gw.wms.feed[gw.wms.feed.length - 1]!.event;
    const body = JSON.stringify(ev);
    const res = await fetch(`${hook.url}/webhooks/${CODE}`, { method: 'POST', headers: { 'content-type': 'application/json', ...gw.wms.headers(ev.id, body) }, body });
    expect(res.status).to.equal(200);
    expect(await res.json()).to.include({ duplicate: true });
    expect(byId(ev.id).map((x) => x.via)).to.deep.equal(['poll']);
    expect(byId(delivered[0]!.id).map((x) => x.via)).to.deep.equal(['webhook']);
  });

  it('an invalid event is kept as rejected (as the webhook keeps it); the cursor advances only with the stored page', async () => {
    await refused(() => gw.wms.emit('receipt.completed', { receipt_reference: 'WH/IN/BAD', lines: [] }));
    const insert = store.insertMany.bind(store);
    store.insertMany = () => { throw new Error('SQLITE_FULL: database or disk is full'); };
    let failed: unknown;
    await poll().catch((e: unknown) => { failed = e; });
    store.insertMany = insert;
    expect(String(failed)).to.contain('SQLITE_FULL');
    expect(store.watermark(CODE, EVENTS_CURSOR)).to.equal(undefined);
    // A failing second page: the first page is stored with its cursor, the rest read again next run.
    await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/OK')));
    await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/OK2')));
    let err: unknown;
    await poll({ limit: 1 }, spy(http, (_r, n) => n === 2).http).catch((e: unknown) => { err = e; });
    expect(String(err)).to.contain('ECONNREFUSED');
    const [bad] = store.list({ source: CODE });
    expect(bad).to.include({ state: 'rejected', topic: 'receipt.completed', via: 'poll' });
    expect(bad!.last_error).to.match(/^invalid payload: data\./);
    const afterFirst = store.watermark(CODE, EVENTS_CURSOR);
    expect(afterFirst).to.be.a('string');
    expect(await poll()).to.include({ found: 2, stored: 2 });
    expect(store.list({ source: CODE, limit: 100 })).to.have.length(3);
  });

  /** A JSON logger whose lines are kept (warnings of the resync). */
  function jsonLog(): { log: ReturnType<typeof createLogger>; lines: () => Array<{ level: string; message: string; source?: string }> } {
    const out: string[] = [];
    const stream = new Writable({ write(chunk, _e, cb) { out.push(String(chunk)); cb(); } });
    return { log: createLogger({ level: 'info', format: 'json', redactor: new Redactor(), stream }), lines: () => out.map((l) => JSON.parse(l) as { level: string; message: string; source?: string }) };
  }

  it('an expired cursor (400 invalid_cursor: the WMS purged events past its retention): resynced from the newest event read minus the overlap; the events still in the feed stored once, no duplicates; warned with the gap; counted', async () => {
    const e1 = (await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/X1'))))[0]!.id;
    expect(await poll()).to.include({ found: 1, stored: 1, resyncs: 0 });
    const cursor = store.watermark(CODE, EVENTS_CURSOR)!;
    const e1At = new Date(gw.wms.feed[0]!.event.created_at).toISOString();
    expect(store.watermark(CODE, EVENTS_SEEN_AT)).to.equal(e1At);
    gw.clock.advance(30 * MIN);
    const lost = (await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/X2'))))[0]!.id; // purged before anyone read it
    gw.clock.advance(30 * MIN);
    const e3 = (await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/X3'))))[0]!.id;
    // X4 is delivered by webhook (signed now: the fake's clock is an hour ahead of the receiver's).
    gw.setWebhookTarget(null);
    await gw.wms.emit('receipt.completed', receipt('WH/IN/X4'));
    gw.setWebhookTarget(`${hook.url}/webhooks/${CODE}`);
    const ev4 = gw.wms.feed[gw.wms.feed.length - 1]!.event;
    const body4 = JSON.stringify(ev4);
    const res4 = await fetch(`${hook.url}/webhooks/${CODE}`, { method: 'POST', headers: { 'content-type': 'application/json', ...gw.wms.headers(ev4.id, body4, String(Math.floor(Date.now() / 1000))) }, body: body4 });
    expect(res4.status, 'delivered by webhook').to.equal(200);
    const e4 = { id: ev4.id };
    const e3At = new Date(gw.wms.feed.find((e) => e.event.id === e3)!.event.created_at).toISOString();
    expect(gw.wms.purge(e3At)).to.equal(2); // retention: X1 and X2 gone, and the stored cursor with them

    const spied = spy(http);
    const resyncs: FeedResync[] = [];
    const { log, lines } = jsonLog();
    const rep = await pollWmsEvents(CODE, spied.http, store, { path: '/events', lookbackMinutes: 60, limit: 1, log, onResync: (x) => resyncs.push(x) });
    expect(rep).to.include({ resyncs: 1, found: 2, stored: 1, duplicate: 1 });
    const since = new Date(Date.parse(e1At) - RESYNC_OVERLAP_MS).toISOString();
    expect(spied.calls.map((c) => c.query)).to.deep.equal([
      { limit: 1, after: cursor },
      { limit: 1, since },
      { limit: 1, after: (spied.calls[2]!.query as Obj).after },
    ]);
    expect(resyncs).to.deep.equal([{ source: CODE, since, lastSeen: e1At }]);
    const warned = lines().filter((l) => l.level === 'warn');
    expect(warned.map((w) => w.source)).to.deep.equal([CODE, CODE]);
    expect(warned[0]!.message).to.contain(`poll ${CODE}: the WMS no longer knows the event feed cursor`).and.to.contain('400 invalid_cursor').and.to.contain(`since=${since}`)
      .and.to.contain(e1At).and.to.contain('cannot be recovered').and.to.contain('reconciliation are the safety net');
    expect(warned[1]!.message).to.contain(`between ${e1At} and ${e3At}`);
    // X2 was purged unread: lost; every event still in the feed is in the inbox exactly once.
    const ids = store.list({ source: CODE, limit: 100 }).map((x) => x.message_id).reverse();
    expect(ids).to.deep.equal([e1, e4.id, e3]);
    expect(ids).not.to.include(lost);
    expect(byId(e4.id).map((x) => x.via)).to.deep.equal(['webhook']);
    expect(store.watermark(CODE, EVENTS_SEEN_AT)).to.equal(new Date(gw.wms.feed[gw.wms.feed.length - 1]!.event.created_at).toISOString());
    // The next run goes on from the new cursor: no resync.
    expect(await poll()).to.include({ resyncs: 0, found: 0 });
  });

  it('a second expired cursor in the same run fails the run instead of looping; what was read is stored; the next run resyncs again and goes on', async () => {
    await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/Y1')));
    expect(await poll()).to.include({ stored: 1 });
    for (const ref of ['WH/IN/Y2', 'WH/IN/Y3', 'WH/IN/Y4']) {
      gw.clock.advance(MIN);
      await refused(() => gw.wms.emit('receipt.completed', receipt(ref)));
    }
    const [, , y3, y4] = gw.wms.feed.map((e) => e.event);
    gw.wms.purge(y3!.created_at); // Y1, Y2: the stored cursor expired
    // While the resync pages, the WMS purges again (everything): the next page's cursor expires as well.
    const spied = spy(http, (_req, n) => { if (n === 3) gw.wms.purge(new Date(Date.parse(y4!.created_at) + 1).toISOString()); return false; });
    const resyncs: FeedResync[] = [];
    let err: unknown;
    await pollWmsEvents(CODE, spied.http, store, { path: '/events', lookbackMinutes: 60, limit: 1, onResync: (x) => resyncs.push(x) }).catch((e: unknown) => { err = e; });
    expect(String(err)).to.contain('the event feed cursor expired again (400 invalid_cursor) during this run\'s resync; stopping');
    expect(spied.calls.map((c) => Object.keys(c.query as Obj).filter((k) => k !== 'limit')[0])).to.deep.equal(['after', 'since', 'after']);
    expect(resyncs).to.have.length(1);
    expect(byId(y3!.id), 'the page read before the second expiry is stored').to.have.length(1);
    const next = await pollWmsEvents(CODE, spied.http, store, { path: '/events', lookbackMinutes: 60, limit: 1, onResync: (x) => resyncs.push(x) });
    expect(next).to.include({ resyncs: 1, found: 0 });
    expect(resyncs).to.have.length(2);
    expect(spied.calls).to.have.length(5);
    expect(byId(y4!.id), 'purged unread: lost').to.deep.equal([]);
  });

  it('startPollers: a resync is counted in sync_bridge_poll_resyncs_total{source}; the run is ok', async () => {
    await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/Z1')));
    const withFeed = target('generic_wms', { base_url: gw.baseUrl, poll: { schedule: '0 0 1 1 *' }, options: { events_path: '/events' } });
    const metrics = new InboundMetrics(new BridgeMetrics());
    const p = startPollers({ [CODE]: withFeed }, () => http, store, silentLog, undefined, metrics.onPollRun, metrics.onPollResync);
    expect(await p.runNow(CODE)).to.include({ stored: 1 });
    gw.clock.advance(MIN);
    await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/Z2')));
    gw.clock.advance(MIN);
    await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/Z3')));
    gw.wms.purge(gw.wms.feed[2]!.event.created_at);
    expect(await p.runNow(CODE)).to.include({ stored: 1 });
    await p.stop();
    const text = await metrics.base.registry.metrics();
    expect(text).to.contain(`sync_bridge_poll_resyncs_total{source="${CODE}"} 1`);
    expect(text).to.contain(`sync_bridge_poll_runs_total{source="${CODE}",outcome="ok"} 2`);
  });

  it('startPollers: no events_path = no poll (warned); with it the run is counted; a failing feed read is a failed run', async () => {
    const warnings: string[] = [];
    const log = Object.create(silentLog) as typeof silentLog;
    log.warn = ((m: string) => { warnings.push(m); return log; }) as typeof silentLog.warn;
    const without = target('generic_wms', { base_url: gw.baseUrl, poll: { schedule: '0 0 1 1 *' } });
    const p0 = startPollers({ [CODE]: without }, () => http, store, log);
    expect(await p0.runNow(CODE)).to.equal(undefined);
    await p0.stop();
    expect(warnings.join('\n')).to.contain(`targets.${CODE}.poll: the generic WMS is polled only through its event feed, and options.events_path is not set`);

    await refused(() => gw.wms.emit('receipt.completed', receipt('WH/IN/S1')));
    const withFeed = target('generic_wms', { base_url: gw.baseUrl, poll: { schedule: '0 0 1 1 *' }, options: { events_path: '/events' } });
    const metrics = new InboundMetrics(new BridgeMetrics());
    const p1 = startPollers({ [CODE]: withFeed }, () => http, store, silentLog, undefined, metrics.onPollRun);
    expect(await p1.runNow(CODE)).to.include({ found: 1, stored: 1 });
    await p1.stop();
    const p2 = startPollers({ [CODE]: withFeed }, () => spy(http, () => true).http, store, silentLog, undefined, metrics.onPollRun);
    let failed: unknown;
    await p2.runNow(CODE)?.catch((e: unknown) => { failed = e; });
    await p2.stop();
    expect(String(failed)).to.contain('ECONNREFUSED');
    const text = await metrics.base.registry.metrics();
    expect(text).to.contain(`sync_bridge_poll_runs_total{source="${CODE}",outcome="ok"} 1`);
    expect(text).to.contain(`sync_bridge_poll_runs_total{source="${CODE}",outcome="failed"} 1`);
    expect(text).to.contain(`sync_bridge_poll_messages_total{source="${CODE}"} 1`);
  });
});
