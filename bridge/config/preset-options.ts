import { z } from 'zod';

/**
 * `targets.<code>.options` per preset: the keys each connector, poller and job reads, with their
 * types, so a typo or a wrong value stops the sidecar at start naming the key instead of being
 * ignored (an unknown `amend_strategy` silently meant the default). The generic WMS is described
 * by open-ended `<operation>_path|_method|_lookup_path` keys and validated by its connector when
 * the sidecar starts (connectors/generic-wms/options.ts).
 */
const ms = z.number().int().nonnegative();
const names = z.array(z.string().min(1));
const apiName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'an API name such as Odoo_Id__c');

/** Read for every preset (connectors/base-connector.ts, the mapping registry). */
const common = {
  /** Values a mapping reads as `$vars.<name>`. */
  vars: z.record(z.string(), z.unknown()).optional(),
  /** Longest wait for the client-side rate limiter before a request is given back as throttled. */
  max_wait_ms: ms.optional(),
  /** Pause after a 429 without Retry-After. */
  default_retry_after_ms: ms.optional(),
};

const shipbob = z.object({
  ...common,
  /** ShipBob channel (shipbob_channel_id header of order, return and receiving creation). */
  channel_id: z.union([z.string().min(1), z.number().int().positive()]).optional(),
  /** reject (default): an amendment of a released order fails as a conflict; cancel_recreate. */
  amend_strategy: z.enum(['reject', 'cancel_recreate']).optional(),
  /** Poll completed warehouse receiving orders (default true when `poll` is set). */
  poll_receiving: z.boolean().optional(),
  /** Poll shipment statuses for fulfilment milestones (default false). */
  poll_milestones: z.boolean().optional(),
  /** Poll completed returns, the catch-up of lost return.completed webhooks (default true when `poll` is set). */
  poll_returns: z.boolean().optional(),
  /** The returns poll lists returns created at most this many days before its window (default 90). */
  returns_max_age_days: z.number().int().min(1).max(3650).optional(),
}).strict();

const hubspot = z.object({
  ...common,
  id_property: z.string().min(1).optional(),
  deal_id_property: z.string().min(1).optional(),
  order_status_method: z.enum(['patch', 'upsert']).optional(),
  order_object: z.string().min(1).optional(),
  line_item_id_property: z.string().min(1).optional(),
  owner_cache_ttl_seconds: z.number().nonnegative().optional(),
  /** Pause of the target after a 429 of HubSpot's DAILY limit (default 1 h). */
  daily_limit_retry_ms: ms.optional(),
  /** Deal stages that mean "approved quote" (webhook and poll; default closedwon). */
  approved_stages: names.optional(),
  /** Searches per second the approved-deal poll sends (HubSpot allows 5 per account; default 4). */
  search_per_second: z.number().positive().max(50).optional(),
  /** Properties whose change becomes a partner proposal, per object type (keys `contact`, `company`). */
  partner_properties: z.record(z.string(), names).optional(),
  /** Change sources that are the bridge's own writes echoed back by webhooks. */
  ignore_change_sources: names.optional(),
}).strict();

const salesforce = z.object({
  ...common,
  api_version: z.string().regex(/^v\d+\.\d+$/, 'a version such as v61.0').optional(),
  /** SObject per mapping kind (customer: Account, product: Product2, ...). */
  sobjects: z.record(z.string(), apiName).optional(),
  external_id_field: apiName.optional(),
  external_id_fields: z.record(z.string(), apiName).optional(),
  all_or_none: z.boolean().optional(),
  /** Pause of the target after REQUEST_LIMIT_EXCEEDED (the org's daily allocation; default 1 h). */
  request_limit_retry_ms: ms.optional(),
  /** Extra Opportunity fields read by the won-opportunity poll. */
  opportunity_fields: z.array(apiName).optional(),
  /** Poll Account changes for stewardship (default true when `poll` is set). */
  poll_accounts: z.boolean().optional(),
  /** The integration user's Id (its own writes are not read back); default from userinfo. */
  integration_user_id: z.string().regex(/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/, 'a Salesforce user Id (15 or 18 characters)').optional(),
  /** Extra Account fields read for stewardship (e.g. Odoo_Vat__c). */
  account_fields: z.array(apiName).optional(),
}).strict();

const genericWms = z.object({ ...common }).catchall(z.unknown());

export const PRESET_OPTIONS = { shipbob, hubspot, salesforce, generic_wms: genericWms } as const;
