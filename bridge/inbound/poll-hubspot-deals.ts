import { createHash } from 'node:crypto';
import { searchPage } from '../connectors/hubspot/reads.js';
import type { TargetHttpClient } from '../connectors/http/http-client.js';
import { PermanentError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import type { InboxStore, NewInboxMessage } from '../state/inbox-store.js';
import type { PollReport } from './pollers.js';

type Obj = Record<string, unknown>;
interface Deal { id: string; properties: Record<string, unknown> }

/** Poll watermark (state file): the newest hs_lastmodifieddate of an approved deal read and stored. */
export const DEAL_WATERMARK = 'deal_modified';
/** Re-read this far behind the watermark: HubSpot's search index lags a few seconds behind writes. */
export const DEFAULT_OVERLAP_MINUTES = 5;
/** Results per search page. */
const PAGE = 100;
/** HubSpot pages through at most 10,000 results of one search (further pages: 400). */
const SEARCH_CAP = 10_000;
/** New searches a run starts because the results moved under its cursor, before it stops and stores what it read. */
const MAX_SHIFT_RESTARTS = 20;

export interface HubSpotDealPollOptions {
  /** First run: look this far back (poll.lookback_minutes). */
  lookbackMinutes: number;
  /** Window start = watermark minus this (poll.overlap_minutes, default 5). */
  overlapMinutes?: number;
  /** options.approved_stages (default closedwon): the stages whose entry the webhook path applies. */
  approvedStages?: string[];
  /** Searches per second (options.search_per_second). */
  searchPerSecond?: number;
  log?: Logger;
  now?: () => number;
}

/** The "Date entered <stage>" properties HubSpot keeps per stage: the current generation, then the one of older portals. */
export const enteredProperties = (stage: string): string[] => [`hs_v2_date_entered_${stage}`, `hs_date_entered_${stage}`];

/** A HubSpot date-time (ISO 8601 in v3 answers; epoch milliseconds in older ones) as epoch ms. */
export function instant(v: unknown): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  if (s === '') return undefined;
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
}

export interface Approval { stage: string; enteredAt: number; enteredFrom: string }

/**
 * The approval a polled deal shows: its current stage (one of `stages`) and when it entered
 * that stage, from `hs_v2_date_entered_<stage>`, else `hs_date_entered_<stage>`, else (a
 * portal without either) `hs_lastmodifieddate`. Undefined when the deal is not in an approved
 * stage or has no usable time at all.
 */
export function approvalOf(deal: Deal, stages: string[]): Approval | undefined {
  const stage = String(deal.properties.dealstage ?? '');
  if (!stages.includes(stage)) return undefined;
  for (const p of [...enteredProperties(stage), 'hs_lastmodifieddate']) {
    const at = instant(deal.properties[p]);
    if (at !== undefined) return { stage, enteredAt: at, enteredFrom: p };
  }
  return undefined;
}

/** The message id of one entry of a deal into an approved stage. */
export const approvalMessageId = (dealId: string, a: Approval): string => `hubspot:deal:${dealId}:${a.stage}:${new Date(a.enteredAt).toISOString()}`;

/**
 * The webhook event the approval would have been delivered as (subscriptionType
 * deal.propertyChange, propertyName dealstage): the body the inbox stores, so the webhook's
 * preparation (prepare.ts hubspotDeal: deal, company, contact, line items) applies unchanged.
 * eventId: a number derived from the message id (HubSpot's own are numbers; the poll's are
 * never compared with them: the message id is the unit of deduplication).
 */
export function approvalEvent(dealId: string, a: Approval, messageId: string): Obj {
  const eventId = Number(BigInt(`0x${createHash('sha256').update(messageId).digest('hex').slice(0, 13)}`));
  const objectId = Number.isSafeInteger(Number(dealId)) ? Number(dealId) : dealId;
  return { eventId, subscriptionType: 'deal.propertyChange', objectId, propertyName: 'dealstage', propertyValue: a.stage, occurredAt: a.enteredAt };
}

