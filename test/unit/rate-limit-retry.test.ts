import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createConnector } from '../../bridge/connectors/index.js';
import { partialFailure } from '../../bridge/connectors/hubspot/index.js';
import type { Connector, DeliveryResult } from '../../bridge/connectors/connector.js';
import { classifyResponse } from '../../bridge/connectors/http/classify.js';
import { salesforceErrorExtractor } from '../../bridge/connectors/salesforce/errors.js';
import { PermanentError, TransientError } from '../../bridge/errors/index.js';
import { createLogger } from '../../bridge/log/logger.js';
import { Redactor } from '../../bridge/log/redact.js';
import type { ClaimedEvent, NackItem, OdooContract } from '../../bridge/odoo/contract.js';
import { deliverEvent, type DeliverDeps, type DeliveryOutcome } from '../../bridge/runtime/deliver-event.js';
import { BridgeMetrics } from '../../bridge/runtime/metrics.js';
import type { OutboundMapper } from '../../bridge/runtime/ports.js';
import { Worker } from '../../bridge/runtime/worker.js';
import { openStateStore } from '../../bridge/state/state-store.js';
import { WritebackQueue } from '../../bridge/state/writeback-queue.js';
import { startFake, type HubSpotFake } from '../fakes/start.js';
import { FakeClock, rejects, request, secret, silentLog, startServer, target, type TestServer } from './connectors/helpers.js';

const MAX_ATTEMPTS = 3;
const mapper: OutboundMapper = {
  specs: () => ({}),
  count: () => 1,
  map: async () => ({ kind: 'product', payload: { sku: 'A1' }, mappingVersion: 'v1' }),
};
const quietLog = createLogger({ level: 'error', format: 'json', redactor: new Redactor(), stream: new PassThrough() });

/**
 * One event through repeated claims, the way Odoo runs it: each claim adds one to `attempts`
 * (sync_claim), the outcome is written back (sync_nack: dead, or pending until next_attempt_at,
 * the claim given back when the nack says `uncount_attempt`) and the next claim happens when
 * the event is due. The clock is the connector's too.
 */
class SimulatedEvent {
  attempts = 0;
  state: 'pending' | 'done' | 'dead' = 'pending';
  dueAt: number;
  readonly nacks: Array<NackItem & { at: number }> = [];
  private readonly writeback = new WritebackQueue(openStateStore(':memory:'));

  constructor(private readonly clock: FakeClock, private readonly connector: Connector, readonly id = 1) {
    this.dueAt = clock.now();
  }

  deps(): DeliverDeps {
    return {
      mapper, connectors: new Map([[this.connector.code, this.connector]]), writeback: this.writeback, metrics: new BridgeMetrics(),
      redactor: new Redactor(), log: quietLog, retry: { maxAttempts: MAX_ATTEMPTS, baseMs: 1000, maxMs: 60_000 },
      now: this.clock.now, random: () => 0.5,
    };
  }

  /** Claims the event once it is due and delivers it; returns the outcome. */
  async claim(): Promise<DeliveryOutcome> {
    if (this.state !== 'pending') throw new Error(`event ${this.id} is ${this.state}`);
    if (this.clock.now() < this.dueAt) this.clock.advance(this.dueAt - this.clock.now());
    this.attempts++;
    const at = this.clock.now();
    const outcome = await deliverEvent(claimed(this.id, this.connector.code, this.attempts), this.deps());
    await this.writeback.flush({
      ack: async (items) => { this.state = 'done'; return { ok: items.map((i) => i.id), refused: [] }; },
      nack: async (items) => {
        for (const n of items) {
          this.nacks.push({ ...n, at });
          if (n.dead) this.state = 'dead';
          else this.dueAt = Date.parse(`${n.next_attempt_at!.replace(' ', 'T')}Z`);
          if (n.uncount_attempt) this.attempts = Math.max(this.attempts - 1, 0);
        }
        return { ok: items.map((i) => i.id), refused: [] };
      },
    });
    return outcome;
  }
}

function claimed(id: number, targetCode: string, attempts: number): ClaimedEvent {
  return {
    id, target: targetCode, event_type: 'upsert', model: 'product.product', res_id: 42, aggregate_key: `product.product,${id}`,
    idempotency_key: `k${id}`, attempts, lease_token: 't', lease_expires_at: '2030-01-01 00:00:00', trace_id: `trace-${id}`,
    created_at: '2030-01-01 00:00:00', mapping_version: false, external_ref: false, record: { id: 42 },
  };
}

