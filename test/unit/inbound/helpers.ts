import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { createServer } from '../../../bridge/server/create-server.js';
import { BridgeMetrics } from '../../../bridge/runtime/metrics.js';
import { openStateStore, type DB } from '../../../bridge/state/state-store.js';
import { InboxStore } from '../../../bridge/state/inbox-store.js';
import { adminInboxRouter, webhookRouter } from '../../../bridge/inbound/routes.js';
import { targetSchema, type TargetConfig } from '../../../bridge/config/schema.js';
import type { ApplyItem, ApplyResult } from '../../../bridge/odoo/contract.js';
import type { InboundSink } from '../../../bridge/inbound/processor.js';
import { OdooUnavailableError } from '../../../bridge/odoo/odoo-errors.js';
import { signV3 } from '../../fakes/hubspot/webhooks.js';
import { wmsSignature } from '../../fakes/generic-wms/webhooks.js';

export const SHIPBOB_SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
export const HUBSPOT_SECRET = 'hubspot-app-secret';
export const WMS_SECRET = 'wms-shared-secret-at-least-32-bytes!!';
export const ADMIN = 'admin-token-for-tests';
export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');

export function target(preset: string, extra: Record<string, unknown> = {}): TargetConfig {
  return targetSchema.parse({ preset, base_url: 'http://127.0.0.1:9/', auth: { type: 'bearer', token: { env: 'X' } }, ...(preset === 'salesforce' ? {} : { webhook_secret: { env: 'S' } }), ...extra });
}

export const TARGETS: Record<string, TargetConfig> = {
  wms_sb: target('shipbob'),
  crm_hs: target('hubspot'),
  wms_gen: target('generic_wms'),
  crm_sf: target('salesforce'),
};
export const SECRETS: Record<string, string> = { wms_sb: SHIPBOB_SECRET, crm_hs: HUBSPOT_SECRET, wms_gen: WMS_SECRET };

export function tempDb(): { db: DB; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-inbox-'));
  const file = path.join(dir, 'state.sqlite');
  return { db: openStateStore(file), file };
}

export interface TestServer { url: string; store: InboxStore; db: DB; file: string; close: () => Promise<void>; stored: number }

/** The real express app (createServer) with the inbound routes mounted, on a free port. */
export async function startInboundServer(opts: { maxBodyBytes?: number; publicUrl?: string; now?: () => number } = {}): Promise<TestServer> {
  const { db, file } = tempDb();
  const store = new InboxStore(db);
  const state = { stored: 0 };
  const app = createServer({
    metrics: new BridgeMetrics(), adminToken: ADMIN,
    readiness: { check: async () => ({ ready: true, odoo: 'ok', mappings: '', targets: {} }) },
    mount: (a, requireAdmin) => {
      a.use(webhookRouter({ store, targets: TARGETS, secrets: SECRETS, maxBodyBytes: opts.maxBodyBytes ?? 64 * 1024, toleranceSeconds: 300, publicUrl: opts.publicUrl, now: opts.now, onStored: (_s, n) => { state.stored += n; } }));
      a.use(adminInboxRouter(store, requireAdmin));
    },
  });
  const server: Server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, store, db, file,
    get stored() { return state.stored; },
    close: async () => { await new Promise<void>((r) => { server.closeAllConnections?.(); server.close(() => r()); }); db.close(); },
  };
}

export function shipment(id = 5001, reference = 'S00042'): Record<string, unknown> {
  return {
    id, order_id: 9001, reference_id: reference, status: 'Completed', actual_fulfillment_date: '2026-11-21T14:03:22+00:00',
    tracking: { carrier: 'USPS', carrier_service: 'Priority Mail', tracking_number: '9400100000000000000000', shipping_date: '2026-11-21T09:00:00-05:00' },
    products: [{ id: 1, reference_id: 'MUG-BLUE', sku: 'MUG-BLUE', name: 'Blue mug', inventory_items: [{ id: 11, quantity: 2, lot: 'L-1', serial_numbers: [] }] }],
    is_tracking_uploaded: false,
  };
}

