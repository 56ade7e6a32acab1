import fs from 'node:fs';
import type { AppContext } from '../app/context.js';
import { describeQuota, type TargetQuotaReport } from '../app/quota-report.js';
import type { BridgeConfig } from '../config/schema.js';
import { quotaPolicyOf } from '../connectors/base-connector.js';
import { QuotaTracker } from '../connectors/http/quota-tracker.js';
import { OdooContract } from '../odoo/contract.js';
import { QuotaStore } from '../state/quota-store.js';
import { openStateStore } from '../state/state-store.js';
import { formatVersions, readVersions } from '../app/versions-report.js';

/**
 * `sync-bridge status [--json]`: what runs on each side (sidecar, Odoo version and protocol, the
 * addon's version, and a problem line when they do not fit), then per target pending / in
 * progress / failed / dead, oldest pending age and the pending events per claim lane (order flow /
 * status / master data; from Odoo), then each target's last API quota observation (from the state
 * file, as the sidecar recorded it). `--json`: the same as one JSON object. Exit 1 when anything
 * failed or is dead, or the addon does not fit this sidecar.
 */
export async function runStatus(ctx: AppContext, out: NodeJS.WritableStream, argv: string[] = [], now = Date.now()): Promise<number> {
  const unknown = argv.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    out.write(`status: unknown argument '${unknown[0]}' (usage: status [--json])\n`);
    return 2;
  }
  const versions = await readVersions(ctx.odoo, ctx.loaded.config);
  // An addon of another contract may not answer the summary as this sidecar reads it.
  const rows = versions.problem && versions.addon.contract_version !== versions.contract ? [] : await new OdooContract(ctx.odoo).statusSummary();
  const quota = storedQuota(ctx.loaded.config, now);
  const code = versions.problem || rows.some((r) => r.failed > 0 || r.dead > 0) ? 1 : 0;
  if (argv.includes('--json')) {
    out.write(`${JSON.stringify({ versions, targets: rows, quota }, null, 2)}\n`);
    return code;
  }
  out.write(formatVersions(versions));
  const header = ['target', 'pending', 'in_progress', 'failed', 'dead', 'oldest_pending', 'pending_order/status/bulk'];
  const lines = rows.map((r) => [
    r.target, String(r.pending), String(r.in_progress), String(r.failed), String(r.dead),
    r.oldest_pending_age_seconds === false ? '-' : `${Math.round(Number(r.oldest_pending_age_seconds))}s`,
    formatLanes(r.pending_by_lane),
  ]);
  out.write(`\n${table(header, lines)}`);
  if (Object.keys(quota).length > 0) {
    out.write(`\nAPI quota (last answer of each target, state file ${ctx.loaded.config.state.path}):\n`);
    out.write(formatQuota(quota));
  }
  return code;
}

/** Pending per claim lane as `order/status/bulk`; `-` from an addon without lanes. */
export function formatLanes(lanes: { order: number; status: number; bulk: number } | undefined): string {
  return lanes ? `${lanes.order}/${lanes.status}/${lanes.bulk}` : '-';
}

/** The quota observations the state file keeps, per target, judged with the target's configured reserve. */
export function storedQuota(config: BridgeConfig, now: number): Record<string, TargetQuotaReport> {
  const file = config.state.path;
  if (file === ':memory:' || !fs.existsSync(file)) return {};
  const db = openStateStore(file);
  try {
    const byTarget = new Map<string, QuotaTracker>();
    for (const o of new QuotaStore(db).list()) {
      let t = byTarget.get(o.target);
      if (!t) {
        t = new QuotaTracker(o.target, quotaPolicyOf(config.targets[o.target] ?? {}), () => now);
        byTarget.set(o.target, t);
      }
      const { target: _target, ...observation } = o;
      void _target;
      t.restore([observation]);
    }
    const out: Record<string, TargetQuotaReport> = {};
    for (const [code, t] of byTarget) {
      const r = describeQuota(t, now);
      if (r) out[code] = r;
    }
    return out;
  } finally {
    db.close();
  }
}

/** One line per target and window: remaining, limit, share left, age, and what the reserve does now. */
export function formatQuota(reports: Record<string, TargetQuotaReport>): string {
  const header = ['target', 'window', 'remaining', 'limit', 'left', 'observed', 'note'];
  const lines: string[][] = [];
  for (const [code, r] of Object.entries(reports)) {
    for (const w of r.windows) {
      let note = '';
      if (w.window === 'daily') {
        if (r.batchHeldBack) note = `below the ${r.reservePercent}% reserve: reconciliation held back`;
        else if (r.level === 'reserve') note = `below the ${r.reservePercent}% reserve (observation old: the next reconciliation request re-checks)`;
        else if (r.level === 'low') note = `below ${r.warnPercent}%`;
      }
      lines.push([code, w.window, String(w.remaining), w.limit === undefined ? '-' : String(w.limit), w.percentLeft === undefined ? '-' : `${w.percentLeft}%`, ago(w.ageSeconds), note]);
    }
  }
  return table(header, lines);
}

function ago(seconds: number): string {
  if (seconds < 120) return `${seconds}s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86_400)}d ago`;
}

/** Columns padded to their widest cell, one line per row. */
function table(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [header, ...lines].map((l) => `${l.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`).join('');
}
