import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type { AppContext } from '../../bridge/app/context.js';
import { runEventsCommand } from '../../bridge/cli/events.js';
import type { Connector, DeliveryResult, OutboundRequest } from '../../bridge/connectors/connector.js';
import { PermanentError, TransientError } from '../../bridge/errors/index.js';
import { createLogger } from '../../bridge/log/logger.js';
import { Redactor } from '../../bridge/log/redact.js';
import type { ClaimedEvent } from '../../bridge/odoo/contract.js';
import { deliverEvent, type DeliverDeps } from '../../bridge/runtime/deliver-event.js';
import { BridgeMetrics } from '../../bridge/runtime/metrics.js';
import { Worker } from '../../bridge/runtime/worker.js';
import type { OdooContract } from '../../bridge/odoo/contract.js';
import type { OutboundMapper } from '../../bridge/runtime/ports.js';
import { DeliveryLog } from '../../bridge/state/delivery-log.js';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../bridge/state/migrations.js';
import { migrate, openStateStore, type DB } from '../../bridge/state/state-store.js';
import { WritebackQueue } from '../../bridge/state/writeback-queue.js';

const SECRET = 'sk-live-0123456789';

class FakeConnector implements Connector {
  readonly preset = 'shipbob';
  next: (req: OutboundRequest) => DeliveryResult = () => ({ externalRef: 'SB-1', summary: 'created' });
  constructor(readonly code: string) {}
  async deliver(req: OutboundRequest): Promise<DeliveryResult> { return this.next(req); }
  circuitState() { return 'closed' as const; }
  pausedForMs() { return 0; }
}

const mapper: OutboundMapper = {
  specs: () => ({}),
  count: () => 1,
  map: async (ev) => ({ kind: 'order', payload: { order_number: `S${ev.res_id}`, api_key: 'x', note: `token ${SECRET}` }, mappingVersion: ev.replay_mapping_version || 'v2' }),
};

function event(extra: Partial<ClaimedEvent> = {}): ClaimedEvent {
  return {
    id: 7, target: 'wms', event_type: 'release', model: 'sale.order', res_id: 42, aggregate_key: 'sale.order,42',
    idempotency_key: 'k7', attempts: 1, lease_token: 't', lease_expires_at: '2026-01-01 00:00:00', trace_id: 'trace-7',
    created_at: '2026-01-01 00:00:00', mapping_version: false, external_ref: false, record: { id: 42 }, ...extra,
  };
}

