import { expect } from 'chai';
import { createConnector, RateLimiter, ConcurrencyLimiter, parseRetryAfter } from '../../../../bridge/connectors/index.js';
import { TransientError } from '../../../../bridge/errors/index.js';
import { FakeClock, rejects, request, secret, silentLog, startServer, target, type TestServer } from '../helpers.js';

describe('connectors/http rate limiting and concurrency', () => {
  let srv: TestServer;
  let limited: 'none' | 'retry-after' | 'x-retry-after' | 'date' = 'none';
  let delayMs = 0;
  let inflight = 0;
  let maxInflight = 0;
  let clock = new FakeClock();
  before(async () => {
    srv = await startServer((app) => {
      app.put('/items/:sku', async (req, res) => {
        inflight++;
        maxInflight = Math.max(maxInflight, inflight);
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        inflight--;
        if (limited === 'retry-after') { limited = 'none'; res.set('Retry-After', '30').status(429).json({ error: { code: 'rate', message: 'slow down' } }); return; }
        if (limited === 'x-retry-after') { limited = 'none'; res.set('x-retry-after', '7').set('x-remaining-calls', '0').status(429).end(); return; }
        if (limited === 'date') { limited = 'none'; res.set('Retry-After', new Date(clock.now() + 120_000).toUTCString()).status(429).end(); return; }
        res.json({ id: req.params.sku });
      });
    });
  });
  after(() => srv.close());
  beforeEach(() => { srv.requests.length = 0; limited = 'none'; delayMs = 0; inflight = 0; maxInflight = 0; clock = new FakeClock(); });

  const item = () => request({ kind: 'product', eventType: 'upsert', payload: { sku: 'A1' } });
  const conn = (extra: Record<string, unknown> = {}) =>
    createConnector('wms', target({ preset: 'generic_wms', base_url: srv.url, ...extra }), secret, { now: clock.now, sleep: clock.sleep });

  it('429 with Retry-After pauses the whole target until then', async () => {
    const c = conn();
    limited = 'retry-after';
    const first = (await rejects(() => c.deliver(item(), silentLog))) as unknown as TransientError;
    expect(first).to.be.instanceOf(TransientError);
    expect(first.retryAfterMs).to.equal(30_000);
    expect(first.message).to.contain('slow down');
    // 10 s later: still paused, nothing is sent
    clock.advance(10_000);
    const second = (await rejects(() => c.deliver(item(), silentLog))) as unknown as TransientError;
    expect(second).to.be.instanceOf(TransientError);
    expect(second.retryAfterMs).to.equal(20_000);
    expect(srv.requests.length).to.equal(1);
    // after the pause: goes through
    clock.advance(20_001);
    await c.deliver(item(), silentLog);
    expect(srv.requests.length).to.equal(2);
  });

  it("honours ShipBob's x-retry-after (seconds); a short pause is waited out in place", async () => {
    const c = conn();
    limited = 'x-retry-after';
    const err = (await rejects(() => c.deliver(item(), silentLog))) as unknown as TransientError;
    expect(err.retryAfterMs).to.equal(7_000);
    const t0 = clock.now();
    await c.deliver(item(), silentLog); // 7 s <= max_wait_ms (10 s): sleeps on the fake clock
    expect(clock.now() - t0).to.equal(7_000);
    expect(srv.requests.length).to.equal(2);
  });

  it('Retry-After as an HTTP date', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Tue, 01 Jan 2030 00:02:00 GMT' }), now)).to.equal(120_000);
    expect(parseRetryAfter(new Headers({}), now)).to.equal(undefined);
  });

  it('client-side rate_per_minute spaces requests over a sliding window', async () => {
    const c = conn({ rate_per_minute: 2, options: { max_wait_ms: 120_000 } });
    const t0 = clock.now();
    await c.deliver(item(), silentLog);
    await c.deliver(item(), silentLog);
    expect(clock.now()).to.equal(t0);
    await c.deliver(item(), silentLog); // third in the window waits for the first slot to expire
    expect(clock.now() - t0).to.equal(60_000);
    expect(srv.requests.length).to.equal(3);
  });

  it('client-side limit beyond max_wait_ms fails fast with retryAfterMs, nothing sent', async () => {
    const c = conn({ rate_per_minute: 1, options: { max_wait_ms: 1_000 } });
    await c.deliver(item(), silentLog);
    const err = (await rejects(() => c.deliver(item(), silentLog))) as unknown as TransientError;
    expect(err).to.be.instanceOf(TransientError);
    expect(err.retryAfterMs).to.equal(60_000);
    expect(srv.requests.length).to.equal(1);
  });

  it('RateLimiter unit: window and pause', () => {
    const clk = new FakeClock();
    const rl = new RateLimiter(3, clk.now);
    expect([rl.tryAcquire(), rl.tryAcquire(), rl.tryAcquire()]).to.deep.equal([0, 0, 0]);
    clk.advance(20_000);
    expect(rl.tryAcquire()).to.equal(40_000);
    clk.advance(40_000);
    expect(rl.tryAcquire()).to.equal(0);
    rl.pause(5_000, 'test');
    expect(rl.tryAcquire()).to.equal(5_000);
    rl.pause(1_000, 'shorter');
    expect(rl.pausedForMs()).to.equal(5_000);
  });

  it('limits requests in flight to target.concurrency', async () => {
    delayMs = 60;
    const c = createConnector('wms', target({ preset: 'generic_wms', base_url: srv.url, concurrency: 2 }), secret);
    await Promise.all(Array.from({ length: 6 }, () => c.deliver(item(), silentLog)));
    expect(srv.requests.length).to.equal(6);
    expect(maxInflight).to.equal(2);
  });

  it('ConcurrencyLimiter unit: FIFO hand-over', async () => {
    const cl = new ConcurrencyLimiter(1);
    const order: number[] = [];
    const r1 = await cl.acquire();
    const p2 = cl.acquire().then((r) => { order.push(2); return r; });
    const p3 = cl.acquire().then((r) => { order.push(3); return r; });
    expect(cl.queued).to.equal(2);
    r1();
    (await p2)();
    (await p3)();
    expect(order).to.deep.equal([2, 3]);
    expect(cl.inFlight).to.equal(0);
  });
});