type SearchEnd = { kind: 'done' } | { kind: 'restart'; from: number; why: 'cap' | 'shifted' };

/**
 * HubSpot sends an approved deal only by webhook (`deal.propertyChange` of dealstage): one lost
 * delivery (the sidecar down longer than HubSpot retries, a wrong secret) and the quote never
 * becomes a sale order. This poll is the catch-up. It searches the deals in an approved stage
 * modified since the watermark minus `overlapMinutes` (`POST /crm/v3/objects/deals/search`:
 * dealstage IN the stages AND hs_lastmodifieddate GTE <epoch ms>, sorted by hs_lastmodifieddate
 * ascending, 100 per page, `after` from `paging.next.after`) and stores one message per entry
 * into an approved stage: id `hubspot:deal:<id>:<stage>:<entered at>` (see approvalOf), body the
 * webhook's event (approvalEvent), topic `deal.propertyChange`. The same approval polled again is
 * the same message (an inbox duplicate); a deal moved out and back in is a new one. A webhook and
 * a poll of one approval are two messages: Odoo finds the order by the deal (sync.link) and its
 * quote fingerprint unchanged ("already up to date"), so there is one order.
 *
 * Paging: HubSpot pages through 10,000 results of one search at most; before that, a new search
 * starts from the last hs_lastmodifieddate read. The cursor is the offset of the next result, so
 * results that move while the poll pages (a deal changed meanwhile goes to the end) could skip
 * one: each page after the first is asked from one result earlier and must begin with the last
 * deal read, else a new search starts from that deal's hs_lastmodifieddate (deals read twice are
 * one message). The watermark (`deal_modified`, the newest hs_lastmodifieddate read) advances in
 * the transaction that stores the messages, never before. First run: `lookbackMinutes` back.
 */