describe('rate limits never make an event dead; other transient failures still do', () => {
  let srv: TestServer;
  let mode: '429' | '503' | 'ok' = 'ok';
  let clock: FakeClock;
  before(async () => {
    srv = await startServer((app) => {
      app.put('/items/:sku', (req, res) => {
        if (mode === '429') res.set('Retry-After', '30').status(429).json({ error: { code: 'rate_limited', message: 'Too many requests' } });
        else if (mode === '503') res.status(503).json({ error: { code: 'down', message: 'maintenance' } });
        else res.json({ id: `wms-${req.params.sku}` });
      });
    });
  });
  after(() => srv.close());
  beforeEach(() => { srv.requests.length = 0; mode = 'ok'; clock = new FakeClock(); });

  const wms = (extra: Record<string, unknown> = {}) => createConnector('wms', target({
    preset: 'generic_wms', base_url: srv.url, breaker_threshold: 1000, ...extra,
  }), secret, { now: clock.now, sleep: clock.sleep });

  it('a target answering 429 forever: retried after Retry-After, never dead, each claim given back (Attempts counts real failures only)', async () => {
    mode = '429';
    const ev = new SimulatedEvent(clock, wms());
    const N = MAX_ATTEMPTS * 3;
    const outcomes: DeliveryOutcome[] = [];
    for (let i = 0; i < N; i++) outcomes.push(await ev.claim());
    expect(outcomes).to.deep.equal(Array(N).fill('retry'));
    expect(ev.state).to.equal('pending');
    // Every claim was really sent (the pause had ended), and each retry waited for Retry-After.
    expect(srv.requests.length).to.equal(N);
    for (const n of ev.nacks) {
      expect(n.retryable).to.equal(true);
      expect(n.dead).to.equal(false);
      expect(Date.parse(`${n.next_attempt_at!.replace(' ', 'T')}Z`) - n.at).to.be.at.least(29_000);
    }
    // Each nack gives its claim back and says why in Last Error Details.
    expect(ev.nacks.every((n) => n.uncount_attempt === true)).to.equal(true);
    expect(ev.attempts, 'Attempts in Odoo after N rate-limited tries').to.equal(0);
    expect(ev.nacks.map((n) => n.error_details!.attempt)).to.deep.equal(Array(N).fill(1));
    expect(ev.nacks.every((n) => n.error_details!.notCounted === 'rate_limit' && n.error_details!.reason === 'rate_limited')).to.equal(true);
    // The limit lifts: the next claim delivers.
    mode = 'ok';
    expect(await ev.claim()).to.equal('sent');
    expect(ev.state).to.equal('done');
  });

  it('after many rate-limited tries, a poison event still gets max_attempts counted failures before it is dead', async () => {
    mode = '429';
    const ev = new SimulatedEvent(clock, wms());
    for (let i = 0; i < MAX_ATTEMPTS * 3; i++) expect(await ev.claim()).to.equal('retry');
    mode = '503';
    const outcomes: DeliveryOutcome[] = [];
    while (ev.state === 'pending' && outcomes.length < 10) outcomes.push(await ev.claim());
    expect(outcomes).to.deep.equal([...Array(MAX_ATTEMPTS - 1).fill('retry'), 'dead']);
    expect(ev.nacks.slice(-MAX_ATTEMPTS).every((n) => n.uncount_attempt === undefined)).to.equal(true);
  });

  it('a target answering 5xx forever: the event goes dead at max_attempts (a poison event is not exempt)', async () => {
    mode = '503';
    const ev = new SimulatedEvent(clock, wms());
    const outcomes: DeliveryOutcome[] = [];
    while (ev.state === 'pending' && outcomes.length < 10) outcomes.push(await ev.claim());
    expect(outcomes).to.deep.equal(['retry', 'retry', 'dead']);
    expect(ev.attempts).to.equal(MAX_ATTEMPTS);
    expect(ev.nacks.every((n) => n.error_details!.notCounted === undefined)).to.equal(true);
  });

  it('held back by our own limit (throttled) or by the pause after a 429 (paused): never dead, nothing sent', async () => {
    const throttled = wms({ rate_per_minute: 1, options: { max_wait_ms: 1_000 } });
    await throttled.deliver(request({ kind: 'product', payload: { sku: 'first' } }), silentLog); // takes the only slot
    const ev = new SimulatedEvent(clock, throttled, 2);
    for (let i = 0; i < MAX_ATTEMPTS + 2; i++) {
      ev.dueAt = clock.now(); // claimed again at once: the slot is still taken
      expect(await ev.claim()).to.equal('retry');
    }
    expect(ev.nacks.map((n) => [n.error_details!.reason, n.error_details!.notCounted])).to.deep.equal(Array(MAX_ATTEMPTS + 2).fill(['throttled', 'rate_limit']));
    expect(srv.requests.length).to.equal(1);

    mode = '429';
    const paused = wms();
    await rejects(() => paused.deliver(request({ kind: 'product', payload: { sku: 'first' } }), silentLog)); // pauses the target 30 s
    const held = new SimulatedEvent(clock, paused, 3);
    held.attempts = MAX_ATTEMPTS + 4;
    expect(await held.claim()).to.equal('retry');
    expect(held.nacks[0]!.error_details).to.include({ reason: 'paused', notCounted: 'rate_limit', attempt: MAX_ATTEMPTS + 5 });
    expect(srv.requests.length).to.equal(2);
  });

  it('an open circuit and a failed probe stay exempt (unchanged)', async () => {
    mode = '503';
    const c = wms({ breaker_threshold: 1, breaker_reset_ms: 5_000 });
    const ev = new SimulatedEvent(clock, c);
    ev.attempts = MAX_ATTEMPTS + 1;
    expect(await ev.claim()).to.equal('dead'); // counted: opens the circuit
    const held = new SimulatedEvent(clock, c, 2);
    held.attempts = MAX_ATTEMPTS;
    expect(await held.claim()).to.equal('retry');
    expect(held.nacks[0]!.error_details!.notCounted).to.equal('circuit_open');
    clock.advance(5_000);
    held.dueAt = clock.now();
    expect(await held.claim()).to.equal('retry');
    expect(held.nacks[1]!.error_details).to.include({ probe: true, notCounted: 'probe' });
  });
});

