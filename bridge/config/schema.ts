import { z } from 'zod';
import { PRESET_OPTIONS } from './preset-options.js';

/**
 * The sidecar's configuration: a YAML file (BRIDGE_CONFIG, default ./bridge.config.yaml) with
 * environment overrides. Secrets are never literal values here: a secret field holds a reference
 * `{ env: NAME }` or `{ secret: key }` (a key of the secrets file, BRIDGE_SECRETS_FILE), resolved
 * at start. Each option is documented inline; README.md lists them too.
 */
export const SECRET_REF_MESSAGE = 'a secret reference { env: NAME } or { secret: key } (a key of BRIDGE_SECRETS_FILE), never the secret itself';
export const secretRef = z.union([
  z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name') }).strict(),
  z.object({ secret: z.string().min(1) }).strict(),
], { error: SECRET_REF_MESSAGE });
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
  /**
   * On SIGTERM: how long in-flight deliveries may take to finish before their leases are given
   * back (in doubt: the next claim looks the record up before creating it again).
   */
  shutdown_grace_ms: duration.default(20_000),
  /**
   * How often the sidecar tells Odoo what it sees of each target (sync_contact, addon 18.0.1.13.0+):
   * Odoo shows a target whose sidecar stopped reporting as late, and one whose circuit is open
   * as unreachable.
   */
  contact_interval_ms: z.number().int().min(1000).max(600_000).default(60_000),
}).strict();

const CRON = /^\s*(\S+\s+){4,5}\S+\s*$/;

/**
 * Backups of the state file taken by the running sidecar (bridge/state/scheduled-backup.ts): the
 * same checked copy as `sync-bridge state backup --dir`. Leave out on a host whose own timer runs
 * that command (deploy/systemd/sync-bridge-backup.timer).
 */
export const stateBackupSchema = z.object({
  /** Folder of the copies, `state-<UTC time>.sqlite` (put it on another disk or volume than the state file). */
  dir: z.string().min(1),
  /** node-cron expression (5 or 6 fields): when to take a copy; default daily at 02:30. */
  schedule: z.string().regex(CRON, "a cron expression such as '30 2 * * *'").default('30 2 * * *'),
  /** How many copies to keep in `dir` (the older ones are removed after each copy). */
  keep: z.number().int().min(1).default(7),
}).strict();

export const stateSchema = z.object({
  /** SQLite file holding pending write-backs, the inbox and dead letters. */
  path: z.string().min(1).default('./var/bridge.sqlite'),
  /** Days to keep delivered write-backs, the delivery log and applied inbox messages. */
  retention_days: z.number().int().min(1).default(14),
  /** Keep each attempt's mapped payload (redacted) in the delivery log (`events list --local`). */
  log_payloads: z.boolean().default(false),
  /** Scheduled backups of the state file by the sidecar; none when left out. */
  backup: stateBackupSchema.optional(),
}).strict();

export const serverSchema = z.object({
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8787),
  /** Bearer token for /admin endpoints. */
  admin_token: secretRef.optional(),
  /** Largest accepted webhook body; a bigger one is answered 413 without being read further. */
  max_body_bytes: z.number().int().min(1024).default(1_048_576),
  /**
   * Public base URL the vendors call (scheme, host and any path prefix of a proxy in front of
   * the sidecar), e.g. https://bridge.example.com. HubSpot signs the full URI it called, so it
   * must be known; without it the URI is rebuilt from the request (Host header, X-Forwarded-*
   * ignored).
   */
  public_url: z.url({ message: 'a URL such as https://bridge.example.com' }).optional(),
  /** Webhook timestamps further than this from the sidecar's clock are refused (401). */
  webhook_tolerance_seconds: z.number().int().min(1).max(3600).default(300),
}).strict();


export const pollSchema = z.object({
  /**
   * node-cron expression (5 or 6 fields; 6 = with seconds) of this target's poller: ShipBob
   * shipments with tracking not yet uploaded, completed receiving orders (options.poll_receiving),
   * shipment milestones (options.poll_milestones) and completed returns (options.poll_returns),
   * the catch-up of lost return.completed webhooks; Salesforce opportunities changed since
   * the watermark and Account changes for stewardship (options.poll_accounts); HubSpot deals in
   * an approved stage (options.approved_stages), the catch-up of lost deal webhooks; the generic
   * WMS's event feed when it offers one (options.events_path), the catch-up of every lost
   * webhook. Polled messages go through the same inbox as webhooks (docs/inbound.md#polling).
   */
  schedule: z.string().regex(CRON, "a cron expression such as '*/5 * * * *'"),
  /**
   * First run of each poller of the target (Salesforce opportunities and accounts, ShipBob
   * receiving, milestones and returns, HubSpot approved deals, the generic WMS event feed): look
   * this far back; the watermark (or feed cursor) is kept in the state file afterwards.
   */
  lookback_minutes: z.number().int().min(1).max(30 * 24 * 60).default(60),
  /**
   * HubSpot only: each search starts this far before the watermark (HubSpot's search index lags
   * behind writes; a deal indexed late with an older hs_lastmodifieddate is still read).
   * Default 5 (poll-hubspot-deals.ts DEFAULT_OVERLAP_MINUTES).
   */
  overlap_minutes: z.number().int().min(0).max(24 * 60).optional(),
}).strict();

