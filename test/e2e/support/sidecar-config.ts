import type { OdooTestEnv } from './odoo-env.js';

/**
 * The part of a suite's sidecar config (YAML) that every suite writes alike: Odoo (the service
 * user's key from ODOO_API_KEY), worker, state ($STATE), server, inbound and mappings ($MAPPINGS).
 * The suite appends its own `reconcile:` and `targets:` sections.
 */

/** The inside of a YAML flow mapping: as written (`a: 1, b: 2`), or keys with YAML values. */
export type FlowMapping = string | Record<string, string | number | boolean>;

/** A worker that polls and retries fast (the suites' usual one). */
export const FAST_WORKER = { batch_size: 20, poll_min_ms: 100, poll_max_ms: 500, lease_seconds: 60, backoff_base_ms: 500, backoff_max_ms: 2000 } as const;

/** An inbox that polls and retries fast. */
export const FAST_INBOUND = { poll_ms: 200, backoff_base_ms: 500, backoff_max_ms: 2000 } as const;

export interface ConfigHead {
  worker: FlowMapping;
  /** Default: a free port chosen by the sidecar, on 127.0.0.1. */
  server?: FlowMapping;
  /** Entries of `state:` besides its path. */
  state?: FlowMapping;
  /** No `inbound:` section when left out. */
  inbound?: FlowMapping;
}

export function flow(m: FlowMapping): string {
  return typeof m === 'string' ? m : Object.entries(m).map(([k, v]) => `${k}: ${v}`).join(', ');
}

export function configHead(env: OdooTestEnv, head: ConfigHead): string {
  const state = head.state ? `, ${flow(head.state)}` : '';
  return [
    `odoo: { url: '${env.url}', db: '${env.db}', username: x, api_key: { env: ODOO_API_KEY } }`,
    `worker: { ${flow(head.worker)} }`,
    `state: { path: '$STATE'${state} }`,
    `server: { ${flow(head.server ?? { port: 0, host: '127.0.0.1' })} }`,
    ...(head.inbound ? [`inbound: { ${flow(head.inbound)} }`] : []),
    "mappings: { dir: '$MAPPINGS' }",
  ].join('\n') + '\n';
}

/** `server:` on `port` with the admin API behind the token in BRIDGE_ADMIN_TOKEN. */
export function adminServer(port: number): FlowMapping {
  return { port, host: '127.0.0.1', admin_token: '{ env: BRIDGE_ADMIN_TOKEN }' };
}

/** A worker for suites with many events: batches of 50, polling at 200-1000 ms. */
export const BATCH_WORKER = { ...FAST_WORKER, batch_size: 50, poll_min_ms: 200, poll_max_ms: 1000 } as const;

/** `server:` on `port` with its public URL (the one the sidecar registers for webhooks). */
export function publicServer(port: number): FlowMapping {
  return { port, host: '127.0.0.1', public_url: `'http://127.0.0.1:${port}'` };
}
