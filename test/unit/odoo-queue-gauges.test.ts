import { expect } from 'chai';
import { BridgeMetrics } from '../../bridge/runtime/metrics.js';
import { OdooQueueGauges } from '../../bridge/runtime/odoo-queue-gauges.js';
import type { TargetStatus } from '../../bridge/odoo/contract.js';

/** Odoo's queue figures (sync_status_summary) on /metrics, read at scrape time. */
describe('metrics: Odoo queue gauges', () => {
  const row = (target: string, extra: Partial<TargetStatus> = {}): TargetStatus => ({
    target, kind: 'wms', active: true, pending: 0, in_progress: 0, failed: 0, dead: 0, oldest_pending_age_seconds: false, open_exceptions: 0, ...extra,
  });
  const line = (text: string, name: string) => text.split('\n').find((l) => l.startsWith(name));

  function setUp(answers: Array<TargetStatus[] | Error>) {
    const clock = { t: 1_700_000_000_000 };
    let calls = 0;
    const metrics = new BridgeMetrics();
    new OdooQueueGauges(metrics.registry, async () => {
      const a = answers[Math.min(calls, answers.length - 1)]!;
      calls += 1;
      await new Promise((r) => setTimeout(r, 5));
      if (a instanceof Error) throw a;
      return a;
    }, { now: () => clock.t, maxAgeMs: 30_000 });
    return { metrics, clock, calls: () => calls, scrape: () => metrics.registry.metrics() };
  }

  it('exposes pending events per claim lane when the addon reports them', async () => {
    const { scrape } = setUp([[row('wms_main', { pending: 7, pending_by_lane: { order: 2, status: 0, bulk: 5 } }), row('old_addon', { pending: 1 })]]);
    const text = await scrape();
    expect(text).to.contain('sync_bridge_odoo_pending_by_lane{target="wms_main",lane="order"} 2');
    expect(text).to.contain('sync_bridge_odoo_pending_by_lane{target="wms_main",lane="status"} 0');
    expect(text).to.contain('sync_bridge_odoo_pending_by_lane{target="wms_main",lane="bulk"} 5');
    expect(text).to.not.contain('sync_bridge_odoo_pending_by_lane{target="old_addon"');
  });

  it('exposes events per target and state, the oldest pending age and open exceptions', async () => {
    const { scrape } = setUp([[row('wms_main', { pending: 3, in_progress: 1, dead: 2, oldest_pending_age_seconds: 42, open_exceptions: 5 }), row('crm', { failed: 1 })]]);
    const text = await scrape();
    expect(text).to.contain('sync_bridge_odoo_events{target="wms_main",state="pending"} 3');
    expect(text).to.contain('sync_bridge_odoo_events{target="wms_main",state="in_progress"} 1');
    expect(text).to.contain('sync_bridge_odoo_events{target="wms_main",state="dead"} 2');
    expect(text).to.contain('sync_bridge_odoo_events{target="crm",state="failed"} 1');
    expect(text).to.contain('sync_bridge_odoo_oldest_pending_seconds{target="wms_main"} 42');
    expect(text).to.contain('sync_bridge_odoo_oldest_pending_seconds{target="crm"} 0');
    expect(text).to.contain('sync_bridge_odoo_open_exceptions{target="wms_main"} 5');
    expect(line(text, 'sync_bridge_odoo_up ')).to.equal('sync_bridge_odoo_up 1');
    expect(line(text, 'sync_bridge_odoo_queue_scraped_timestamp_seconds ')).to.equal('sync_bridge_odoo_queue_scraped_timestamp_seconds 1700000000');
  });

  it('reads Odoo at most once per 30 s, and concurrent scrapes share one read', async () => {
    const { scrape, calls, clock } = setUp([[row('a', { pending: 1 })], [row('a', { pending: 7 })]]);
    await Promise.all([scrape(), scrape(), scrape()]);
    expect(calls()).to.equal(1);
    clock.t += 10_000;
    expect(await scrape()).to.contain('sync_bridge_odoo_events{target="a",state="pending"} 1');
    expect(calls()).to.equal(1);
    clock.t += 25_000;
    expect(await scrape()).to.contain('sync_bridge_odoo_events{target="a",state="pending"} 7');
    expect(calls()).to.equal(2);
  });

  it('Odoo not answering: up 0, the last figures and their timestamp kept, tried again at the next scrape', async () => {
    const { scrape, calls, clock } = setUp([[row('a', { dead: 4 })], new Error('connect ECONNREFUSED'), [row('a', { dead: 0 })]]);
    await scrape();
    clock.t += 31_000;
    const down = await scrape();
    expect(line(down, 'sync_bridge_odoo_up ')).to.equal('sync_bridge_odoo_up 0');
    expect(down).to.contain('sync_bridge_odoo_events{target="a",state="dead"} 4');
    expect(line(down, 'sync_bridge_odoo_queue_scraped_timestamp_seconds ')).to.equal('sync_bridge_odoo_queue_scraped_timestamp_seconds 1700000000');
    const back = await scrape();
    expect(calls()).to.equal(3);
    expect(line(back, 'sync_bridge_odoo_up ')).to.equal('sync_bridge_odoo_up 1');
    expect(back).to.contain('sync_bridge_odoo_events{target="a",state="dead"} 0');
  });

  it('a target gone from Odoo\'s answer disappears from the figures', async () => {
    const { scrape, clock } = setUp([[row('a'), row('old')], [row('a')]]);
    expect(await scrape()).to.contain('target="old"');
    clock.t += 31_000;
    expect(await scrape()).to.not.contain('target="old"');
  });
});
