import { salesforceReads } from '../connectors/index.js';
import type { TargetHttpClient } from '../connectors/http/http-client.js';
import { PermanentError } from '../errors/index.js';
import type { InboxStore, NewInboxMessage } from '../state/inbox-store.js';
import type { PollReport } from './pollers.js';

type Obj = Record<string, unknown>;

/** Re-read this far behind the cursor: a change committed late with an older SystemModstamp is not missed (duplicates are dropped). */
const OVERLAP_MS = 2 * 60_000;

/** Account fields read for stewardship (options.account_fields adds more, e.g. Odoo_Vat__c). */
export const SF_ACCOUNT_FIELDS = [
  'Id', 'Name', 'Phone', 'Website', 'BillingStreet', 'BillingCity', 'BillingPostalCode', 'BillingState', 'BillingCountry',
  'CreatedDate', 'SystemModstamp', 'LastModifiedById',
];

export interface SalesforceAccountPollOptions {
  lookbackMinutes: number;
  apiVersion?: string;
  /** The bridge's own Salesforce user (its writes are not changes to propose); else read from /services/oauth2/userinfo. */
  integrationUserId?: string;
  /** The external id field holding the Odoo id (options.external_id_field, default Odoo_Id__c). */
  externalIdField?: string;
  extraFields?: string[];
  now?: () => number;
}

const SF_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const FIELD = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)?$/;

/** SOQL datetime literal (UTC, whole seconds). */
const soqlDatetime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
/** Salesforce datetimes (`2026-11-22T08:00:00.000+0000`) as ISO. */
const isoOf = (v: unknown) => new Date(String(v).replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString();

/** The token's user per client, read once (it does not change while the credentials stay). */
const userOfClient = new WeakMap<TargetHttpClient, string>();

/** The integration user's id: configured, or the user of the bridge's token (`GET /services/oauth2/userinfo`, once per client). */
export async function integrationUserId(http: TargetHttpClient, configured: string | undefined, correlationId: string): Promise<string> {
  if (configured !== undefined) {
    if (!SF_ID.test(configured)) throw new PermanentError(`options.integration_user_id: '${configured}' is not a Salesforce user id (15 or 18 letters and digits)`, { category: 'internal' });
    return configured;
  }
  const known = userOfClient.get(http);
  if (known) return known;
  const res = await http.request<Obj>({ method: 'GET', path: '/services/oauth2/userinfo', correlationId });
  const id = res.body?.user_id;
  if (typeof id !== 'string' || !SF_ID.test(id)) throw new PermanentError('Salesforce /services/oauth2/userinfo gave no user_id: set options.integration_user_id', { category: 'internal' });
  userOfClient.set(http, id);
  return id;
}

/**
 * Salesforce sends nothing when a user edits an Account: Accounts changed since the cursor are
 * polled with SOQL (`... FROM Account WHERE SystemModstamp >= <cursor - 2 min> AND
 * LastModifiedById != '<integration user>' ORDER BY SystemModstamp`, walked through
 * nextRecordsUrl), so the bridge's own upserts do not come back as changes. Each Account is one
 * message with id `salesforce:account:<Id>:<SystemModstamp>` (a change seen twice is one message):
 * `account.created` (-> partner_new, Odoo checks for duplicates) when it was created inside the
 * polled window and carries no Odoo id, else `account.changed` (-> partner_change: the Account's
 * current values, Odoo proposes those that differ from the partner). The cursor
 * (`account_modstamp`, the newest SystemModstamp seen) advances in the transaction that stores
 * the messages, never before. First run: `lookbackMinutes` back.
 */
export async function pollSalesforceAccounts(code: string, http: TargetHttpClient, store: InboxStore, opts: SalesforceAccountPollOptions): Promise<PollReport> {
  const now = opts.now ?? Date.now;
  const report: PollReport = { found: 0, stored: 0, duplicate: 0, acknowledged: 0 };
  const started = now();
  const correlationId = `poll-${code}-accounts-${started}`;
  const mark = store.watermark(code, 'account_modstamp');
  const since = new Date((mark ? Date.parse(mark) : started - opts.lookbackMinutes * 60_000) - OVERLAP_MS);
  const user = await integrationUserId(http, opts.integrationUserId, correlationId);
  const extId = opts.externalIdField ?? 'Odoo_Id__c';
  const fields = [...new Set([...SF_ACCOUNT_FIELDS, extId, ...(opts.extraFields ?? [])])];
  const bad = fields.find((f) => !FIELD.test(f));
  if (bad) throw new PermanentError(`options.account_fields: '${bad}' is not a Salesforce field name`, { category: 'internal' });
  const soql = `SELECT ${fields.join(', ')} FROM Account WHERE SystemModstamp >= ${soqlDatetime(since)} AND LastModifiedById != '${user}' ORDER BY SystemModstamp ASC`;
  const messages: NewInboxMessage[] = [];
  let newest = mark ? Date.parse(mark) : undefined;
  for await (const r of salesforceReads.query(http, soql, { correlationId, apiVersion: opts.apiVersion })) {
    const acc = r as Obj;
    // The query excludes the integration user; a 15/18-character mismatch must not let its writes through.
    if (String(acc.LastModifiedById ?? '').slice(0, 15) === user.slice(0, 15)) continue;
    const stamp = isoOf(acc.SystemModstamp);
    newest = Math.max(newest ?? 0, Date.parse(stamp));
    const created = acc.CreatedDate ? Date.parse(isoOf(acc.CreatedDate)) >= since.getTime() : false;
    const topic = created && !acc[extId] ? 'account.created' : 'account.changed';
    messages.push({ source: code, messageId: `salesforce:account:${String(acc.Id)}:${stamp}`, preset: 'salesforce', topic, via: 'poll', body: JSON.stringify(acc) });
  }
  report.found = messages.length;
  store.db.transaction(() => {
    const outcomes = messages.length ? store.insertMany(messages) : [];
    report.stored = outcomes.filter((o) => !o.duplicate).length;
    report.duplicate = outcomes.length - report.stored;
    if (newest !== undefined) store.setWatermark(code, 'account_modstamp', new Date(newest).toISOString());
  })();
  return report;
}
