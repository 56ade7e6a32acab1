import { listReturns } from '../connectors/shipbob/reads.js';
import type { TargetHttpClient } from '../connectors/http/http-client.js';
import type { InboxStore, NewInboxMessage } from '../state/inbox-store.js';
import { parseWebhook } from './envelopes.js';
import type { PollReport } from './pollers.js';

type Obj = Record<string, unknown>;

/** Poll watermark (state file): the start of the last run that stored its completed returns. */
export const RETURNS_WATERMARK = 'return_completed';
/** Overlap of successive polls (clock skew between ShipBob and the sidecar). */
const OVERLAP_MS = 10 * 60_000;
/** Returns created longer ago than this before the window are not read (options.returns_max_age_days). */
export const DEFAULT_RETURNS_MAX_AGE_DAYS = 90;
/** ShipBob's largest cursor page. */
const PAGE_SIZE = 250;

export interface ShipBobReturnsPollOptions {
  /** First run: look this far back (poll.lookback_minutes). */
  lookbackMinutes?: number;
  /** Only returns created at most this many days before the window start are listed (default 90). */
  maxAgeDays?: number;
  /** Returns per page (default 250, ShipBob's largest). */
  pageSize?: number;
  now?: () => number;
}

/** When ShipBob completed the return (`completed_date`), as epoch ms; undefined when absent or unreadable. */
function completedAt(ret: Obj): number | undefined {
  const ms = typeof ret.completed_date === 'string' ? Date.parse(ret.completed_date) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The `return.completed` message ShipBob's webhook would have carried for a completed return:
 * the same envelope (`{type, timestamp, data: <the return>}`; the timestamp is the return's
 * `completed_date`, so a return read again is byte-identical), parsed by the webhook's own
 * parser, so the message id (`shipbob:return:<id>:completed`) and the payload checks are the
 * webhook's. An invalid return is kept as rejected, as the webhook route keeps it.
 */
export function returnMessage(code: string, ret: Obj, fallbackTimestamp: string): NewInboxMessage {
  const body = JSON.stringify({ type: 'return.completed', timestamp: typeof ret.completed_date === 'string' ? ret.completed_date : fallbackTimestamp, data: ret });
  const parsed = parseWebhook('shipbob', Buffer.from(body, 'utf8'), {});
  const base = { source: code, preset: 'shipbob', via: 'poll' as const, body };
  if (parsed.kind === 'messages') return { ...base, messageId: parsed.messages[0]!.messageId, topic: parsed.messages[0]!.topic };
  if (parsed.kind === 'invalid') return { ...base, messageId: parsed.messageId, topic: parsed.topic, rejectedReason: `invalid payload: ${parsed.field}: ${parsed.message}` };
  throw new Error(`ShipBob return ${String(ret.id)}: ${parsed.reason}`); // cannot happen: return.completed is applied
}

/**
 * The catch-up of `return.completed` webhooks that never arrived (the sidecar down longer than
 * ShipBob's retries, a wrong secret for a while): `GET /return?Status=Completed&StartDate=
 * <window start - maxAgeDays>` (cursor links, 250 per page). ShipBob documents `Status` and a
 * creation-date range (`StartDate` / `EndDate`, on `insert_date`) for this list but no
 * completed- or updated-since filter, so the completion window is applied here: a return counts
 * when its `completed_date` is at or after the window start (watermark - 10 min; first run:
 * `lookbackMinutes` back), or has none. Returns created more than `maxAgeDays` before the window
 * are not listed (a return completed that long after its creation is not caught up).
 * Each return is stored as the webhook's message (returnMessage): one inbox row per return
 * whichever path comes first, and the webhook's preparation (`GET /shipment/<original_shipment_id>`
 * for the order reference) and `return_received.yaml` apply unchanged. The watermark
 * (`return_completed`) advances to the run's start in the transaction that stores the messages.
 */
export async function pollShipBobReturns(code: string, http: TargetHttpClient, store: InboxStore, opts: ShipBobReturnsPollOptions = {}): Promise<PollReport> {
  const now = opts.now ?? Date.now;
  const report: PollReport = { found: 0, stored: 0, duplicate: 0, acknowledged: 0 };
  const started = now();
  const mark = store.watermark(code, RETURNS_WATERMARK);
  const since = (mark ? Date.parse(mark) : started - (opts.lookbackMinutes ?? 24 * 60) * 60_000) - OVERLAP_MS;
  const createdFrom = new Date(since - (opts.maxAgeDays ?? DEFAULT_RETURNS_MAX_AGE_DAYS) * 86_400_000);
  const correlationId = `poll-${code}-returns-${started}`;
  report.correlationId = correlationId;
  const messages: NewInboxMessage[] = [];
  const seen = new Set<string>();
  const query = { Status: 'Completed', StartDate: createdFrom.toISOString(), PageSize: opts.pageSize ?? PAGE_SIZE };
  for await (const ret of listReturns(http, { correlationId, query })) {
    const r = ret as Obj;
    if (r.status !== 'Completed') continue;
    const at = completedAt(r);
    if (at !== undefined && at < since) continue;
    const m = returnMessage(code, r, new Date(started).toISOString());
    if (seen.has(m.messageId)) continue; // a return met twice while paging (the list moved)
    seen.add(m.messageId);
    messages.push(m);
  }
  report.found = messages.length;
  store.db.transaction(() => {
    const outcomes = messages.length ? store.insertMany(messages) : [];
    report.stored = outcomes.filter((o) => !o.duplicate).length;
    report.duplicate = outcomes.length - report.stored;
    store.setWatermark(code, RETURNS_WATERMARK, new Date(started).toISOString());
  })();
  return report;
}