export async function pollHubSpotApprovedDeals(code: string, http: TargetHttpClient, store: InboxStore, opts: HubSpotDealPollOptions): Promise<PollReport> {
  const now = opts.now ?? Date.now;
  const started = now();
  const correlationId = `poll-${code}-deals-${started}`;
  const report: PollReport = { found: 0, stored: 0, duplicate: 0, acknowledged: 0, correlationId };
  const log = opts.log?.child({ correlationId, source: code });
  const stages = opts.approvedStages?.length ? opts.approvedStages : ['closedwon'];
  const mark = store.watermark(code, DEAL_WATERMARK);
  let from = (mark ? Date.parse(mark) : started - opts.lookbackMinutes * 60_000) - (opts.overlapMinutes ?? DEFAULT_OVERLAP_MINUTES) * 60_000;
  const properties = ['dealstage', 'hs_lastmodifieddate', ...stages.flatMap(enteredProperties)];
  const messages = new Map<string, NewInboxMessage>();
  const fallback = new Set<string>();
  let newest: number | undefined;
  let pages = 0;

  const take = (deal: Deal) => {
    const modified = instant(deal.properties.hs_lastmodifieddate);
    if (modified !== undefined) newest = Math.max(newest ?? modified, modified);
    const a = approvalOf(deal, stages);
    if (!a) {
      log?.warn(`poll ${code}: deal ${deal.id} (stage ${String(deal.properties.dealstage)}) skipped: not in an approved stage or no date to identify its approval`);
      return;
    }
    if (a.enteredFrom === 'hs_lastmodifieddate') fallback.add(deal.id);
    const messageId = approvalMessageId(deal.id, a);
    messages.set(messageId, {
      source: code, messageId, preset: 'hubspot', topic: 'deal.propertyChange', via: 'poll',
      body: JSON.stringify(approvalEvent(deal.id, a, messageId)),
    });
  };

  /** One search from `since`, paged to its end, or until it must start again. */
  const readSearch = async (since: number): Promise<SearchEnd> => {
    const body = {
      filterGroups: [{ filters: [
        { propertyName: 'dealstage', operator: 'IN', values: stages },
        { propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(since) },
      ] }],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
      properties,
    };
    let after: string | undefined;
    let last: Deal | undefined; // the last deal of the previous page: the first of this one when asked one early
    let read = 0;
    for (;;) {
      const page = await searchPage<Deal>(http, 'deals', body, { limit: PAGE, after }, { correlationId, log, perSecond: opts.searchPerSecond });
      pages += 1;
      let results = page.results;
      if (last !== undefined && after !== undefined) {
        if (results[0]?.id !== last.id) return { kind: 'restart', from: instant(last.properties.hs_lastmodifieddate) ?? since, why: 'shifted' };
        results = results.slice(1);
      }
      for (const d of results) take(d);
      read += results.length;
      last = results.at(-1) ?? last;
      if (page.after === undefined) return { kind: 'done' };
      const offset = /^\d+$/.test(page.after) ? Number(page.after) : undefined;
      if ((offset ?? read) + PAGE > SEARCH_CAP) return { kind: 'restart', from: instant(last?.properties.hs_lastmodifieddate) ?? since, why: 'cap' };
      // One result early, to see that the results did not move (a cursor that is not an offset: as given).
      after = offset !== undefined && offset > 0 && last !== undefined ? String(offset - 1) : page.after;
      if (offset === undefined) last = undefined;
    }
  };

  let searches = 0;
  let shifts = 0;
  let stoppedAt: number | undefined;
  for (;;) {
    searches += 1;
    const end = await readSearch(from);
    if (end.kind === 'done') break;
    if (end.why === 'cap') {
      if (end.from <= from) {
        throw new PermanentError(`poll ${code}: more than ${SEARCH_CAP} approved deals have hs_lastmodifieddate ${new Date(from).toISOString()}: HubSpot's search cannot page past them`, { category: 'internal' });
      }
      log?.info(`poll ${code}: HubSpot's search pages through ${SEARCH_CAP} results at most: searching again from hs_lastmodifieddate ${new Date(end.from).toISOString()}`);
    } else {
      shifts += 1;
      log?.info(`poll ${code}: the search results moved while paging (a deal changed meanwhile): searching again from hs_lastmodifieddate ${new Date(end.from).toISOString()}`);
      if (shifts > MAX_SHIFT_RESTARTS) {
        // Deals keep changing: store what was read; the next run goes on from this point.
        stoppedAt = end.from;
        log?.warn(`poll ${code}: results moved ${shifts} times in one run; stopping at hs_lastmodifieddate ${new Date(end.from).toISOString()} (the next run goes on from there)`);
        break;
      }
    }
    from = end.from;
  }

  if (fallback.size > 0) {
    log?.warn(`poll ${code}: ${fallback.size} deal(s) without ${stages.map((s) => enteredProperties(s).join(' / ')).join(', ')} (e.g. ${[...fallback][0]}): their approval is identified by hs_lastmodifieddate, so a later change of such a deal is one more message (Odoo answers "already up to date" when the quote is unchanged)`);
  }
  const list = [...messages.values()];
  report.found = list.length;
  const watermark = stoppedAt ?? newest;
  store.db.transaction(() => {
    const outcomes = list.length ? store.insertMany(list) : [];
    report.stored = outcomes.filter((o) => !o.duplicate).length;
    report.duplicate = outcomes.length - report.stored;
    if (watermark !== undefined) store.setWatermark(code, DEAL_WATERMARK, new Date(watermark).toISOString());
  })();
  // The run's summary is logged by the scheduler (pollers.ts) under this correlation id.
  log?.debug(`poll ${code}: approved deals: ${report.found} found, ${report.stored} new, ${report.duplicate} already in the inbox (${searches} search(es), ${pages} page(s))`);
  return report;
}
