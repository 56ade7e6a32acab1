import cron from 'node-cron';
import type { TargetConfig } from '../config/schema.js';
import type { TargetHttpClient } from '../connectors/http/http-client.js';
import { shipbobReads, salesforceReads } from '../connectors/index.js';
import type { Logger } from '../log/logger.js';
import type { InboxStore, NewInboxMessage } from '../state/inbox-store.js';
import { pollShipBobMilestones } from './poll-milestones.js';
import { pollShipBobReceiving } from './poll-receiving.js';
import { pollSalesforceAccounts } from './poll-salesforce-accounts.js';
import { pollHubSpotApprovedDeals } from './poll-hubspot-deals.js';
import { pollShipBobReturns } from './poll-shipbob-returns.js';
import { pollWmsEvents } from './poll-wms-events.js';
import { readGenericOptions } from '../connectors/generic-wms/options.js';

type Obj = Record<string, unknown>;

export interface PollReport {
  found: number; stored: number; duplicate: number; acknowledged: number;
  /** The run's correlation id (its requests and log lines), when the poller names one. */
  correlationId?: string;
}

/**
 * ShipBob: orders with tracking not yet uploaded (`GET /order?HasTracking=true&
 * IsTrackingUploaded=false`). Each such shipment becomes an `order.shipped` message with id
 * `shipbob:shipment:<id>` (the webhook uses the same id), stored in the inbox in one
 * transaction; only then are the shipments acknowledged with
 * `POST /shipment:batchUpdateTrackingUpload`, so a crash in between re-polls them (duplicates,
 * dropped by the inbox) instead of losing them.
 */
export async function pollShipBobShipments(code: string, http: TargetHttpClient, store: InboxStore, now: () => number = Date.now): Promise<PollReport> {
  const report: PollReport = { found: 0, stored: 0, duplicate: 0, acknowledged: 0 };
  const messages: NewInboxMessage[] = [];
  const ids: number[] = [];
  for await (const order of shipbobReads.listUnacknowledgedShipments(http, { correlationId: `poll-${code}-${now()}` })) {
    for (const s of ((order as Obj).shipments as Obj[] | undefined) ?? []) {
      const tracking = s.tracking as Obj | null | undefined;
      if (!tracking?.tracking_number || s.is_tracking_uploaded === true) continue;
      const shipment = { ...s, reference_id: s.reference_id ?? (order as Obj).reference_id };
      messages.push({
        source: code, messageId: `shipbob:shipment:${String(s.id)}`, preset: 'shipbob', topic: 'order.shipped', via: 'poll',
        body: JSON.stringify({ type: 'order.shipped', timestamp: new Date(now()).toISOString(), data: shipment }),
      });
      ids.push(Number(s.id));
    }
  }
  report.found = messages.length;
  if (messages.length === 0) return report;
  const outcomes = store.insertMany(messages); // committed before the acknowledgement
  report.stored = outcomes.filter((o) => !o.duplicate).length;
  report.duplicate = outcomes.length - report.stored;
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await http.request({ method: 'POST', path: 'shipment:batchUpdateTrackingUpload', body: { shipment_ids: chunk, is_tracking_uploaded: true }, correlationId: `poll-${code}-ack` });
    report.acknowledged += chunk.length;
  }
  return report;
}

const SF_OPP_FIELDS = [
  'Id', 'Name', 'StageName', 'CloseDate', 'Account.Id', 'Account.Name', 'Account.Odoo_Vat__c', 'Account.BillingStreet', 'Account.BillingCity',
  'Account.BillingPostalCode', 'Account.BillingState', 'Account.BillingCountryCode',
];

const soqlList = (ids: string[]) => ids.map((id) => `'${id.replace(/[^A-Za-z0-9]/g, '')}'`).join(', ');

/**
 * Salesforce: opportunities changed since the watermark (`GET /sobjects/Opportunity/updated/`),
 * read with SOQL (the opportunity with its account, the primary contact role, the line items,
 * as three queries) and assembled into the shape salesforce/approved_quote.yaml documents.
 * Closed Won ones become `opportunity.closed_won` messages with id
 * `salesforce:opportunity:<Id>:closed_won`. The watermark (latestDateCovered) advances only
 * after the messages are stored.
 */
