import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type { Connector, DeliveryResult, OutboundRequest } from '../../bridge/connectors/connector.js';
import { createLogger } from '../../bridge/log/logger.js';
import { Redactor } from '../../bridge/log/redact.js';
import type { AckItem, ClaimedEvent, LeaseRef, OdooContract, ReleaseItem } from '../../bridge/odoo/contract.js';
import type { DeliverDeps } from '../../bridge/runtime/deliver-event.js';
import { BridgeMetrics } from '../../bridge/runtime/metrics.js';
import type { OutboundMapper } from '../../bridge/runtime/ports.js';
import { Worker } from '../../bridge/runtime/worker.js';
import { openStateStore } from '../../bridge/state/state-store.js';
import { WritebackQueue } from '../../bridge/state/writeback-queue.js';

/**
 * The worker's lifecycle edges: a SIGTERM that arrives while a claim is on its way, and an event
 * this sidecar claims again while its own delivery of it still runs (its lease expired during an
 * Odoo outage). Neither may send a request nobody waits for, or send the same event twice at once.
 */
const mapper: OutboundMapper = {
  specs: () => ({}),
  count: () => 1,
  map: async () => ({ kind: 'order', payload: { reference_id: 'SO1' }, mappingVersion: 'v1' }),
};
const quietLog = createLogger({ level: 'error', format: 'json', redactor: new Redactor(), stream: new PassThrough() });

function claimed(id: number, token: string): ClaimedEvent {
  return {
    id, target: 'wms', event_type: 'release', model: 'sale.order', res_id: 42, aggregate_key: `sale.order,${id}`,
    idempotency_key: `k${id}`, attempts: 1, lease_token: token, lease_expires_at: '2030-01-01 00:00:00', trace_id: `trace-${id}`,
    created_at: '2030-01-01 00:00:00', mapping_version: false, external_ref: false, record: { id: 42 },
  };
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

class HoldingConnector implements Connector {
  readonly preset = 'generic_wms';
  readonly code = 'wms';
  sent: OutboundRequest[] = [];
  gate = deferred<void>();
  async deliver(req: OutboundRequest): Promise<DeliveryResult> {
    this.sent.push(req);
    await this.gate.promise;
    return { summary: 'created', externalRef: `WMS-${req.resId}` };
  }
  circuitState() { return 'closed' as const; }
  pausedForMs() { return 0; }
}

const until = async (what: string, cond: () => boolean) => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

function setUp(claim: (n: number) => Promise<ClaimedEvent[]>) {
  const connector = new HoldingConnector();
  const calls = { claims: 0, released: [] as ReleaseItem[], acks: [] as AckItem[], heartbeats: [] as LeaseRef[][] };
  const contract = {
    claim: async () => claim(++calls.claims),
    heartbeat: async (_w: string, refs: LeaseRef[]) => { calls.heartbeats.push(refs.map((r) => ({ ...r }))); return { ok: refs.map((r) => r.id), refused: [] }; },
    release: async (_w: string, items: ReleaseItem[]) => { calls.released.push(...items); return { ok: items.map((i) => i.id), refused: [] }; },
    ack: async (items: AckItem[]) => { calls.acks.push(...items); return { ok: items.map((i) => i.id), refused: [] }; },
    nack: async () => ({ ok: [], refused: [] }),
  } as unknown as OdooContract;
  const connectors = new Map<string, Connector>([['wms', connector]]);
  const writeback = new WritebackQueue(openStateStore(':memory:'));
  const metrics = new BridgeMetrics();
  const deps: DeliverDeps = { mapper, connectors, writeback, metrics, redactor: new Redactor(), log: quietLog, retry: { maxAttempts: 3, baseMs: 10, maxMs: 10 } };
  const worker = new Worker({ workerId: 'w', batchSize: 5, leaseSeconds: 3, concurrency: 4, pollMinMs: 5, pollMaxMs: 5 }, contract, connectors, writeback, deps, metrics, quietLog);
  return { worker, connector, calls };
}

describe('worker: stopping while a claim is on its way', () => {
  it('sends nothing it claimed after SIGTERM: the leases go back unsent (not in doubt)', async () => {
    const answer = deferred<ClaimedEvent[]>();
    const { worker, connector, calls } = setUp((n) => (n === 1 ? answer.promise : Promise.resolve([])));
    worker.start();
    await until('the first claim', () => calls.claims === 1);
    const stopped = worker.stop(50);
    answer.resolve([claimed(1, 'a'), claimed(2, 'b')]); // Odoo answers after the stop began
    await stopped;
    expect(connector.sent, 'no request after SIGTERM').to.deep.equal([]);
    expect(calls.released).to.deep.equal([{ id: 1, lease_token: 'a' }, { id: 2, lease_token: 'b' }]);
    expect(calls.released.some((r) => r.in_doubt), 'nothing was sent: not in doubt').to.equal(false);
    expect(calls.claims, 'no claim after the stop').to.equal(1);
  });
});

describe('worker: an event claimed again while its own delivery still runs', () => {
  it('is not delivered a second time: the running delivery goes on under the new lease (heartbeats and ack)', async () => {
    const { worker, connector, calls } = setUp((n) => Promise.resolve(n === 1 ? [claimed(7, 'old')] : n === 2 ? [claimed(7, 'new')] : []));
    worker.start();
    try {
      await until('the second claim', () => calls.claims >= 3);
      expect(connector.sent, 'one request for event 7').to.have.length(1);
      await until('a heartbeat', () => calls.heartbeats.length > 0);
      expect(calls.heartbeats.at(-1)).to.deep.equal([{ id: 7, lease_token: 'new' }]);
      connector.gate.resolve();
      await until('the ack', () => calls.acks.length > 0);
      expect(calls.acks.map((a) => [a.id, a.lease_token, a.external_ref])).to.deep.equal([[7, 'new', 'WMS-42']]);
      expect(connector.sent).to.have.length(1);
    } finally {
      await worker.stop(1000);
    }
  });
});
