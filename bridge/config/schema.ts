import { z } from 'zod';

/**
 * The sidecar's configuration: a YAML file (BRIDGE_CONFIG, default ./bridge.config.yaml) with
 * environment overrides. Secrets are never literal values here: a secret field holds a reference
 * `{ env: NAME }` or `{ secret: key }` (a key of the secrets file, BRIDGE_SECRETS_FILE), resolved
 * at start. Each option is documented inline; README.md lists them too.
 */
export const secretRef = z.union([
  z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name') }).strict(),
  z.object({ secret: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof secretRef>;

const duration = z.number().int().nonnegative();

export const odooSchema = z.object({
  /** Base URL of Odoo, e.g. https://erp.example.com */
  url: z.url({ message: 'a URL such as http://localhost:8069' }),
  /** Database name. */
  db: z.string().min(1),
  /** Login of the service user (member of the "Sync service" group). */
  username: z.string().min(1),
  /** The service user's API key (Preferences > Account Security). */
  api_key: secretRef,
  /** xmlrpc for Odoo 17/18 (odoo-await); json2 for Odoo 19+ (/json/2, bearer API key). */
  protocol: z.enum(['xmlrpc', 'json2']).default('xmlrpc'),
  /** Timeout of one RPC call. */
  timeout_ms: duration.default(30_000),
}).strict();

export const workerSchema = z.object({
  /** Identifies this process in leases; default hostname:pid. */
  id: z.string().min(1).optional(),
  /** Events claimed per call. */
  batch_size: z.number().int().min(1).max(500).default(50),
  /** Lease length; heartbeats extend it while work is in flight. */
  lease_seconds: z.number().int().min(10).max(3600).default(120),
  /** Adaptive polling: again at once while batches come back full, backing off to max_ms. */
  poll_min_ms: duration.default(200),
  poll_max_ms: duration.default(5_000),
  /** Delivery attempts before an event goes dead. */
  max_attempts: z.number().int().min(1).max(100).default(8),
  /** Exponential backoff with full jitter between attempts. */
  backoff_base_ms: duration.default(2_000),
  backoff_max_ms: duration.default(15 * 60_000),
  /** Events delivered at once (across aggregates). */
  concurrency: z.number().int().min(1).max(256).default(8),
}).strict();

export const stateSchema = z.object({
  /** SQLite file holding pending write-backs, the inbox and dead letters. */
  path: z.string().min(1).default('./var/bridge.sqlite'),
  /** Days to keep delivered write-backs and applied inbox messages. */
  retention_days: z.number().int().min(1).default(14),
}).strict();

export const serverSchema = z.object({
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8787),
  /** Bearer token for /admin endpoints. */
  admin_token: secretRef.optional(),
  /** Largest accepted webhook body. */
  max_body_bytes: z.number().int().min(1024).default(1_048_576),
}).strict();

export const authSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer'), token: secretRef }).strict(),
  z.object({ type: z.literal('api_key'), header: z.string().min(1), key: secretRef }).strict(),
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: secretRef }).strict(),
  z.object({
    type: z.literal('oauth2_client_credentials'),
    token_url: z.url(),
    client_id: z.string().min(1),
    client_secret: secretRef,
    scope: z.string().optional(),
  }).strict(),
]);

export const targetSchema = z.object({
  /** Connector preset: which API this target speaks. */
  preset: z.enum(['shipbob', 'generic_wms', 'hubspot', 'salesforce']),
  /** API base URL (sandbox or production). */
  base_url: z.url(),
  auth: authSchema,
  /** Folder of this target's mapping files, relative to mappings.dir (default: the preset name). */
  mappings: z.string().optional(),
  timeout_ms: duration.default(15_000),
  /** Requests in flight at once to this target. */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Client-side rate limit (requests per minute); the target's 429 and Retry-After still rule. */
  rate_per_minute: z.number().int().min(1).optional(),
  /** Circuit breaker: open after this many consecutive transient failures, probe after reset_ms. */
  breaker_threshold: z.number().int().min(1).default(5),
  breaker_reset_ms: duration.default(30_000),
  /** Webhook signing secret for inbound messages from this target. */
  webhook_secret: secretRef.optional(),
  /** Preset-specific settings (e.g. shipbob channel_id, hubspot id_property). */
  options: z.record(z.string(), z.unknown()).default({}),
}).strict();

export const configSchema = z.object({
  odoo: odooSchema,
  worker: workerSchema.default(() => workerSchema.parse({})),
  state: stateSchema.default(() => stateSchema.parse({})),
  server: serverSchema.default(() => serverSchema.parse({})),
  mappings: z.object({ dir: z.string().default('./mappings') }).strict().default({ dir: './mappings' }),
  /** Targets by code; the code matches sync.target.code in Odoo. */
  targets: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lower-case code such as wms_main'), targetSchema).default({}),
  log: z.object({
    level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    format: z.enum(['json', 'pretty']).default('json'),
  }).strict().default({ level: 'info', format: 'json' }),
}).strict();

export type BridgeConfig = z.infer<typeof configSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
