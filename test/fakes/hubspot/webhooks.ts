import { createHmac } from 'node:crypto';
import type { Clock } from '../common/clock.js';
import { deliveredOk, type WebhookDelivery, type WebhookOutbox } from '../common/webhooks.js';

/** One event in a HubSpot webhook delivery (a delivery is a JSON array of these). */
export interface HubSpotEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  propertyName?: string;
  propertyValue?: string;
  changeSource: string;
  sourceId?: string;
}

export interface HubSpotSubscription {
  id: number;
  subscriptionType: string;
  propertyName?: string;
}

/** base64(HMAC-SHA256(appSecret, method + uri + body + timestamp)) — HubSpot signature v3. */
export function signV3(appSecret: string, method: string, uri: string, body: string, timestamp: string): string {
  return createHmac('sha256', appSecret).update(`${method}${uri}${body}${timestamp}`, 'utf8').digest('base64');
}

export const DEFAULT_SUBSCRIPTIONS: HubSpotSubscription[] = [
  { id: 1001, subscriptionType: 'deal.propertyChange', propertyName: 'dealstage' },
  { id: 1002, subscriptionType: 'deal.creation' },
  { id: 1003, subscriptionType: 'company.propertyChange', propertyName: 'name' },
  { id: 1006, subscriptionType: 'company.propertyChange', propertyName: 'hubspot_owner_id' },
  { id: 1004, subscriptionType: 'contact.propertyChange', propertyName: 'email' },
  { id: 1005, subscriptionType: 'line_item.creation' },
];

/**
 * Sends events the way HubSpot does: POST a JSON array with X-HubSpot-Signature-v3,
 * X-HubSpot-Request-Timestamp (ms) and X-HubSpot-Signature-Version: v3. A failed delivery
 * (non-2xx or connection error) is retried up to `maxRetries` times with attemptNumber + 1,
 * and `duplicates` re-sends a delivered batch, so receivers see the same eventId twice.
 */
export class HubSpotWebhooks {
  subscriptions: HubSpotSubscription[] = DEFAULT_SUBSCRIPTIONS.map((s) => ({ ...s }));
  maxRetries = 3;
  retryDelayMs = 20;
  private nextEventId = 100;

  constructor(
    public appSecret: string,
    readonly portalId: number,
    readonly appId: number,
    private readonly outbox: WebhookOutbox,
    private readonly clock: Clock,
  ) {}

  /** Builds a full event from the fields that matter; subscriptionId comes from the subscription list. */
  event(e: { subscriptionType: string; objectId: number | string; propertyName?: string; propertyValue?: string; changeSource?: string; occurredAt?: number }): HubSpotEvent {
    const sub = this.subscriptions.find((s) => s.subscriptionType === e.subscriptionType && (s.propertyName === undefined || s.propertyName === e.propertyName));
    const ev: HubSpotEvent = {
      eventId: this.nextEventId++,
      subscriptionId: sub?.id ?? 0,
      portalId: this.portalId,
      appId: this.appId,
      occurredAt: e.occurredAt ?? this.clock.now(),
      subscriptionType: e.subscriptionType,
      attemptNumber: 0,
      objectId: Number(e.objectId),
      changeSource: e.changeSource ?? 'CRM_UI',
      sourceId: 'userId:4242',
    };
    if (e.propertyName !== undefined) ev.propertyName = e.propertyName;
    if (e.propertyValue !== undefined) ev.propertyValue = e.propertyValue;
    return ev;
  }

  /** True when the portal's app is subscribed to this event. */
  subscribed(e: Pick<HubSpotEvent, 'subscriptionType' | 'propertyName'>): boolean {
    return this.subscriptions.some((s) => s.subscriptionType === e.subscriptionType && (s.propertyName === undefined || s.propertyName === e.propertyName));
  }

  headersFor(uri: string, body: string, timestamp: string): Record<string, string> {
    return {
      'X-HubSpot-Signature-v3': signV3(this.appSecret, 'POST', uri, body, timestamp),
      'X-HubSpot-Request-Timestamp': timestamp,
      'X-HubSpot-Signature-Version': 'v3',
      'User-Agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/)',
    };
  }

  private async sendOnce(events: HubSpotEvent[], attempt: number): Promise<WebhookDelivery> {
    const url = this.outbox.target!.url;
    const batch = events.map((e) => ({ ...e, attemptNumber: attempt }));
    const body = JSON.stringify(batch);
    const ts = String(this.clock.now());
    return this.outbox.post(String(events[0]?.eventId ?? ''), url, this.headersFor(url, body, ts), body, attempt);
  }

  async deliver(events: HubSpotEvent[], opts: { duplicates?: number } = {}): Promise<WebhookDelivery[]> {
    if (!this.outbox.target || events.length === 0) return [];
    const out: WebhookDelivery[] = [];
    let attempt = 0;
    let d = await this.sendOnce(events, attempt);
    out.push(d);
    while (!deliveredOk(d) && attempt < this.maxRetries) {
      await new Promise((r) => setTimeout(r, this.retryDelayMs));
      attempt += 1;
      d = await this.sendOnce(events, attempt);
      out.push(d);
    }
    for (let i = 0; i < (opts.duplicates ?? 0); i++) {
      attempt += 1;
      out.push(await this.sendOnce(events, attempt));
    }
    return out;
  }
}
