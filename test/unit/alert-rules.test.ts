import fs from 'node:fs';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { expect } from 'chai';
import { parse } from 'yaml';
import { InboundMetrics } from '../../bridge/inbound/index.js';
import { BridgeMetrics } from '../../bridge/runtime/metrics.js';
import { OdooQueueGauges } from '../../bridge/runtime/odoo-queue-gauges.js';
import { ReconMetrics } from '../../bridge/reconcile/recon-metrics.js';
import { checkTargetSchemasAtStart } from '../../bridge/app/target-schema-at-start.js';
import { configSchema } from '../../bridge/config/schema.js';
import { MappingMetrics } from '../../bridge/app/mapping-reload.js';
import { ScheduledBackup } from '../../bridge/state/scheduled-backup.js';
import { silentLog } from './connectors/helpers.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const RULES = 'docs/prometheus/sync-bridge.rules.yaml';

interface Rule { alert?: string; expr?: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }

/** Every metric name the sidecar exports, from its real registry (histograms: _bucket, _sum, _count). */
async function exportedNames(): Promise<Set<string>> {
  const metrics = new BridgeMetrics();
  new InboundMetrics(metrics);
  new OdooQueueGauges(metrics.registry, async () => []);
  new ReconMetrics(metrics.registry);
  new MappingMetrics(metrics.registry);
  new ScheduledBackup('/nonexistent/state.sqlite', { dir: '/nonexistent/backups', schedule: '30 2 * * *', keep: 7 }, silentLog, metrics.registry);
  await checkTargetSchemasAtStart({ config: configSchema.parse({ odoo: { url: 'http://127.0.0.1:9', db: 'x', username: 'x', api_key: { env: 'X' } } }), secret: () => '', log: silentLog }, metrics.registry);
  const names = new Set<string>();
  for (const m of metrics.registry.getMetricsAsArray()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

/** GitHub's anchor of a markdown heading: lower case, punctuation dropped, spaces to '-'. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

/** The position of the first syntax error in a PromQL expression, or undefined. */
function promqlError(expr: string): number | undefined {
  let at: number | undefined;
  parser.parse(expr).iterate({ enter: (n) => { if (n.type.isError && at === undefined) at = n.from; } });
  return at;
}

describe(`alert rules (${RULES})`, () => {
  const doc = parse(fs.readFileSync(path.join(root, RULES), 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> };
  const rules = doc.groups.flatMap((g) => g.rules);
  let exported = new Set<string>();
  before(async () => { exported = await exportedNames(); });
  const runbookAnchors = new Set(fs.readFileSync(path.join(root, 'docs/runbooks.md'), 'utf8').split('\n').filter((l) => l.startsWith('## ')).map((l) => anchor(l.slice(3))));

  it('is a rules file with uniquely named alerts', () => {
    expect(doc.groups).to.have.length.greaterThan(0);
    expect(rules.length).to.be.greaterThan(5);
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size, 'unique alert names').to.equal(names.length);
  });

  it('the PromQL checker catches a broken expression (the check below can fail)', () => {
    expect(promqlError('sum by (target) (rate(sync_bridge_http_requests_total[5m)) > 1')).to.be.a('number');
    expect(promqlError('sum by (target) (rate(sync_bridge_http_requests_total[5m])) > 1')).to.equal(undefined);
  });

  for (const r of rules) {
    describe(String(r.alert), () => {
      it('has an expression that parses, a severity, a summary and a runbook that exists', () => {
        expect(r.alert, 'alert name').to.match(/^SyncBridge[A-Z][A-Za-z]+$/);
        expect(r.expr, 'expr').to.be.a('string');
        const err = promqlError(r.expr!);
        expect(err, `PromQL syntax error at ${String(err)} in: ${r.expr}`).to.equal(undefined);
        expect(['critical', 'warning', 'info']).to.include(r.labels?.severity);
        if (r.for !== undefined) expect(r.for).to.match(/^\d+[smh]$/);
        expect(r.annotations?.summary, 'summary').to.be.a('string').and.not.equal('');
        const url = r.annotations?.runbook_url ?? '';
        expect(url, 'runbook_url').to.match(/^docs\/runbooks\.md#/);
        expect(runbookAnchors.has(url.split('#')[1]!), `runbook anchor ${url} exists`).to.equal(true);
      });

      it('uses only metrics the sidecar exports', () => {
        const used = [...r.expr!.matchAll(/\bsync_bridge_[a-z_]+/g)].map((m) => m[0]);
        expect(used.length + (/\bup\{/.test(r.expr!) ? 1 : 0), 'the rule reads a metric').to.be.greaterThan(0);
        for (const name of used) expect(exported.has(name), `${name} is exported`).to.equal(true);
      });
    });
  }
});