describe('delivery log (one row per delivery attempt)', () => {
  let db: DB;
  let clock: number;
  let connector: FakeConnector;
  const deps = (log: DeliveryLog): DeliverDeps => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    return {
      mapper, connectors: new Map([['wms', connector], ['crm', new FakeConnector('crm')]]), writeback: new WritebackQueue(db),
      metrics: new BridgeMetrics(), redactor, log: createLogger({ level: 'error', format: 'json', redactor, stream: new PassThrough() }),
      retry: { maxAttempts: 3, baseMs: 100, maxMs: 1000 }, deliveryLog: log, now: () => clock, random: () => 0.5,
    };
  };

  beforeEach(() => {
    db = openStateStore(':memory:');
    clock = Date.parse('2026-03-01T00:00:00Z');
    connector = new FakeConnector('wms');
  });

  it('writes sent / retry / failed / dead with error, ref, mapping version and correlation id; no payload by default', async () => {
    const log = new DeliveryLog(db, {}, () => clock);
    const d = deps(log);
    expect(await deliverEvent(event(), d)).to.equal('sent');
    clock += 1000;
    connector.next = () => { throw new TransientError(`WMS answered 503 (key ${SECRET})`); };
    expect(await deliverEvent(event({ id: 8, attempts: 1 }), d)).to.equal('retry');
    clock += 1000;
    expect(await deliverEvent(event({ id: 8, attempts: 3 }), d)).to.equal('dead');
    clock += 1000;
    connector.next = () => { throw new PermanentError('email is invalid', { category: 'validation' }); };
    expect(await deliverEvent(event({ id: 9, target: 'wms', trace_id: false }), d)).to.equal('failed');

    const rows = log.list();
    expect(rows.map((r) => [r.event_id, r.attempt, r.outcome])).to.deep.equal([[9, 1, 'failed'], [8, 3, 'dead'], [8, 1, 'retry'], [7, 1, 'sent']]);
    const sent = rows[3]!;
    expect(sent).to.include({ target: 'wms', event_type: 'release', model: 'sale.order', res_id: 42, idempotency_key: 'k7', correlation_id: 'trace-7', mapping_version: 'v2', external_ref: 'SB-1', error_class: null });
    expect(sent.payload).to.equal(null);
    expect(rows[2]!.error_class).to.equal('TransientError');
    expect(rows[2]!.error_message).to.contain('[REDACTED]').and.not.contain(SECRET);
    expect(rows[0]!.error_message).to.equal('email is invalid');
    expect(rows[0]!.correlation_id).to.match(/^[0-9a-f-]{36}$/); // generated when Odoo has no trace id
    expect(log.list({ outcome: 'dead' }).map((r) => r.event_id)).to.deep.equal([8]);
    expect(log.list({ target: 'crm' })).to.deep.equal([]);
    expect(log.list({ limit: 2 })).to.have.length(2);
  });

  it('keeps the redacted mapped payload when state.log_payloads is on, and the pinned version of a replay', async () => {
    const log = new DeliveryLog(db, { payloads: true }, () => clock);
    await deliverEvent(event({ replay_mapping_version: 'v1' }), deps(log));
    // a replay starts the attempts again: same (event, attempt) twice is fine
    clock += 1;
    await deliverEvent(event(), deps(log));
    const rows = log.list();
    expect(rows).to.have.length(2);
    expect(rows[1]!.mapping_version).to.equal('v1');
    expect(rows[0]!.mapping_version).to.equal('v2');
    const payload = JSON.parse(rows[1]!.payload!) as Record<string, string>;
    expect(payload).to.deep.equal({ order_number: 'S42', api_key: '[REDACTED]', note: 'token [REDACTED]' });
  });

  it('logs the payload of a delivery the target refused; a mapping failure has none', async () => {
    const log = new DeliveryLog(db, { payloads: true }, () => clock);
    connector.next = () => { throw new PermanentError('rejected'); };
    await deliverEvent(event(), deps(log));
    const failing: OutboundMapper = { ...mapper, map: async () => { throw new PermanentError('no mapping', { category: 'mapping' }); } };
    clock += 1;
    await deliverEvent(event({ id: 8 }), { ...deps(log), mapper: failing });
    const [mappingFailure, refused] = log.list();
    expect(JSON.parse(refused!.payload!)).to.have.property('order_number', 'S42');
    expect(mappingFailure).to.include({ event_id: 8, outcome: 'failed', payload: null, mapping_version: null, error_message: 'no mapping' });
  });

  it('migration 3 keeps the rows of a file at schema 2 and allows the same (event, attempt) twice', () => {
    const old = new Database(':memory:');
    old.exec(MIGRATIONS[0]!); old.exec(MIGRATIONS[1]!); old.pragma('user_version = 2');
    old.prepare(`INSERT INTO delivery_log (event_id, attempt, target, event_type, model, res_id, idempotency_key, correlation_id, outcome, at)
      VALUES (1, 1, 'wms', 'release', 'sale.order', 5, 'k', 'c', 'sent', 1)`).run();
    migrate(old);
    expect(Number(old.pragma('user_version', { simple: true }))).to.equal(MIGRATIONS.length);
    const log = new DeliveryLog(old, {}, () => 2);
    log.record({ event_id: 1, attempt: 1, target: 'wms', event_type: 'release', model: 'sale.order', res_id: 5, idempotency_key: 'k', correlation_id: 'c2', outcome: 'sent' });
    expect(log.list().map((r) => [r.id, r.correlation_id])).to.deep.equal([[2, 'c2'], [1, 'c']]);
  });

  it('a failed half-open probe never makes its event dead; the same failure while closed does', async () => {
    const d = deps(new DeliveryLog(db, {}, () => clock));
    connector.next = () => { throw new TransientError('WMS unreachable', { details: { inDoubt: false, probe: true } }); };
    expect(await deliverEvent(event({ id: 10, attempts: 3 }), d)).to.equal('retry');
    expect(await deliverEvent(event({ id: 10, attempts: 30 }), d)).to.equal('retry');
    connector.next = () => { throw new TransientError('WMS unreachable', { details: { inDoubt: false } }); };
    expect(await deliverEvent(event({ id: 10, attempts: 30 }), d)).to.equal('dead');
  });

  it('a record the service user may not read fails as a set-up problem naming the access error, not as deleted', async () => {
    const d = deps(new DeliveryLog(db, {}, () => clock));
    const lines: string[] = [];
    const seen = new PassThrough();
    seen.on('data', (c: Buffer) => { lines.push(c.toString()); });
    const log = createLogger({ level: 'error', format: 'json', redactor: d.redactor, stream: seen });
    expect(await deliverEvent(event({ id: 11, record: false, record_error: 'AccessError: You are not allowed to access Contact' }), { ...d, log })).to.equal('failed');
    expect(lines.join('')).to.contain('did not let the service user read it').and.contain('AccessError').and.not.contain('no longer exists');
    expect(await deliverEvent(event({ id: 12, record: false }), { ...d, log })).to.equal('failed');
    expect(lines.join('')).to.contain('no longer exists in Odoo');
  });

  it('purges attempts older than the retention', () => {
    const log = new DeliveryLog(db, {}, () => clock);
    const row = { event_id: 1, attempt: 1, target: 'wms', event_type: 'release', model: 'sale.order', res_id: 1, idempotency_key: 'k', correlation_id: 'c', outcome: 'sent' as const };
    log.record(row);
    clock += 15 * 86_400_000;
    log.record({ ...row, event_id: 2 });
    expect(log.purge(14)).to.equal(1);
    expect(log.list().map((r) => r.event_id)).to.deep.equal([2]);
  });

  it('the worker purges the delivery log and accepted write-backs with state.retention_days', () => {
    const log = new DeliveryLog(db, {}, () => clock);
    const writeback = new WritebackQueue(db, () => clock);
    const d = { ...deps(log), writeback };
    const row = { event_id: 1, attempt: 1, target: 'wms', event_type: 'release', model: 'sale.order', res_id: 1, idempotency_key: 'k', correlation_id: 'c', outcome: 'sent' as const };
    log.record(row);
    writeback.enqueueAck({ id: 1, lease_token: 't' }, 'wms');
    db.prepare('UPDATE writeback SET done_at = ?').run(clock);
    clock += 20 * 86_400_000;
    log.record({ ...row, event_id: 2 });
    const worker = new Worker({ workerId: 'w', batchSize: 1, leaseSeconds: 60, concurrency: 1, pollMinMs: 10, pollMaxMs: 10, retentionDays: 14 },
      {} as OdooContract, d.connectors, writeback, d, d.metrics, d.log);
    worker.purge();
    expect(log.list().map((r) => r.event_id)).to.deep.equal([2]);
    expect((db.prepare('SELECT count(*) AS n FROM writeback').get() as { n: number }).n).to.equal(0);
  });

  it('`events list --local` shows the local attempts newest first, filtered by --outcome / --target', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-dlog-'));
    const file = path.join(dir, 'state.sqlite');
    const fileDb = openStateStore(file);
    const log = new DeliveryLog(fileDb, { payloads: true }, () => clock);
    const row = { event_id: 1, attempt: 1, target: 'wms', event_type: 'release', model: 'sale.order', res_id: 5, idempotency_key: 'k', correlation_id: 'c1', mapping_version: 'a'.repeat(64) };
    log.record({ ...row, outcome: 'retry', error_class: 'TransientError', error_message: 'WMS answered 503' });
    clock += 1000;
    log.record({ ...row, attempt: 2, outcome: 'sent', external_ref: 'SB-9', payload: { a: 1 } });
    clock += 1000;
    log.record({ ...row, event_id: 2, target: 'crm', outcome: 'failed', error_class: 'PermanentError', error_message: 'bad' });
    fileDb.close();
    const ctx = { loaded: { config: { state: { path: file } } } } as unknown as AppContext;
    const run = async (args: string[]) => {
      let text = '';
      const out = new PassThrough();
      out.on('data', (c: Buffer) => { text += c.toString(); });
      const code = await runEventsCommand(ctx, args, out);
      return { code, text };
    };
    const all = await run(['list', '--local']);
    expect(all.code).to.equal(0);
    const lines = all.text.trim().split('\n');
    expect(lines[0]).to.match(/\t2\tfailed\tcrm\trelease\tsale\.order,5\tattempt=1\t.*PermanentError: bad$/);
    expect(lines[1]).to.match(/\t1\tsent\twms\t.*attempt=2\tref=SB-9\tmapping=aaaaaaaaaaaa\tcorrelation=c1$/);
    expect(lines[2]).to.equal('\tpayload {"a":1}');
    expect(lines.at(-1)).to.equal('3 attempt(s)');
    const retries = await run(['list', '--local', '--outcome', 'retry']);
    expect(retries.text).to.match(/\t1\tretry\twms\t.*TransientError: WMS answered 503\n1 attempt\(s\)\n$/);
    const crm = await run(['list', '--local', '--target', 'crm']);
    expect(crm.text.trim().split('\n')).to.have.length(2);
    expect((await run(['list', '--local', '--outcome', 'nope'])).code).to.equal(2);
    expect((await run(['replay', '--id', '1', '--mapping-version', 'old'])).code).to.equal(2);
  });
});