describe('vendor rate limits are typed (TransientError.rateLimited)', () => {
  const sf = salesforceErrorExtractor(3_600_000);
  const classify = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    const res = { status, headers: new Headers(headers), text: JSON.stringify(body), body };
    return classifyResponse({ target: 'crm', label: 'PATCH /x', res, info: sf(res), now: 0, redact: (s) => s });
  };

  it('Salesforce REQUEST_LIMIT_EXCEEDED is a rate limit; UNABLE_TO_LOCK_ROW is transient but counted', () => {
    const limit = classify(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]) as TransientError;
    expect(limit).to.be.instanceOf(TransientError);
    expect(limit.rateLimited).to.equal(true);
    expect(limit.retryAfterMs).to.equal(3_600_000);
    expect(limit.details.reason).to.equal('rate_limited');
    const lock = classify(400, [{ message: 'unable to obtain exclusive access to this record', errorCode: 'UNABLE_TO_LOCK_ROW' }]) as TransientError;
    expect(lock).to.be.instanceOf(TransientError);
    expect(lock.rateLimited).to.equal(false);
  });

  it('any 429 is a rate limit; a 5xx is not', () => {
    expect((classify(429, { message: 'slow down' }) as TransientError).rateLimited).to.equal(true);
    expect((classify(503, { message: 'down' }) as TransientError).rateLimited).to.equal(false);
  });

  it('a HubSpot 207 whose errors are all RATE_LIMITS is a rate limit; mixed with a 5xx it is not', () => {
    const limited = partialFailure('crm', 'contacts', [{ message: 'limit', category: 'RATE_LIMITS', ids: ['1'] }], 0) as TransientError;
    expect(limited.rateLimited).to.equal(true);
    const mixed = partialFailure('crm', 'contacts', [{ message: 'limit', category: 'RATE_LIMITS', ids: ['1'] }, { message: 'oops', status: '500', ids: ['2'] }], 0) as TransientError;
    expect(mixed).to.be.instanceOf(TransientError);
    expect(mixed.rateLimited).to.equal(false);
    expect(partialFailure('crm', 'contacts', [{ message: 'bad', category: 'VALIDATION_ERROR', ids: ['1'] }], 0)).to.be.instanceOf(PermanentError);
  });
});