export const inboundSchema = z.object({
  /** Messages sent to Odoo per sync_apply call. */
  batch_size: z.number().int().min(1).max(500).default(50),
  /** How often the inbox processor looks for pending messages when idle. */
  poll_ms: duration.default(500),
  /** Backoff (full jitter) after a transient failure (Odoo or vendor down); messages wait, never dropped. */
  backoff_base_ms: duration.default(1_000),
  backoff_max_ms: duration.default(5 * 60_000),
}).strict();

/**
 * Reconciliation (issue 7): cron-driven comparisons of Odoo with each target, results streamed
 * into Odoo (sync_recon_*). See docs/reconciliation.md.
 */
const reconTolerance = z.object({
  /** Units of difference (Odoo minus WMS) still counted as matched. */
  absolute: z.number().nonnegative().default(0),
  /**
   * Per product category (complete name as Odoo shows it, e.g. "All / Saleable"; a category
   * also covers its children; the longest match wins), in units. Overrides `absolute`.
   */
  by_category: z.record(z.string().min(1), z.number().nonnegative()).default({}),
}).strict();

export const reconcileTargetSchema = z.object({
  /** node-cron expressions (5 or 6 fields) per job; a job without one runs only from the CLI. */
  schedules: z.object({
    inventory: z.string().regex(CRON, "a cron expression such as '0 2 * * *'").optional(),
    open_orders: z.string().regex(CRON, "a cron expression such as '*/30 * * * *'").optional(),
    master_data: z.string().regex(CRON, "a cron expression such as '0 3 * * 0'").optional(),
  }).strict().default({}),
  inventory: z.object({
    /** Grain: `sku` (all locations summed) or `location` (per SKU and WMS location / fulfilment centre). */
    level: z.enum(['sku', 'location']).default('sku'),
    /** Also compare each lot (where the WMS reports lots). */
    lots: z.boolean().default(true),
    /** WMS location (as the inventory mapping outputs it) -> the location name Odoo reports; identity when absent. */
    location_map: z.record(z.string(), z.string()).default({}),
    tolerance: reconTolerance.default(() => reconTolerance.parse({})),
  }).strict().default(() => ({ level: 'sku' as const, lots: true, location_map: {}, tolerance: { absolute: 0, by_category: {} } })),
  open_orders: z.object({
    /**
     * Stage SLAs in hours, per event type; each breach is a discrepancy (one Odoo exception, with
     * the event's time, the deadline and the check's time in its details). `null` turns a stage off.
     */
    sla_hours: z.object({
      /** Release: the WMS has no order this long after the release was delivered. */
      acknowledge: z.number().positive().default(4),
      /** Amendment: not acknowledged (delivered to the WMS) this long after it was made. */
      amend: z.number().positive().nullable().default(4),
      /** Cancel: Odoo cancelled, the WMS order still open this long after the cancel was asked (null: at once). */
      cancel: z.number().positive().nullable().default(4),
      /** Released, not shipped this long after the release (unset: not checked). */
      ship: z.number().positive().nullable().optional(),
      /** Receipt (ASN delivered to the WMS): not received this long after its scheduled date. */
      receive: z.number().positive().nullable().default(24),
    }).strict().default({ acknowledge: 4, amend: 4, cancel: 4, receive: 24 }),
    /** Push shipments the WMS made but Odoo misses into the inbox (the inbound path). */
    push_missed_shipments: z.boolean().default(true),
  }).strict().default({ sla_hours: { acknowledge: 4, amend: 4, cancel: 4, receive: 24 }, push_missed_shipments: true }),
  master_data: z.object({
    /** Models compared (default per preset: hubspot res.partner + product.product; shipbob product.product). */
    models: z.array(z.enum(['res.partner', 'product.product'])).optional(),
    /** Target property holding the natural key per model (HubSpot default: contacts email, companies name, products hs_sku). */
    natural_key_property: z.record(z.string(), z.string()).default({}),
    /** Odoo field compared with that natural key per model (res.partner: email | name | vat | ref; product.product: default_code | barcode); default per preset (Salesforce Account: name). */
    odoo_natural_key: z.partialRecord(z.enum(['res.partner', 'product.product']), z.enum(['email', 'name', 'vat', 'ref', 'default_code', 'barcode'])).default({}),
  }).strict().default({ natural_key_property: {}, odoo_natural_key: {} }),
}).strict();