export function shipbobDelivery(data: unknown, o: { id?: string; type?: string; at?: Date; secret?: string; body?: string } = {}): { headers: Record<string, string>; body: string } {
  const body = o.body ?? JSON.stringify({ type: o.type ?? 'order.shipped', timestamp: new Date().toISOString(), data });
  const id = o.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const at = o.at ?? new Date();
  const sig = new Webhook(o.secret ?? SHIPBOB_SECRET).sign(id, at, body);
  return { body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': sig } };
}

export function hubspotDelivery(url: string, events: unknown[], o: { ts?: number; secret?: string; body?: string } = {}): { headers: Record<string, string>; body: string } {
  const body = o.body ?? JSON.stringify(events);
  const ts = String(o.ts ?? Date.now());
  return { body, headers: { 'content-type': 'application/json', 'X-HubSpot-Signature-v3': signV3(o.secret ?? HUBSPOT_SECRET, 'POST', url, body, ts), 'X-HubSpot-Request-Timestamp': ts, 'X-HubSpot-Signature-Version': 'v3' } };
}

export function dealWon(eventId: number, dealId = 77): Record<string, unknown> {
  return { eventId, subscriptionId: 1001, portalId: 1, appId: 2, occurredAt: Date.now(), subscriptionType: 'deal.propertyChange', attemptNumber: 0, objectId: dealId, propertyName: 'dealstage', propertyValue: 'closedwon', changeSource: 'CRM_UI' };
}

export function wmsDelivery(type: string, data: unknown, o: { id?: string; ts?: number; secret?: string; body?: string } = {}): { headers: Record<string, string>; body: string } {
  const id = o.id ?? `evt_${Math.random().toString(36).slice(2)}`;
  const body = o.body ?? JSON.stringify({ id, type, created_at: new Date().toISOString(), data });
  const ts = String(Math.floor((o.ts ?? Date.now()) / 1000));
  return { body, headers: { 'content-type': 'application/json', 'X-WMS-Event-Id': id, 'X-WMS-Timestamp': ts, 'X-WMS-Signature': wmsSignature(o.secret ?? WMS_SECRET, ts, body) } };
}

export function wmsShipped(reference = 'WH/OUT/00042'): Record<string, unknown> {
  return {
    order_reference: reference, order_status: 'shipped', shipment_id: 'SHP-1', carrier: 'DHL', tracking_number: 'JD1', tracking_url: null, shipped_at: '2026-11-21T10:00:00Z',
    lines: [{ line_ref: '1', sku: 'MUG-BLUE', quantity: 2, lots: [{ lot: 'L-1', quantity: 2, expiry: null }], serials: [] }],
  };
}

export async function post(url: string, d: { headers: Record<string, string>; body: string | Buffer }): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try { json = JSON.parse(text) as Record<string, unknown>; } catch { json = { text }; }
  return { status: r.status, json };
}

/** A sync_apply stand-in: records calls, can be down, dedups per (target, message_id) like Odoo. */
export class FakeSink implements InboundSink {
  calls: ApplyItem[][] = [];
  applied: ApplyItem[] = [];
  down = false;
  rejectIds = new Set<string>();
  private seen = new Set<string>();
  async apply(items: ApplyItem[]): Promise<ApplyResult[]> {
    if (this.down) throw new OdooUnavailableError('Odoo is down (connection refused)');
    this.calls.push(items);
    return items.map((i) => {
      const key = `${i.target}|${i.message_id}`;
      if (this.rejectIds.has(i.message_id)) return { message_id: i.message_id, status: 'rejected', records: [], exception_ids: [], error: 'unknown SKU' };
      if (this.seen.has(key)) return { message_id: i.message_id, status: 'duplicate', records: [], exception_ids: [] };
      this.seen.add(key);
      this.applied.push(i);
      return { message_id: i.message_id, status: 'applied', records: [{ model: 'stock.picking', res_id: 1, display_name: 'WH/OUT/1' }], exception_ids: [] };
    });
  }
}
