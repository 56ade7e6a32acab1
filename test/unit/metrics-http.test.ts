import { expect } from 'chai';
import { createTargetConnectors } from '../../bridge/app/connectors.js';
import { BridgeMetrics } from '../../bridge/runtime/metrics.js';
import { rejects, request, secret, silentLog, startServer, target, type TestServer } from './connectors/helpers.js';

describe('metrics: per-target HTTP requests and latency (sync-bridge start wiring)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer((app) => {
      app.put('/items/:sku', (req, res) => {
        if (req.params.sku === 'down') { res.status(503).json({ error: { code: 'down', message: 'maintenance' } }); return; }
        res.json({ id: `item-${req.params.sku}` });
      });
    });
  });
  after(() => srv.close());

  const item = (sku: string) => request({ kind: 'product', eventType: 'upsert', model: 'product.product', payload: { sku } });
  const sample = (text: string, name: string, labels: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  it('counts each exchange by target, method and status (error for no answer) and observes its duration', async () => {
    const metrics = new BridgeMetrics();
    const connectors = createTargetConnectors({
      wms: target({ preset: 'generic_wms', base_url: srv.url, breaker_threshold: 10 }),
      gone: target({ preset: 'generic_wms', base_url: 'http://127.0.0.1:9', breaker_threshold: 10 }),
    }, secret, metrics);
    const wms = connectors.get('wms')!;
    await wms.deliver(item('A1'), silentLog);
    await wms.deliver(item('A2'), silentLog);
    await rejects(() => wms.deliver(item('down'), silentLog));
    await rejects(() => connectors.get('gone')!.deliver(item('A1'), silentLog));

    const text = await metrics.registry.metrics();
    expect(sample(text, 'sync_bridge_http_requests_total', 'target="wms",method="PUT",status="200"')).to.equal(2);
    expect(sample(text, 'sync_bridge_http_requests_total', 'target="wms",method="PUT",status="503"')).to.equal(1);
    expect(sample(text, 'sync_bridge_http_requests_total', 'target="gone",method="PUT",status="error"')).to.equal(1);
    expect(sample(text, 'sync_bridge_http_request_duration_seconds_count', 'target="wms",method="PUT"')).to.equal(3);
    expect(sample(text, 'sync_bridge_http_request_duration_seconds_bucket', 'le="+Inf",target="wms",method="PUT"')).to.equal(3);
    expect(sample(text, 'sync_bridge_http_request_duration_seconds_count', 'target="gone",method="PUT"')).to.equal(1);
    expect(sample(text, 'sync_bridge_http_request_duration_seconds_sum', 'target="wms",method="PUT"')).to.be.greaterThan(0).and.lessThan(60);
    // Bounded labels: no path, URL or record id anywhere in the HTTP series.
    const series = text.split('\n').filter((l) => l.startsWith('sync_bridge_http_'));
    expect(series.length).to.be.greaterThan(0);
    for (const l of series) expect(l).not.to.match(/items|A1|A2|127\.0\.0\.1/);
  });
});
