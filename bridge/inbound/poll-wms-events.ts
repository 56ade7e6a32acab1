import type { TargetHttpClient } from '../connectors/http/http-client.js';
import { PermanentError } from '../errors/index.js';
import type { InboxStore, NewInboxMessage } from '../state/inbox-store.js';
import { parseWebhook } from './envelopes.js';
import type { PollReport } from './pollers.js';

type Obj = Record<string, unknown>;

/** Poll watermark (state file): the feed cursor after the last event stored. */
export const EVENTS_CURSOR = 'wms_events_cursor';
/** Events per page asked for (the profile allows 1-500). */
const PAGE = 100;
/** Pages one run reads at most; the next run goes on from the stored cursor. */
const MAX_PAGES = 1_000;

export interface WmsEventsPollOptions {
  /** The feed's path (options.events_path), e.g. /events. */
  path: string;
  /** First run (no cursor yet): events created this far back (`since`). */
  lookbackMinutes?: number;
  /** Events per page (default 100). */
  limit?: number;
  now?: () => number;
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

/**
 * The generic WMS event feed (optional in the profile: `GET <events_path>?after=<cursor>&limit=`,
 * `{events, next_cursor, has_more}` in delivery order): every event the WMS sent, or tried to
 * send, as a webhook. Each page's events become the messages the webhook would have stored
 * (eventMessage: message id = the event id, so a webhook and the feed for one event are one inbox
 * row), and the page's `next_cursor` is stored (`wms_events_cursor`) in the transaction that
 * stores them: a crash re-reads at most that page (inbox duplicates). The first run, without a
 * cursor, asks for the events created since `lookbackMinutes` ago (`since`). A run reads pages
 * while `has_more` (at most 1,000; the next run goes on).
 */
export async function pollWmsEvents(code: string, http: TargetHttpClient, store: InboxStore, opts: WmsEventsPollOptions): Promise<PollReport & { ignored: number }> {
  const now = opts.now ?? Date.now;
  const started = now();
  const report = { found: 0, stored: 0, duplicate: 0, acknowledged: 0, ignored: 0, correlationId: `poll-${code}-events-${started}` };
  let cursor = store.watermark(code, EVENTS_CURSOR);
  const since = cursor ? undefined : new Date(started - (opts.lookbackMinutes ?? 24 * 60) * 60_000).toISOString();
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const query = { limit: opts.limit ?? PAGE, ...(cursor ? { after: cursor } : { since }) };
    const res = await http.request({ method: 'GET', path: opts.path, query, correlationId: report.correlationId });
    const page = feedPage(code, opts.path, res.body);
    const messages: NewInboxMessage[] = [];
    for (const ev of page.events) {
      const m = eventMessage(code, ev);
      if (m) messages.push(m);
      else report.ignored += 1;
    }
    report.found += messages.length;
    store.db.transaction(() => {
      const outcomes = messages.length ? store.insertMany(messages) : [];
      const fresh = outcomes.filter((o) => !o.duplicate).length;
      report.stored += fresh;
      report.duplicate += outcomes.length - fresh;
      store.setWatermark(code, EVENTS_CURSOR, page.next);
    })();
    if (!page.more || page.events.length === 0 || page.next === cursor) break;
    cursor = page.next;
  }
  return report;
}
