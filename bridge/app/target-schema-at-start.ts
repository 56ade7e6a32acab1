import client from 'prom-client';
import { checkTarget, EXIT, type CheckTargetsDeps } from '../cli/check-targets.js';

/** The presets whose schema (custom properties / fields) an admin sets up and the check reads. */
const CHECKED = new Set(['hubspot', 'salesforce']);

/**
 * At start, the check of `sync-bridge check-targets` for each HubSpot / Salesforce target (unless
 * `schema_check_at_start: false`), in the background: a missing property or dropdown option is
 * logged as a warning naming the mapping line before the first event fails on it, and
 * `sync_bridge_target_schema_problems{target}` counts the problems (-1: the check could not run:
 * credentials refused or the CRM unreachable, logged too). Never throws; the start does not wait.
 */
export async function checkTargetSchemasAtStart(deps: CheckTargetsDeps, registry: client.Registry): Promise<void> {
  const gauge = new client.Gauge({
    name: 'sync_bridge_target_schema_problems', help: 'Problems the start-up check found in the CRM schema the mappings write (-1: the check could not run)',
    labelNames: ['target'], registers: [registry],
  });
  for (const [code, t] of Object.entries(deps.config.targets).sort(([a], [b]) => a.localeCompare(b))) {
    if (!CHECKED.has(t.preset) || !t.schema_check_at_start) continue;
    try {
      const r = await checkTarget(code, t, deps);
      for (const line of r.lines) deps.log.warn(`target schema: ${line}`, { target: code });
      if (r.code === EXIT.ok || r.code === EXIT.problems) {
        gauge.set({ target: code }, r.lines.length);
        const level = r.code === EXIT.ok ? 'info' : 'warn';
        deps.log.log(level, `target schema: ${r.summary}${r.code === EXIT.ok ? '' : ' (events writing these will fail: create them in the CRM, then run sync-bridge check-targets)'}`, { target: code });
      } else {
        gauge.set({ target: code }, -1);
        deps.log.warn(`target schema not checked: ${r.summary}`, { target: code });
      }
    } catch (err) {
      gauge.set({ target: code }, -1);
      deps.log.warn(`target schema not checked: ${code}: ${err instanceof Error ? err.message : String(err)}`, { target: code });
    }
  }
}
