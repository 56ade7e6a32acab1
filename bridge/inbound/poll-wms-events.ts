import type { TargetHttpClient } from '../connectors/http/http-client.js';
import { BridgeError, PermanentError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import type { InboxStore, NewInboxMessage } from '../state/inbox-store.js';
import { parseWebhook } from './envelopes.js';
import type { PollReport } from './pollers.js';

type Obj = Record<string, unknown>;

/** Poll watermark (state file): the feed cursor after the last event stored. */
export const EVENTS_CURSOR = 'wms_events_cursor';
/** Poll watermark (state file): `created_at` of the newest event read from the feed (where a resync starts). */
export const EVENTS_SEEN_AT = 'wms_events_seen_at';
/** Events per page asked for (the profile allows 1-500). */
const PAGE = 100;
/** Pages one run reads at most; the next run goes on from the stored cursor. */
const MAX_PAGES = 1_000;
/** A resync after an expired cursor re-reads this far before the newest event read (clock skew, events created out of order). */
export const RESYNC_OVERLAP_MS = 10 * 60_000;
/** Inbox rows looked at for the newest event when no `wms_events_seen_at` was stored yet (a state file of an earlier release). */
const INBOX_LOOKBACK_ROWS = 200;

/** One resync of the feed after `400 invalid_cursor`: where it re-reads from, and the newest event read before (the gap's start). */
export interface FeedResync {
  source: string;
  /** `since` of the re-read (ISO). */
  since: string;
  /** `created_at` of the newest event read before (ISO); undefined when none is known (then `since` is the lookback). */
  lastSeen?: string;
}

export interface WmsEventsPollOptions {
  /** The feed's path (options.events_path), e.g. /events. */
  path: string;
  /** First run (no cursor yet), or a resync without a known last event: events created this far back (`since`). */
  lookbackMinutes?: number;
  /** Events per page (default 100). */
  limit?: number;
  now?: () => number;
  /** Warnings (a resync after an expired cursor). */
  log?: Logger;
  /** Told of each resync after an expired cursor (metrics: sync_bridge_poll_resyncs_total). */
  onResync?: (r: FeedResync) => void;
}

interface FeedPage { events: Obj[]; next: string; more: boolean }

/** Checks a feed answer's shape: `{events: [...], next_cursor: string, has_more?: boolean}`. */
function feedPage(code: string, path: string, body: unknown): FeedPage {
  const b = (body ?? {}) as Obj;
  if (!Array.isArray(b.events) || typeof b.next_cursor !== 'string' || b.next_cursor === '') {
    throw new PermanentError(`${code}: GET ${path} answered without events[] and a next_cursor string (the generic WMS event feed, docs/presets/generic-wms.md)`, { category: 'rejected' });
  }
  const events = b.events as unknown[];
  events.forEach((e, i) => {
    if (!e || typeof e !== 'object' || Array.isArray(e)) throw new PermanentError(`${code}: GET ${path}: events[${i}] is not an object`, { category: 'rejected' });
  });
  return { events: events as Obj[], next: b.next_cursor, more: b.has_more === true };
}

/**
 * The message the webhook route would have stored for a feed event: the event as the webhook's
 * body (`{id, type, created_at, data}`), parsed by the webhook's own parser with the event id as
 * `X-WMS-Event-Id`, so the message id (the event id), the topics applied and ignored, and the
 * payload checks are the webhook's. Undefined for a type the bridge does not apply (the webhook
 * answers those 202 and stores nothing); an invalid event is kept as rejected, as the webhook
 * route keeps it.
 */
export function eventMessage(code: string, ev: Obj): NewInboxMessage | undefined {
  const body = JSON.stringify(ev);
  const parsed = parseWebhook('generic_wms', Buffer.from(body, 'utf8'), typeof ev.id === 'string' ? { 'x-wms-event-id': ev.id } : {});
  const base = { source: code, preset: 'generic_wms', via: 'poll' as const, body };
  if (parsed.kind === 'ignored') return undefined;
  if (parsed.kind === 'invalid') return { ...base, messageId: parsed.messageId, topic: parsed.topic, rejectedReason: `invalid payload: ${parsed.field}: ${parsed.message}` };
  return { ...base, messageId: parsed.messages[0]!.messageId, topic: parsed.messages[0]!.topic };
}

/** The WMS answered `400 invalid_cursor` (docs/presets/generic-wms.md: a cursor it does not know, e.g. past its retention). */
export function isExpiredCursor(err: unknown): boolean {
  return err instanceof BridgeError && err.details.status === 400 && err.details.vendorCode === 'invalid_cursor';
}

const isoOf = (v: unknown): string | undefined => {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
};
const later = (a: string | undefined, b: string | undefined): string | undefined => (a === undefined ? b : b === undefined ? a : Date.parse(b) > Date.parse(a) ? b : a);

/**
 * `created_at` of the newest event read: the `wms_events_seen_at` watermark, else (a state file
 * written before it existed) the newest event among this source's latest inbox messages.
 */
function newestEventRead(code: string, store: InboxStore): string | undefined {
  const mark = isoOf(store.watermark(code, EVENTS_SEEN_AT));
  if (mark) return mark;
  const rows = store.db.prepare('SELECT body FROM inbox WHERE source = ? ORDER BY id DESC LIMIT ?').all(code, INBOX_LOOKBACK_ROWS) as Array<{ body: string }>;
  let newest: string | undefined;
  for (const r of rows) {
    try { newest = later(newest, isoOf((JSON.parse(r.body) as Obj).created_at)); } catch { /* a rejected, unparsable body */ }
  }
  return newest;
}

/**
 * The generic WMS event feed (optional in the profile: `GET <events_path>?after=<cursor>&limit=`,
 * `{events, next_cursor, has_more}` in delivery order): every event the WMS sent, or tried to
 * send, as a webhook. Each page's events become the messages the webhook would have stored
 * (eventMessage: message id = the event id, so a webhook and the feed for one event are one inbox
 * row), and the page's `next_cursor` is stored (`wms_events_cursor`) in the transaction that
 * stores them, with the newest `created_at` read (`wms_events_seen_at`): a crash re-reads at most
 * that page (inbox duplicates). The first run, without a cursor, asks for the events created
 * since `lookbackMinutes` ago (`since`). A run reads pages while `has_more` (at most 1,000; the
 * next run goes on).
 *
 * Expired cursor: a WMS keeps its events for a while (the profile asks for 7 days) and answers
 * `400 invalid_cursor` for a cursor past that. The run then re-reads from `since` = the newest
 * event read minus 10 minutes (lookback when none is known), warns naming the target and the
 * gap, and calls `onResync` (the metric). Events read again are inbox duplicates; events the WMS
 * purged before they were read are lost (reconciliation is the safety net). At most one resync
 * per run: a second expired cursor fails the run (the next run resyncs from where this one got).
 */
export async function pollWmsEvents(code: string, http: TargetHttpClient, store: InboxStore, opts: WmsEventsPollOptions): Promise<PollReport & { ignored: number; resyncs: number }> {
  const now = opts.now ?? Date.now;
  const started = now();
  const report = { found: 0, stored: 0, duplicate: 0, acknowledged: 0, ignored: 0, resyncs: 0, correlationId: `poll-${code}-events-${started}` };
  const lookbackSince = () => new Date(started - (opts.lookbackMinutes ?? 24 * 60) * 60_000).toISOString();
  const log = opts.log?.child({ correlationId: report.correlationId, source: code });
  let cursor = store.watermark(code, EVENTS_CURSOR);
  let since = cursor ? undefined : lookbackSince();
  /** Set by a resync until its first page is in (the gap's end is the oldest event the feed still holds). */
  let resync: FeedResync | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const query = { limit: opts.limit ?? PAGE, ...(cursor ? { after: cursor } : { since }) };
    let res;
    try {
      res = await http.request({ method: 'GET', path: opts.path, query, correlationId: report.correlationId });
    } catch (err) {
      if (!cursor || !isExpiredCursor(err)) throw err;
      if (report.resyncs > 0) {
        throw new PermanentError(`${code}: GET ${opts.path}: the event feed cursor expired again (400 invalid_cursor) during this run's resync; stopping, what was read is stored (the next run resyncs from the newest event read)`, { category: 'rejected', cause: err, details: { ...(err as BridgeError).details } });
      }
      const lastSeen = newestEventRead(code, store);
      since = lastSeen ? new Date(Date.parse(lastSeen) - RESYNC_OVERLAP_MS).toISOString() : lookbackSince();
      cursor = undefined;
      resync = { source: code, since, ...(lastSeen ? { lastSeen } : {}) };
      report.resyncs += 1;
      opts.onResync?.(resync);
      const gap = lastSeen
        ? `the newest event read, created ${lastSeen}, minus ${RESYNC_OVERLAP_MS / 60_000} min). Gap: events created after ${lastSeen} that the WMS purged before the bridge read them`
        : `no event read before is known: poll.lookback_minutes, ${opts.lookbackMinutes ?? 24 * 60} min). Gap: events created before ${since} are not read again, and those the WMS purged before the bridge read them`;
      log?.warn(`poll ${code}: the WMS no longer knows the event feed cursor (GET ${opts.path}: 400 invalid_cursor; it keeps events for a limited time and purged those after the cursor); resyncing from since=${since} (${gap}, whose webhook was lost too, cannot be recovered: open-orders and inventory reconciliation are the safety net (docs/runbooks.md#the-wms-event-feed-was-resynced-expired-cursor)`, { resyncSince: since, lastSeen });
      continue;
    }
    const page = feedPage(code, opts.path, res.body);
    const messages: NewInboxMessage[] = [];
    let newest: string | undefined;
    for (const ev of page.events) {
      newest = later(newest, isoOf(ev.created_at));
      const m = eventMessage(code, ev);
      if (m) messages.push(m);
      else report.ignored += 1;
    }
    if (resync) {
      const oldest = isoOf(page.events[0]?.created_at);
      const gapEnd = oldest && resync.lastSeen && Date.parse(oldest) > Date.parse(resync.lastSeen) ? oldest : undefined;
      if (gapEnd) log?.warn(`poll ${code}: event feed resynced: the oldest event it still holds after ${resync.since} was created ${gapEnd}; events created between ${resync.lastSeen!} and ${gapEnd} may have been purged unread (reconciliation is the safety net)`);
      resync = undefined;
    }
    report.found += messages.length;
    store.db.transaction(() => {
      const outcomes = messages.length ? store.insertMany(messages) : [];
      const fresh = outcomes.filter((o) => !o.duplicate).length;
      report.stored += fresh;
      report.duplicate += outcomes.length - fresh;
      store.setWatermark(code, EVENTS_CURSOR, page.next);
      const seen = later(isoOf(store.watermark(code, EVENTS_SEEN_AT)), newest);
      if (seen) store.setWatermark(code, EVENTS_SEEN_AT, seen);
    })();
    if (!page.more || page.events.length === 0 || page.next === cursor) break;
    cursor = page.next;
  }
  return report;
}