export async function pollSalesforceOpportunities(code: string, http: TargetHttpClient, store: InboxStore, opts: { lookbackMinutes: number; extraFields?: string[]; now?: () => number }): Promise<PollReport> {
  const now = opts.now ?? Date.now;
  const report: PollReport = { found: 0, stored: 0, duplicate: 0, acknowledged: 0 };
  const mark = store.watermark(code, 'opportunity_updated');
  const start = mark ? new Date(mark) : new Date(now() - opts.lookbackMinutes * 60_000);
  const end = new Date(now());
  if (end.getTime() - start.getTime() < 60_000) return report; // Salesforce windows are whole minutes
  const correlationId = `poll-${code}-${now()}`;
  const { ids, latestDateCovered } = await salesforceReads.updatedIds(http, 'Opportunity', start, end, { correlationId });
  const messages: NewInboxMessage[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const fields = [...SF_OPP_FIELDS, ...(opts.extraFields ?? [])];
    const opps: Obj[] = [];
    for await (const r of salesforceReads.query(http, `SELECT ${fields.join(', ')} FROM Opportunity WHERE Id IN (${soqlList(chunk)}) AND StageName = 'Closed Won'`, { correlationId })) opps.push(r as Obj);
    if (opps.length === 0) continue;
    const won = opps.map((o) => String(o.Id));
    const roles = new Map<string, Obj[]>();
    for await (const r of salesforceReads.query(http, `SELECT OpportunityId, Contact.Email FROM OpportunityContactRole WHERE OpportunityId IN (${soqlList(won)}) AND IsPrimary = true`, { correlationId })) {
      const k = String((r as Obj).OpportunityId);
      roles.set(k, [...(roles.get(k) ?? []), r as Obj]);
    }
    const lines = new Map<string, Obj[]>();
    for await (const r of salesforceReads.query(http, `SELECT OpportunityId, ProductCode, Quantity, UnitPrice, Discount FROM OpportunityLineItem WHERE OpportunityId IN (${soqlList(won)})`, { correlationId })) {
      const k = String((r as Obj).OpportunityId);
      lines.set(k, [...(lines.get(k) ?? []), r as Obj]);
    }
    for (const o of opps) {
      const id = String(o.Id);
      const rec = { ...o, OpportunityContactRoles: { records: roles.get(id) ?? [] }, OpportunityLineItems: { records: lines.get(id) ?? [] } };
      messages.push({ source: code, messageId: `salesforce:opportunity:${id}:closed_won`, preset: 'salesforce', topic: 'opportunity.closed_won', via: 'poll', body: JSON.stringify(rec) });
    }
  }
  report.found = messages.length;
  store.db.transaction(() => {
    const outcomes = messages.length ? store.insertMany(messages) : [];
    report.stored = outcomes.filter((o) => !o.duplicate).length;
    report.duplicate = outcomes.length - report.stored;
    store.setWatermark(code, 'opportunity_updated', latestDateCovered ? new Date(latestDateCovered.replace(/\+0000$/, 'Z')).toISOString() : end.toISOString());
  })();
  return report;
}

export interface PollerHandle { stop(): Promise<void>; runNow(code: string): Promise<PollReport | undefined> }

/**
 * Schedules each target's poller (targets.<code>.poll.schedule) with node-cron; a run never
 * overlaps the previous one of the same target. `onStored` wakes the inbox processor.
 */
/** Told of every finished poll run (metrics): its outcome and, when it succeeded, its report. */
export type PollRunHook = (source: string, outcome: 'ok' | 'failed', report?: PollReport) => void;

/** Told when a poll had to resync (a generic WMS event feed cursor the WMS no longer knows): metrics. */
export type PollResyncHook = (source: string) => void;

