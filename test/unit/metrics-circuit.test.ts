import { expect } from 'chai';
import { createConnector } from '../../bridge/connectors/index.js';
import { BridgeMetrics } from '../../bridge/runtime/metrics.js';
import { FakeClock, rejects, request, secret, silentLog, startServer, target, type TestServer } from './connectors/helpers.js';

describe('metrics: sync_bridge_circuit_state follows the breaker without /readyz', () => {
  let srv: TestServer;
  before(async () => { srv = await startServer((app) => { app.put('/items/:sku', (_req, res) => { res.status(503).json({ error: { code: 'down', message: 'maintenance' } }); }); }); });
  after(() => srv.close());

  it('reads every target breaker at scrape time: closed 0, open 2, half open 1', async () => {
    const clock = new FakeClock();
    const c = createConnector('wms', target({ preset: 'generic_wms', base_url: srv.url, breaker_threshold: 1, breaker_reset_ms: 5_000 }), secret, { now: clock.now, sleep: clock.sleep });
    const metrics = new BridgeMetrics();
    metrics.trackCircuits(() => [c]);
    const scrape = async () => {
      const text = await metrics.registry.metrics();
      const m = /^sync_bridge_circuit_state\{target="wms"\} (\d+)$/m.exec(text);
      return m ? Number(m[1]) : undefined;
    };
    expect(await scrape()).to.equal(0);
    await rejects(() => c.deliver(request({ kind: 'product', payload: { sku: 'a' } }), silentLog));
    expect(await scrape()).to.equal(2);
    clock.advance(5_000);
    expect(await scrape()).to.equal(1);
    expect(await scrape(), 'a second scrape sees the same state').to.equal(1);
  });
});
