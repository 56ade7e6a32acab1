import { expect } from 'chai';
import { CircuitBreaker, createConnector } from '../../../../bridge/connectors/index.js';
import { PermanentError, TransientError } from '../../../../bridge/errors/index.js';
import { FakeClock, rejects, request, secret, silentLog, startServer, target, type TestServer } from '../helpers.js';

describe('connectors/http circuit breaker', () => {
  it('unit: opens after N consecutive failures, half-opens after reset, one probe', () => {
    const clk = new FakeClock();
    const changes: string[] = [];
    const b = new CircuitBreaker({ threshold: 3, resetMs: 10_000, now: clk.now, onStateChange: (f, t) => changes.push(`${f}->${t}`) });
    for (let i = 0; i < 2; i++) b.onFailure(b.acquire('t'));
    b.onSuccess(b.acquire('t')); // a success resets the count
    for (let i = 0; i < 2; i++) b.onFailure(b.acquire('t'));
    expect(b.state()).to.equal('closed');
    b.onFailure(b.acquire('t'));
    expect(b.state()).to.equal('open');
    const e = (() => { try { b.acquire('t'); } catch (err) { return err as TransientError; } throw new Error('no throw'); })();
    expect(e).to.be.instanceOf(TransientError);
    expect(e.retryAfterMs).to.equal(10_000);
    clk.advance(10_000);
    expect(b.state()).to.equal('half_open');
    const probe = b.acquire('t');
    expect(probe.probe).to.equal(true);
    expect(() => b.acquire('t')).to.throw(TransientError); // only one probe
    b.onFailure(probe);
    expect(b.state()).to.equal('open');
    clk.advance(10_000);
    b.onSuccess(b.acquire('t'));
    expect(b.state()).to.equal('closed');
    expect(changes).to.deep.equal(['closed->open', 'open->half_open', 'half_open->open', 'open->half_open', 'half_open->closed']);
  });

  describe('through a connector', () => {
    let srv: TestServer;
    let mode: 'fail' | 'ok' | 'reject' = 'fail';
    before(async () => {
      srv = await startServer((app) => {
        app.put('/items/:sku', (_req, res) => {
          if (mode === 'fail') res.status(500).json({ error: { code: 'oops', message: 'internal' } });
          else if (mode === 'reject') res.status(400).json({ error: { code: 'invalid', message: 'nope' } });
          else res.json({ id: 'ok' });
        });
      });
    });
    after(() => srv.close());
    beforeEach(() => { srv.requests.length = 0; });

    it('fails fast while open, probes after breaker_reset_ms, closes on success', async () => {
      const clock = new FakeClock();
      const c = createConnector('wms', target({ preset: 'generic_wms', base_url: srv.url, breaker_threshold: 3, breaker_reset_ms: 30_000 }), secret, { now: clock.now, sleep: clock.sleep });
      mode = 'fail';
      for (let i = 0; i < 3; i++) await rejects(() => c.deliver(request({ kind: 'product', payload: { sku: 'a' } }), silentLog));
      expect(c.circuitState()).to.equal('open');
      expect(srv.requests.length).to.equal(3);
      const fast = (await rejects(() => c.deliver(request({ kind: 'product', payload: { sku: 'a' } }), silentLog))) as unknown as TransientError;
      expect(fast).to.be.instanceOf(TransientError);
      expect(fast.message).to.contain('circuit open');
      expect(srv.requests.length).to.equal(3);
      clock.advance(30_000);
      expect(c.circuitState()).to.equal('half_open');
      mode = 'ok';
      await c.deliver(request({ kind: 'product', payload: { sku: 'a' } }), silentLog);
      expect(c.circuitState()).to.equal('closed');
      expect(srv.requests.length).to.equal(4);
    });

    it('4xx answers do not open the circuit', async () => {
      const c = createConnector('wms', target({ preset: 'generic_wms', base_url: srv.url, breaker_threshold: 2 }), secret);
      mode = 'reject';
      for (let i = 0; i < 4; i++) {
        const e = await rejects(() => c.deliver(request({ kind: 'product', payload: { sku: 'a' } }), silentLog));
        expect(e).to.be.instanceOf(PermanentError);
      }
      expect(c.circuitState()).to.equal('closed');
    });
  });
});