export function startPollers(targets: Record<string, TargetConfig>, clientOf: (code: string) => TargetHttpClient | undefined, store: InboxStore, log: Logger, onStored?: (source: string, n: number) => void, onRun?: PollRunHook, onResync?: PollResyncHook): PollerHandle {
  const tasks: Array<{ stop(): void | Promise<void> }> = [];
  const runners = new Map<string, () => Promise<PollReport>>();
  for (const [code, t] of Object.entries(targets)) {
    if (!t.poll) {
      if (t.preset === 'hubspot' && t.webhook_secret) {
        log.info(`targets.${code}.poll is not set: approved deals arrive only by webhook (a lost delivery is not caught up; see docs/inbound.md#polling)`);
      }
      if (t.preset === 'generic_wms' && t.webhook_secret && typeof t.options.events_path === 'string') {
        log.info(`targets.${code}.options.events_path is set but targets.${code}.poll is not: the event feed is not read (a lost webhook is not caught up; see docs/inbound.md#polling)`);
      }
      continue;
    }
    const http = clientOf(code);
    if (!http) continue;
    let run: (() => Promise<PollReport>) | undefined;
    if (t.preset === 'shipbob') {
      // Shipments, then (issue 8) completed warehouse receiving orders unless options.poll_receiving
      // is false, shipment milestones when options.poll_milestones is true, and completed returns
      // (the catch-up of lost return.completed webhooks) unless options.poll_returns is false.
      const receiving = t.options.poll_receiving !== false;
      const milestones = t.options.poll_milestones === true;
      const returns = t.options.poll_returns !== false;
      const maxAgeDays = typeof t.options.returns_max_age_days === 'number' ? t.options.returns_max_age_days : undefined;
      run = async () => {
        const reports = [await pollShipBobShipments(code, http, store)];
        if (receiving) reports.push(await pollShipBobReceiving(code, http, store, { lookbackMinutes: t.poll!.lookback_minutes }));
        if (milestones) reports.push(await pollShipBobMilestones(code, http, store, { lookbackMinutes: t.poll!.lookback_minutes }));
        if (returns) reports.push(await pollShipBobReturns(code, http, store, { lookbackMinutes: t.poll!.lookback_minutes, maxAgeDays }));
        const sum = (k: 'found' | 'stored' | 'duplicate' | 'acknowledged') => reports.reduce((a, r) => a + r[k], 0);
        return { found: sum('found'), stored: sum('stored'), duplicate: sum('duplicate'), acknowledged: sum('acknowledged') };
      };
    }
    else if (t.preset === 'salesforce') {
      const extra = Array.isArray(t.options.opportunity_fields) ? (t.options.opportunity_fields as unknown[]).map(String) : undefined;
      // Opportunities, then (issue 8) Account changes for stewardship unless options.poll_accounts is false.
      const accounts = t.options.poll_accounts !== false;
      const o = t.options;
      run = async () => {
        const r = await pollSalesforceOpportunities(code, http, store, { lookbackMinutes: t.poll!.lookback_minutes, extraFields: extra });
        if (!accounts) return r;
        const a = await pollSalesforceAccounts(code, http, store, {
          lookbackMinutes: t.poll!.lookback_minutes,
          apiVersion: typeof o.api_version === 'string' ? o.api_version : undefined,
          integrationUserId: typeof o.integration_user_id === 'string' ? o.integration_user_id : undefined,
          externalIdField: typeof o.external_id_field === 'string' ? o.external_id_field : undefined,
          extraFields: Array.isArray(o.account_fields) ? (o.account_fields as unknown[]).map(String) : undefined,
        });
        return { found: r.found + a.found, stored: r.stored + a.stored, duplicate: r.duplicate + a.duplicate, acknowledged: 0 };
      };
    } else if (t.preset === 'hubspot') {
      // Deals in an approved stage: the catch-up of deal.propertyChange webhooks that never arrived.
      const o = t.options;
      const stages = Array.isArray(o.approved_stages) ? (o.approved_stages as unknown[]).map(String) : undefined;
      run = () => pollHubSpotApprovedDeals(code, http, store, {
        lookbackMinutes: t.poll!.lookback_minutes, overlapMinutes: t.poll!.overlap_minutes, approvedStages: stages,
        searchPerSecond: typeof o.search_per_second === 'number' ? o.search_per_second : undefined, log,
      });
    } else if (t.preset === 'generic_wms') {
      // The optional event feed (options.events_path): every webhook event, the catch-up of lost deliveries.
      const eventsPath = readGenericOptions(code, t.options).eventsPath;
      if (!eventsPath) {
        log.warn(`targets.${code}.poll: the generic WMS is polled only through its event feed, and options.events_path is not set (the WMS does not offer one); ignored`);
        continue;
      }
      run = () => pollWmsEvents(code, http, store, { path: eventsPath, lookbackMinutes: t.poll!.lookback_minutes, log, onResync: () => onResync?.(code) });
    } else {
      log.warn(`targets.${code}.poll: preset ${t.preset} has no poller (its messages come by webhook); ignored`);
      continue;
    }
    let busy = false;
    const guarded = async () => {
      if (busy) return { found: 0, stored: 0, duplicate: 0, acknowledged: 0 };
      busy = true;
      try {
        const r = await run();
        if (r.found > 0) log.info(`poll ${code}: ${r.found} found, ${r.stored} new, ${r.duplicate} already in the inbox${r.acknowledged ? `, ${r.acknowledged} acknowledged` : ''}`, r.correlationId ? { correlationId: r.correlationId, source: code } : {});
        if (r.stored > 0) onStored?.(code, r.stored);
        onRun?.(code, 'ok', r);
        return r;
      } catch (err) {
        onRun?.(code, 'failed');
        log.warn(`poll ${code} failed (next run on schedule): ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      } finally {
        busy = false;
      }
    };
    runners.set(code, guarded);
    tasks.push(cron.schedule(t.poll.schedule, () => { guarded().catch(() => undefined); }, { name: `poll-${code}`, noOverlap: true }));
  }
  return {
    async stop() { for (const t of tasks) await t.stop(); },
    async runNow(code) { return runners.get(code)?.(); },
  };
}
