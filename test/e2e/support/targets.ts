import { searchRead, type OdooTestEnv } from './odoo-env.js';

/**
 * Suites that make new sync.target codes per run (a fresh vendor fake numbers its ids from the
 * start again; Odoo keeps message ids and links per target) archive the targets of earlier runs
 * before they start and their own when they end.
 */

/** Domain: target codes that start with any of `prefixes` (SQL LIKE patterns, e.g. 'wms_o2c_%'). */
export function codesLike(prefixes: string[]): unknown[] {
  return [...prefixes.slice(1).map(() => '|'), ...prefixes.map((p) => ['code', '=like', p])];
}

/** Archives the sync.target records of `domain`. */
export async function archiveTargets(env: OdooTestEnv, domain: unknown[]): Promise<void> {
  const found = await searchRead<{ id: number }>(env.admin, 'sync.target', domain, ['id']);
  if (found.length) await env.admin.call({ model: 'sync.target', method: 'write', args: [found.map((t) => t.id), { active: false }] });
}