describe('HubSpot 429: the pause follows the policy HubSpot names (it sends no Retry-After)', () => {
  let fake: HubSpotFake;
  afterEach(async () => { await fake?.close(); });
  const contact = () => request({ kind: 'customer', eventType: 'upsert', model: 'res.partner', resId: 9, payload: { properties: { name: 'ACME' } } });
  const hubspot = (clock: FakeClock, options: Record<string, unknown> = {}) => createConnector('crm', target({
    preset: 'hubspot', base_url: fake.baseUrl, auth: { type: 'bearer', token: { env: 'HS' } }, options,
  }), (ref) => ('env' in ref && ref.env === 'HS' ? fake.tokens[0]! : secret(ref)), { now: clock.now, sleep: clock.sleep });

  it('TEN_SECONDLY_ROLLING: paused for the window (X-HubSpot-RateLimit-Interval-Milliseconds)', async () => {
    fake = await startFake('hubspot', { rateLimit: { limit: 1, windowMs: 10_000 } });
    const clock = new FakeClock();
    const c = hubspot(clock);
    await c.deliver(contact(), silentLog);
    const err = (await rejects(() => c.deliver(contact(), silentLog))) as unknown as TransientError;
    expect(err).to.be.instanceOf(TransientError);
    expect(err.rateLimited).to.equal(true);
    expect(err.retryAfterMs).to.equal(10_000);
    expect(c.pausedForMs()).to.equal(10_000);
  });

  it('DAILY: paused for options.daily_limit_retry_ms (default 1 h)', async () => {
    fake = await startFake('hubspot', { rateLimit: { daily: 0 } });
    const clock = new FakeClock();
    const byDefault = hubspot(clock);
    const err = (await rejects(() => byDefault.deliver(contact(), silentLog))) as unknown as TransientError;
    expect(err.rateLimited).to.equal(true);
    expect(err.message).to.contain('daily');
    expect(err.retryAfterMs).to.equal(3_600_000);
    expect(byDefault.pausedForMs()).to.equal(3_600_000);
    const configured = hubspot(clock, { daily_limit_retry_ms: 900_000 });
    expect(((await rejects(() => configured.deliver(contact(), silentLog))) as unknown as TransientError).retryAfterMs).to.equal(900_000);
    expect(configured.pausedForMs()).to.equal(900_000);
  });
});

class StubConnector implements Connector {
  readonly preset = 'generic_wms';
  paused = 0;
  constructor(readonly code: string) {}
  async deliver(): Promise<DeliveryResult> { return { summary: 'ok' }; }
  circuitState() { return 'closed' as const; }
  pausedForMs() { return this.paused; }
}

describe('worker: no claim for a target paused by a rate limit', () => {
  it('claims from the other targets meanwhile, and from the paused one once the pause ends', async () => {
    const wmsConn = new StubConnector('wms');
    const crmConn = new StubConnector('crm');
    wmsConn.paused = 30_000;
    const claims: string[][] = [];
    const contract = {
      claim: async (_w: string, targets: string[]) => { claims.push([...targets]); return []; },
      heartbeat: async () => ({ ok: [], refused: [] }),
      release: async () => ({ ok: [], refused: [] }),
      ack: async () => ({ ok: [], refused: [] }),
      nack: async () => ({ ok: [], refused: [] }),
    } as unknown as OdooContract;
    const connectors = new Map<string, Connector>([['wms', wmsConn], ['crm', crmConn]]);
    const writeback = new WritebackQueue(openStateStore(':memory:'));
    const metrics = new BridgeMetrics();
    const deps: DeliverDeps = { mapper, connectors, writeback, metrics, redactor: new Redactor(), log: quietLog, retry: { maxAttempts: 3, baseMs: 10, maxMs: 10 } };
    const worker = new Worker({ workerId: 'w', batchSize: 5, leaseSeconds: 60, concurrency: 2, pollMinMs: 5, pollMaxMs: 5 }, contract, connectors, writeback, deps, metrics, quietLog);
    const until = async (cond: () => boolean) => { for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5)); };
    worker.start();
    try {
      await until(() => claims.length >= 3);
      expect(claims.length).to.be.at.least(3);
      expect(claims.every((t) => t.join() === 'crm'), JSON.stringify(claims)).to.equal(true);
      wmsConn.paused = 0;
      const seen = claims.length;
      await until(() => claims.slice(seen).some((t) => t.includes('wms')));
      expect(claims.slice(seen).some((t) => t.includes('wms'))).to.equal(true);
    } finally {
      await worker.stop(1000);
    }
  });
});
