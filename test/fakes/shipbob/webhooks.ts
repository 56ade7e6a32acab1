import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../common/clock.js';
import { uuid } from '../common/ids.js';
import type { WebhookDelivery, WebhookOutbox } from '../common/webhooks.js';

export const SHIPBOB_TOPICS = [
  'order.shipped',
  'order.shipment.delivered',
  'order.shipment.exception',
  'order.shipment.on_hold',
  'order.shipment.cancelled',
  'return.created',
  'return.updated',
  'return.completed',
] as const;
export type ShipBobTopic = (typeof SHIPBOB_TOPICS)[number];

export function newWhsecSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * ShipBob webhooks, signed with Standard Webhooks: headers webhook-id, webhook-timestamp
 * (Unix seconds), webhook-signature "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>", plus
 * `shipbob-topic`. Body: {"type": <topic>, "timestamp": <ISO>, "data": <shipment or return>}.
 */
export class ShipBobWebhooks {
  /** Topics the merchant subscribed to (all by default). */
  subscribed = new Set<ShipBobTopic>(SHIPBOB_TOPICS);
  private signer: Webhook;

  constructor(
    private secretValue: string,
    private readonly outbox: WebhookOutbox,
    private readonly clock: Clock,
  ) {
    this.signer = new Webhook(secretValue);
  }

  get secret(): string {
    return this.secretValue;
  }

  setSecret(secret: string): void {
    this.secretValue = secret;
    this.signer = new Webhook(secret);
  }

  /** Signs a body exactly as delivered; exposed so tests can build their own deliveries. */
  sign(id: string, timestamp: Date, body: string): Record<string, string> {
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': this.signer.sign(id, timestamp, body),
    };
  }

  /**
   * Sends one event to the configured target. `duplicates` re-sends the identical message
   * (same webhook-id, fresh timestamp and signature) as ShipBob's at-least-once retries do.
   */
  async emit(topic: ShipBobTopic, data: unknown, opts: { duplicates?: number; id?: string } = {}): Promise<WebhookDelivery[]> {
    const target = this.outbox.target;
    if (!target || !this.subscribed.has(topic)) return [];
    const id = opts.id ?? `msg_${uuid().replace(/-/g, '')}`;
    const body = JSON.stringify({ type: topic, timestamp: this.clock.iso(), data });
    const out: WebhookDelivery[] = [];
    for (let attempt = 1; attempt <= 1 + (opts.duplicates ?? 0); attempt++) {
      const headers = { ...this.sign(id, this.clock.date(), body), 'shipbob-topic': topic, 'user-agent': 'ShipBob-Webhooks/2026-01' };
      out.push(await this.outbox.post(id, target.url, headers, body, attempt));
    }
    return out;
  }
}
