import { spawn } from 'node:child_process';
import path from 'node:path';
import { searchRead, serviceEnv, type OdooTestEnv } from './odoo-env.js';
import { root } from './sidecar.js';

/** `sync-bridge reconcile` runs and what they leave in Odoo (sync.reconciliation and its lines, sync.exception). */

export interface CliResult { code: number | null; out: string; err: string }

/**
 * `sync-bridge reconcile <args>` with the config file in `configDir`, as the service user, as a
 * child process: asynchronous, so the in-process vendor fakes keep answering. `vars` adds the
 * environment the config refers to (vendor tokens).
 */
export function runReconcile(env: OdooTestEnv, configDir: string, args: string[], vars: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(root, 'dist/bridge/cli.js'), 'reconcile', ...args, '--config', path.join(configDir, 'bridge.config.yaml')], {
      env: { PATH: process.env.PATH ?? '', ODOO_URL: env.url, ODOO_DB: env.db, ...serviceEnv(env), ...vars, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.once('exit', (code) => resolve({ code, out, err }));
  });
}

export interface ReconLine { key: string; outcome: string; res_id: number; details: string; qty_odoo: number; qty_target: number }

/** The lines of the latest `job` run of target `targetCode`. */
export async function latestReconLines(env: OdooTestEnv, targetCode: string, job: string): Promise<ReconLine[]> {
  const runs = await searchRead<{ id: number }>(env.admin, 'sync.reconciliation', [['target_id.code', '=', targetCode], ['job', '=', job]], ['id'], { order: 'id desc', limit: 1 });
  return searchRead<ReconLine>(env.admin, 'sync.reconciliation.line', [['run_id', '=', runs[0]!.id]], ['key', 'outcome', 'res_id', 'details', 'qty_odoo', 'qty_target']);
}

/** Open exceptions that reconciliation `job` raised for the targets `targetCodes`. */
export function openReconExceptions(env: OdooTestEnv, job: string, targetCodes: string[]): Promise<Array<{ recon_key: string; occurrences: number }>> {
  return searchRead(env.admin, 'sync.exception', [['recon_job', '=', job], ['state', '=', 'open'], ['target_id.code', 'in', targetCodes]], ['recon_key', 'occurrences']);
}

/** Marks runs an earlier run of the suite left 'running' on the same database as failed (they would lock the job). */
export async function failLeftoverRuns(env: OdooTestEnv, targetCodes: string[]): Promise<void> {
  const live = await searchRead<{ id: number }>(env.admin, 'sync.reconciliation', [['target_id.code', 'in', targetCodes], ['state', '=', 'running']], ['id']);
  if (live.length) await env.admin.call({ model: 'sync.reconciliation', method: 'write', args: [live.map((r) => r.id), { state: 'failed', error: 'left running by an earlier e2e run' }] });
}