export const reconcileSchema = z.object({
  /** Items per Odoo page (sync_recon_odoo_stock / _open_orders / _master). */
  page_size: z.number().int().min(10).max(5000).default(500),
  /** Items per vendor page where the API lets the caller choose (ShipBob up to 250, HubSpot 100). */
  target_page_size: z.number().int().min(1).max(1000).default(250),
  /** Lines per sync_recon_lines call. */
  line_batch: z.number().int().min(1).max(5000).default(500),
  /** Send matched lines to Odoo too (default: only counted). */
  send_matched: z.boolean().default(false),
  /** Heartbeat of a live run (sync_recon_heartbeat). */
  heartbeat_seconds: z.number().int().min(1).max(3600).default(30),
  /** Rows held in memory per side before the external sort spills a run to disk. */
  sort_chunk: z.number().int().min(100).max(1_000_000).default(20_000),
  /** Folder for the external sort's temporary files (default: the OS temp folder). */
  tmp_dir: z.string().optional(),
  /** Per target code (must also be in `targets`). */
  targets: z.record(z.string(), reconcileTargetSchema).default({}),
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
  /**
   * Share of the target's daily API quota (HubSpot's daily limit, Salesforce's daily request
   * allocation, as their answers report it) kept for the live flow, in percent: while the last
   * daily observation shows less than this left, reconciliation stops calling the target (its
   * run is recorded as failed in Odoo, naming the quota) and its re-sends wait; live events
   * (releases, amendments, cancels, status, enrichment reads, polls) go on. 0 turns it off.
   * Targets whose vendor reports no daily quota (ShipBob, generic WMS) are never held back.
   */
  quota_reserve_percent: z.number({ error: 'a percentage from 0 (off) to 90' }).min(0, 'a percentage from 0 (off) to 90').max(90, 'a percentage from 0 (off) to 90').default(10),
  /**
   * A warning is logged once when the daily quota left falls below this share, in percent
   * (default 20, or quota_reserve_percent when that is higher; 0: no such warning). Crossing the
   * reserve logs its own warning; going back up logs an info line.
   */
  /**
   * HubSpot and Salesforce: at start, check (in the background, without delaying the start) that
   * the CRM has the properties / fields the target's mappings write, as `sync-bridge
   * check-targets` does; problems are logged as warnings and counted in
   * sync_bridge_target_schema_problems{target}. false: not checked at start.
   */
  schema_check_at_start: z.boolean().default(true),
  quota_warn_percent: z.number({ error: 'a percentage from 0 (off) to 100' }).min(0, 'a percentage from 0 (off) to 100').max(100, 'a percentage from 0 (off) to 100').optional(),
  /**
   * Webhook signing secret for inbound messages from this target (ShipBob: the whsec_... secret
   * of Standard Webhooks; HubSpot: the app's client secret; generic WMS: the shared HMAC secret).
   * Without it, POST /webhooks/<code> answers 404.
   */
  webhook_secret: secretRef.optional(),
  /**
   * Rotation: the secret being replaced, accepted as well while it is set (a delivery verifies
   * with either). Add the new value as webhook_secret and the old one here, restart, change the
   * secret at the vendor, then remove this key and restart again (docs/runbooks.md).
   */
  webhook_secret_previous: secretRef.optional(),
  /** Polling of inbound messages (ShipBob, Salesforce and HubSpot presets), on a cron schedule. */
  poll: pollSchema.optional(),
  /** Preset-specific settings (e.g. shipbob channel_id, hubspot id_property): preset-options.ts. */
  options: z.record(z.string(), z.unknown()).default({}),
}).strict().superRefine((t, ctx) => {
  if (t.webhook_secret_previous && !t.webhook_secret) {
    ctx.addIssue({ code: 'custom', path: ['webhook_secret_previous'], message: 'needs webhook_secret (the new secret): the previous one is only accepted next to it, during a rotation' });
  }
  if (t.preset === 'salesforce') {
    for (const key of ['webhook_secret', 'webhook_secret_previous'] as const) {
      if (t[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'the salesforce preset sends no webhooks (it is polled, see poll): remove it' });
    }
  }
  if (t.poll?.overlap_minutes !== undefined && t.preset !== 'hubspot') {
    ctx.addIssue({ code: 'custom', path: ['poll', 'overlap_minutes'], message: `only the hubspot poll reads it (the ${t.preset} polls have fixed overlaps): remove it` });
  }
  if (t.quota_warn_percent !== undefined && t.quota_warn_percent > 0 && t.quota_warn_percent < t.quota_reserve_percent) {
    ctx.addIssue({ code: 'custom', path: ['quota_warn_percent'], message: `must be at least quota_reserve_percent (${t.quota_reserve_percent}), or 0 for no warning: the warning comes before the reserve` });
  }
  const parsed = PRESET_OPTIONS[t.preset]?.safeParse(t.options);
  if (!parsed || parsed.success) return;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['options', ...issue.path] } as Parameters<typeof ctx.addIssue>[0]);
});

export const configSchema = z.object({
  odoo: odooSchema,
  worker: workerSchema.default(() => workerSchema.parse({})),
  state: stateSchema.default(() => stateSchema.parse({})),
  server: serverSchema.default(() => serverSchema.parse({})),
  /** The inbox processor (inbound messages -> Odoo sync_apply). */
  inbound: inboundSchema.default(() => inboundSchema.parse({})),
  /** Reconciliation jobs and their schedules (issue 7). */
  reconcile: reconcileSchema.default(() => reconcileSchema.parse({})),
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
export type ReconcileConfig = z.infer<typeof reconcileSchema>;
export type ReconcileTargetConfig = z.infer<typeof reconcileTargetSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
