import type { ShipBobFake } from '../../fakes/start.js';
import { ensureTarget, resetTargets, type OdooTestEnv } from './odoo-env.js';
import { configHead, flow, type FlowMapping } from './sidecar-config.js';

/**
 * A ShipBob WMS target in Odoo that releases orders of one warehouse on confirmation and
 * nothing else (no cancel/amend/status, no master data), with no event or link left from an
 * earlier run. Extra values override the defaults.
 */
export async function ensureShipBobReleaseTarget(env: OdooTestEnv, code: string, name: string, warehouseId: number, extra: Record<string, unknown> = {}): Promise<void> {
  await ensureTarget(env, code, {
    name, kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [warehouseId]]],
    trigger_order_release: true, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false,
    trigger_partner_upsert: false, trigger_product_upsert: false, ...extra,
  });
  await resetTargets(env, [code]);
}

/**
 * Sidecar config (YAML) with one ShipBob target pointing at the fake. `worker` and `state` are
 * flow-style YAML mappings' insides (e.g. `batch_size: 20, lease_seconds: 60`); `target` adds
 * lines to the target (e.g. `concurrency: 8`).
 */
export function shipbobSidecarConfig(env: OdooTestEnv, fake: ShipBobFake, code: string, opts: { worker: string; state?: string; target?: string[]; options?: string }): string {
  return `${configHead(env, { worker: opts.worker, ...(opts.state ? { state: opts.state } : {}) })}targets:
  ${code}:
    preset: shipbob
    base_url: '${fake.baseUrl}/'
    auth: { type: bearer, token: { env: SHIPBOB_TOKEN } }
${(opts.target ?? []).map((l) => `    ${l}\n`).join('')}    options: { channel_id: ${fake.channels[0]!.id}${opts.options ? `, ${opts.options}` : ''} }
`;
}

/**
 * A ShipBob target for a sidecar config (an entry under `targets:`) pointing at the fake, with
 * its token from SHIPBOB_TOKEN and its webhook secret from SHIPBOB_WEBHOOK_SECRET. `poll` and
 * `options` are flow mappings' insides; the options always name the fake's channel first.
 */
export function shipbobWebhookTarget(code: string, fake: ShipBobFake, opts: { poll?: FlowMapping; options?: FlowMapping } = {}): string {
  const options = [`channel_id: ${fake.channels[0]!.id}`, ...(opts.options ? [flow(opts.options)] : [])].join(', ');
  return [
    `  ${code}:`,
    '    preset: shipbob',
    `    base_url: '${fake.baseUrl}/'`,
    '    auth: { type: bearer, token: { env: SHIPBOB_TOKEN } }',
    '    webhook_secret: { env: SHIPBOB_WEBHOOK_SECRET }',
    ...(opts.poll ? [`    poll: { ${flow(opts.poll)} }`] : []),
    `    options: { ${options} }`,
  ].join('\n') + '\n';
}
