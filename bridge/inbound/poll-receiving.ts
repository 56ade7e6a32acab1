import type { TargetHttpClient } from '../connectors/http/http-client.js';
import { paginateCursorLinks } from '../connectors/http/pagination.js';
import type { InboxStore, NewInboxMessage } from '../state/inbox-store.js';
import type { PollReport } from './pollers.js';

type Obj = Record<string, unknown>;

/** Overlap of successive receiving polls (clock skew between ShipBob and the sidecar). */
const OVERLAP_MS = 10 * 60_000;

/**
 * ShipBob sends no webhook for warehouse receiving orders: completed WROs are polled
 * (`GET /receiving?Statuses=Completed&LastUpdatedStartDate=<watermark - 10 min>`, cursor pages),
 * each with its boxes (`GET /receiving/{id}/boxes`: the received lots), and stored as
 * `receiving.completed` messages with id `shipbob:receiving:<id>:completed` (a WRO seen twice
 * is one message). The watermark (`receiving_updated`) advances to the poll's start in the
 * transaction that stores the messages. First run: `lookbackMinutes` back.
 */
export async function pollShipBobReceiving(code: string, http: TargetHttpClient, store: InboxStore, opts: { lookbackMinutes?: number; now?: () => number } = {}): Promise<PollReport> {
  const now = opts.now ?? Date.now;
  const report: PollReport = { found: 0, stored: 0, duplicate: 0, acknowledged: 0 };
  const started = now();
  const mark = store.watermark(code, 'receiving_updated');
  const since = new Date((mark ? Date.parse(mark) : started - (opts.lookbackMinutes ?? 24 * 60) * 60_000) - OVERLAP_MS);
  const correlationId = `poll-${code}-receiving-${started}`;
  const messages: NewInboxMessage[] = [];
  const pages = paginateCursorLinks<Obj>(http, { path: 'receiving', query: { Statuses: 'Completed', LastUpdatedStartDate: since.toISOString(), PageSize: '100' }, correlationId });
  for await (const wro of pages) {
    if (wro.status !== 'Completed') continue;
    const boxes = await http.request<Obj[]>({ method: 'GET', path: `receiving/${encodeURIComponent(String(wro.id))}/boxes`, correlationId });
    messages.push({
      source: code, messageId: `shipbob:receiving:${String(wro.id)}:completed`, preset: 'shipbob', topic: 'receiving.completed', via: 'poll',
      body: JSON.stringify({ type: 'receiving.completed', timestamp: new Date(started).toISOString(), data: { ...wro, boxes: Array.isArray(boxes.body) ? boxes.body : [] } }),
    });
  }
  report.found = messages.length;
  store.db.transaction(() => {
    const outcomes = messages.length ? store.insertMany(messages) : [];
    report.stored = outcomes.filter((o) => !o.duplicate).length;
    report.duplicate = outcomes.length - report.stored;
    store.setWatermark(code, 'receiving_updated', new Date(started).toISOString());
  })();
  return report;
}
