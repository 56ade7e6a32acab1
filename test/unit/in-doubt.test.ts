import { expect } from 'chai';
import { createConnector } from '../../bridge/connectors/index.js';
import type { ClaimedEvent, NackItem } from '../../bridge/odoo/contract.js';
import { deliverEvent, type DeliverDeps } from '../../bridge/runtime/deliver-event.js';
import { BridgeMetrics } from '../../bridge/runtime/metrics.js';
import { Redactor } from '../../bridge/log/redact.js';
import type { AckItem } from '../../bridge/odoo/contract.js';
import type { WritebackQueue } from '../../bridge/state/writeback-queue.js';
import { silentLog, target } from './connectors/helpers.js';

/**
 * A request left in doubt (its answer lost) must make every later try look the record up at the
 * target before creating it, whatever happens to the attempt count meanwhile: an attempt given
 * back (the circuit opened on that very timeout, so the look-up failed fast), a Retry or Replay
 * that resets the attempts. ShipBob has no idempotency header for receiving orders (WROs): only
 * that look-up keeps a second WRO from being created.
 */
describe('in doubt: a request whose answer was lost is looked up on every later try', () => {
  const PO = 'WH/IN/0001';
  let wros: Array<{ id: number; purchase_order_number: string; status: string }>;
  let posts: number;
  let lost: Set<number>;

  const fetchStub = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const u = new URL(url);
    if (init?.method === 'POST' && u.pathname.endsWith('/receiving')) {
      posts++;
      const wro = { id: 100 + posts, purchase_order_number: PO, status: 'Awaiting' };
      wros.push(wro);
      if (lost.has(posts)) { const e = new Error('The operation was aborted due to timeout'); e.name = 'TimeoutError'; throw e; }
      return new Response(JSON.stringify(wro), { status: 201, headers: { 'content-type': 'application/json' } });
    }
    if (init?.method === 'GET' && u.pathname.endsWith('/receiving')) return new Response(JSON.stringify(wros), { status: 200, headers: { 'content-type': 'application/json' } });
    return new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } });
  };

  function setUp(breakerThreshold: number) {
    wros = [];
    posts = 0;
    lost = new Set([1]);
    const conn = createConnector('wms', target({ preset: 'shipbob', base_url: 'https://api.shipbob.test/2026-01/', breaker_threshold: breakerThreshold, breaker_reset_ms: 60_000, options: { channel_id: 1 } }),
      () => 'token', { fetch: fetchStub as typeof fetch, sleep: async () => undefined });
    const nacks: NackItem[] = [];
    const acks: AckItem[] = [];
    const deps: DeliverDeps = {
      mapper: { specs: () => ({}), count: () => 1, map: async () => ({ mappingVersion: 'v1', kind: 'receipt', payload: { purchase_order_number: PO, boxes: [] } }) },
      connectors: new Map([['wms', conn]]),
      writeback: { enqueueAck: (a: AckItem) => acks.push(a), enqueueNack: (n: NackItem) => nacks.push(n) } as unknown as WritebackQueue,
      metrics: new BridgeMetrics(), redactor: new Redactor(), log: silentLog, retry: { maxAttempts: 8, baseMs: 10, maxMs: 100 },
    };
    return { conn, deps, nacks, acks };
  }
  const asn = (over: Partial<ClaimedEvent> = {}): ClaimedEvent => ({
    id: 1, target: 'wms', event_type: 'asn', model: 'stock.picking', res_id: 7, aggregate_key: 'stock.picking,7', idempotency_key: 'ik',
    attempts: 1, lease_token: 't', lease_expires_at: '2030-01-01 00:00:00', trace_id: 'trace-1', created_at: '2030-01-01 00:00:00',
    mapping_version: false, external_ref: false, record: { id: 7 }, ...over,
  });

  it('the POST times out and the circuit opens on it, so the look-up fails fast: the nack gives the attempt back but says in doubt', async () => {
    const { deps, nacks } = setUp(1);
    expect(await deliverEvent(asn(), deps)).to.equal('retry');
    expect(nacks).to.have.length(1);
    expect(nacks[0]).to.include({ uncount_attempt: true, in_doubt: true });
    expect((nacks[0]!.error_details as Record<string, unknown>)['reason']).to.equal('circuit_open');
    expect(wros.map((w) => w.id), 'the WRO landed').to.deep.equal([101]);
  });

  it('the next try, claimed with attempts 1 again but in doubt (Odoo kept it), finds the WRO and creates none', async () => {
    const { conn, deps, acks } = setUp(5);
    lost.clear();
    wros.push({ id: 101, purchase_order_number: PO, status: 'Awaiting' }); // what the lost POST created
    expect(await deliverEvent(asn({ attempts: 1, in_doubt: true }), deps)).to.equal('sent');
    expect(posts, 'no POST').to.equal(0);
    expect(acks.map((a) => a.external_ref)).to.deep.equal(['101']);
    expect(conn.circuitState()).to.equal('closed');
  });

  it('without the in-doubt flag (an addon before 18.0.1.13.0) the same try would create a second WRO: what the flag prevents', async () => {
    const { deps } = setUp(5);
    lost.clear();
    wros.push({ id: 101, purchase_order_number: PO, status: 'Awaiting' });
    expect(await deliverEvent(asn({ attempts: 1 }), deps)).to.equal('sent');
    expect([posts, wros.length], 'a second POST, a second WRO').to.deep.equal([1, 2]);
  });

  it('a look-up that itself fails after the timeout keeps the in-doubt mark on the error it throws', async () => {
    const { deps, nacks } = setUp(5);
    const failing = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      if (init?.method === 'GET') return new Response('{"message":"slow down"}', { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '1' } });
      return fetchStub(url, init);
    };
    const conn = createConnector('wms', target({ preset: 'shipbob', base_url: 'https://api.shipbob.test/2026-01/', options: { channel_id: 1 } }), () => 'token', { fetch: failing as typeof fetch, sleep: async () => undefined });
    expect(await deliverEvent(asn(), { ...deps, connectors: new Map([['wms', conn]]) })).to.equal('retry');
    expect(nacks[0]).to.include({ uncount_attempt: true, in_doubt: true });
  });

  it('a failure that reached nothing (a 429 on the POST) is not in doubt', async () => {
    const { deps, nacks } = setUp(5);
    const limited = async (): Promise<Response> => new Response('{"message":"slow down"}', { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '1' } });
    const conn = createConnector('wms', target({ preset: 'shipbob', base_url: 'https://api.shipbob.test/2026-01/', options: { channel_id: 1 } }), () => 'token', { fetch: limited as typeof fetch, sleep: async () => undefined });
    expect(await deliverEvent(asn(), { ...deps, connectors: new Map([['wms', conn]]) })).to.equal('retry');
    expect(nacks[0]).to.include({ uncount_attempt: true });
    expect(nacks[0]!.in_doubt).to.equal(undefined);
  });
});
