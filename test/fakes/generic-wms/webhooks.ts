import { createHmac } from 'node:crypto';
import type { Clock } from '../common/clock.js';
import { uuid } from '../common/ids.js';
import { deliveredOk, type WebhookDelivery, type WebhookOutbox } from '../common/webhooks.js';

export type WmsEventType =
  | 'shipment.shipped' | 'return.received' | 'order.cancelled' | 'stock.changed' | 'receipt.completed'
  | `order.${'accepted' | 'allocated' | 'picked' | 'packed' | 'shipped' | 'delivered' | 'exception' | 'on_hold' | 'resumed'}`;

/** sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>. */
export function wmsSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** One event of the feed (GET /events): the webhook's envelope and its place in delivery order. */
export interface WmsFeedEvent { seq: number; event: { id: string; type: WmsEventType; created_at: string; data: unknown } }

/**
 * Webhooks of the generic WMS profile: POST {id, type, created_at, data} with X-WMS-Event-Id,
 * X-WMS-Timestamp (Unix seconds) and X-WMS-Signature. Non-2xx answers are retried (same event
 * id) up to maxRetries times; `duplicates` re-sends a delivered event. Every emitted event is
 * also kept in `feed` (the optional event feed, GET /events), whether or not a webhook URL is
 * configured and whatever the deliveries answered.
 */
export class WmsWebhooks {
  maxRetries = 3;
  retryDelayMs = 20;
  /** Every emitted event in delivery order (GET /events), minus those purged (retention). */
  readonly feed: WmsFeedEvent[] = [];
  private seq = 0;
  /** The seq of the newest purged event: a cursor before it has lost events (400 invalid_cursor). */
  private purged = 0;

  constructor(
    public secret: string,
    private readonly outbox: WebhookOutbox,
    private readonly clock: Clock,
  ) {}

  headers(id: string, body: string, timestamp = String(Math.floor(this.clock.now() / 1000))): Record<string, string> {
    return { 'X-WMS-Event-Id': id, 'X-WMS-Timestamp': timestamp, 'X-WMS-Signature': wmsSignature(this.secret, timestamp, body) };
  }

  /** Clears the feed (the fake's reset). */
  resetFeed(): void {
    this.feed.length = 0;
    this.seq = 0;
    this.purged = 0;
  }

  /** The seq of the newest event emitted (0 before any): the feed's end. */
  get lastSeq(): number {
    return this.seq;
  }

  /** The seq of the newest purged event (0 when none was). */
  get purgedThrough(): number {
    return this.purged;
  }

  /**
   * Retention: drops the events created before `before` (a WMS keeps its feed for a while, the
   * profile asks for at least 7 days). A cursor positioned before a dropped event can no longer
   * be served (GET /events answers 400 invalid_cursor); `since` reads start at the oldest event
   * kept. Returns how many events were dropped.
   */
  purge(before: string | Date): number {
    const limit = typeof before === 'string' ? Date.parse(before) : before.getTime();
    let n = 0;
    while (this.feed.length > 0 && Date.parse(this.feed[0]!.event.created_at) < limit) {
      this.purged = this.feed.shift()!.seq;
      n += 1;
    }
    return n;
  }

  async emit(type: WmsEventType, data: unknown, opts: { duplicates?: number } = {}): Promise<WebhookDelivery[]> {
    const id = `evt_${uuid().replace(/-/g, '')}`;
    const event = { id, type, created_at: this.clock.iso(), data: JSON.parse(JSON.stringify(data ?? null)) as unknown };
    this.feed.push({ seq: ++this.seq, event });
    if (!this.outbox.target) return [];
    const body = JSON.stringify(event);
    const out: WebhookDelivery[] = [];
    let attempt = 1;
    let d = await this.outbox.post(id, this.outbox.target.url, this.headers(id, body), body, attempt);
    out.push(d);
    while (!deliveredOk(d) && attempt <= this.maxRetries) {
      await new Promise((r) => setTimeout(r, this.retryDelayMs));
      d = await this.outbox.post(id, this.outbox.target.url, this.headers(id, body), body, ++attempt);
      out.push(d);
    }
    for (let i = 0; i < (opts.duplicates ?? 0); i++) out.push(await this.outbox.post(id, this.outbox.target.url, this.headers(id, body), body, ++attempt));
    return out;
  }
}
