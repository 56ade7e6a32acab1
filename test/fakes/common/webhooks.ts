/** Outgoing webhook deliveries from a fake to the system under test, recorded for assertions. */

export interface WebhookDelivery {
  /** Delivery-level id (webhook-id, eventId of the first event, ...). */
  id: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  attempt: number;
  /** HTTP status of the receiver's answer; null when the connection failed. */
  status: number | null;
  error?: string;
  at: string;
}

export interface WebhookTarget {
  url: string;
}

export class WebhookOutbox {
  target: WebhookTarget | null = null;
  readonly deliveries: WebhookDelivery[] = [];
  /** Milliseconds before a delivery gives up. */
  timeoutMs = 5_000;

  async post(id: string, url: string, headers: Record<string, string>, body: string, attempt: number): Promise<WebhookDelivery> {
    const d: WebhookDelivery = { id, url, headers, body, attempt, status: null, at: new Date().toISOString() };
    this.deliveries.push(d);
    try {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      d.status = r.status;
      await r.arrayBuffer().catch(() => undefined);
    } catch (e) {
      d.error = e instanceof Error ? e.message : String(e);
    }
    return d;
  }

  reset(): void {
    this.deliveries.length = 0;
  }
}

export function deliveredOk(d: WebhookDelivery): boolean {
  return d.status !== null && d.status >= 200 && d.status < 300;
}
