import { parseArgs } from 'node:util';
import type { AppContext } from '../app/context.js';
import { createConnector } from '../connectors/index.js';
import type { Connector } from '../connectors/connector.js';
import { OdooContract, type ReconCounts } from '../odoo/contract.js';
import { JOBS, Reconciler, ReconBusyError, type RunSummary } from '../reconcile/index.js';
import { OUTCOMES } from '../reconcile/run.js';
import { loadOutboundMapper, odooLinkSource } from '../runtime/mapping-registry.js';
import { odooSeriesOf } from '../odoo/server-version.js';
import { openStateStore } from '../state/state-store.js';
import { QuotaRecorder, QuotaStore } from '../state/quota-store.js';
import { restoreQuota } from '../app/connectors.js';

const USAGE = 'usage: sync-bridge reconcile <inventory|open-orders|master-data> --target <code> [--dry-run]';

/** Counts as one line, outcomes first, in a stable order. */
export function formatCounts(counts: ReconCounts): string {
  const order = ['compared', ...OUTCOMES];
  const keys = [...order.filter((k) => counts[k] !== undefined), ...Object.keys(counts).filter((k) => !order.includes(k)).sort()];
  return keys.filter((k) => k === 'compared' || counts[k]).map((k) => `${k} ${counts[k]}`).join(', ');
}

/**
 * `sync-bridge reconcile <job> --target <code> [--dry-run]`: one run now. Progress (counts as it
 * goes) on stderr, at most once a second; the summary on stdout. Exit 0 clean, 1 discrepancies
 * found, 2 usage or configuration error, 3 another run of this job and target is live (lock),
 * 4 the run failed (it is finished as failed in Odoo with the error; also when the target's daily API
 * quota is below targets.<code>.quota_reserve_percent: "stopped: <code> API quota below ...").
 */
export async function runReconcileCommand(ctx: AppContext, argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { target: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: false });
  if (values.help) { out.write(`${USAGE}\n`); return 0; }
  const [name] = positionals;
  const job = name ? JOBS[name] : undefined;
  const target = typeof values.target === 'string' ? values.target : undefined;
  if (!job || !target) { err.write(`${USAGE}\n`); return 2; }
  const { config } = ctx.loaded;
  if (!config.targets[target]) { err.write(`reconcile: target '${target}' is not configured (known: ${Object.keys(config.targets).join(', ') || 'none'})\n`); return 2; }
  const connectors = new Map<string, Connector>();
  const quota = new QuotaRecorder();
  connectors.set(target, createConnector(target, config.targets[target], (ref, key) => ctx.loaded.secret(ref, key), { log: ctx.log, onQuota: quota.record }));
  const db = openStateStore(config.state.path);
  // The target's last quota observation (the running sidecar's): below the reserve, the run stops at once.
  const quotaStore = new QuotaStore(db);
  restoreQuota(connectors.values(), quotaStore);
  quota.attach(quotaStore);
  const contract = new OdooContract(ctx.odoo);
  const odooSeries = odooSeriesOf(await ctx.odoo.serverVersion());
  const reconciler = new Reconciler({
    config, odoo: ctx.odoo, contract, connectors, db, workerId: `${ctx.loaded.workerId}:cli`, log: ctx.log,
    mapper: () => loadOutboundMapper(config.mappings.dir, { [target]: config.targets[target]! }, odooLinkSource((model, method, params) => ctx.odoo.call({ model, method, params })), { odooSeries }),
  });
  const dryRun = values['dry-run'] === true;
  let last = 0;
  const t0 = Date.now();
  err.write(`reconcile ${name} ${target}${dryRun ? ' (dry run)' : ''}: started\n`);
  let summary: RunSummary;
  try {
    summary = await reconciler.run(job, target, {
      dryRun,
      onProgress: (counts) => {
        const now = Date.now();
        if (now - last < 1000) return;
        last = now;
        err.write(`reconcile ${name} ${target}: ${formatCounts(counts)} (${Math.round((now - t0) / 1000)}s)\n`);
      },
    });
  } catch (e) {
    if (e instanceof ReconBusyError) { err.write(`reconcile: ${e.message}\n`); return 3; }
    err.write(`reconcile ${name} ${target} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 4;
  } finally {
    quota.flush();
    db.close();
  }
  out.write(`reconcile ${name} ${target}: run ${summary.runId}${dryRun ? ' (dry run)' : ''} done in ${(summary.ms / 1000).toFixed(1)}s\n`);
  out.write(`  ${formatCounts(summary.counts)}\n`);
  out.write(summary.discrepancies === 0 ? '  clean: no discrepancies\n' : `  ${summary.discrepancies} discrepancies (reported to Odoo as reconciliation lines)\n`);
  return summary.discrepancies === 0 ? 0 : 1;
}
