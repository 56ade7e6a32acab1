import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { jsonBody } from '../common/body.js';
import type { LedgerRequest } from '../common/ledger.js';
import { validate } from '../common/validation.js';
import { validationError, wmsError } from './errors.js';
import type { WmsContext } from './routes.js';
import { refParam } from './schemas.js';
import { canonical } from './store.js';

/**
 * Inbound receipts (ASN) of the generic WMS profile, and fulfilment milestones:
 *  PUT /receipts/{reference}  idempotent create-or-replace: 201 created, 200 replaced/unchanged,
 *                             409 receipt_locked once receiving started and the body differs
 *  GET /receipts/{reference}  status expected | receiving | received | cancelled, lines with received_quantity
 * Webhooks: receipt.completed, order.<milestone> (accepted, allocated, picked, packed, shipped,
 * delivered, exception, on_hold, resumed). Ledger: create / update on resource 'receipt' keyed by reference.
 */

const ref = z.string().trim().min(1).max(100);

export const receiptLine = z.strictObject({
  line_ref: ref,
  sku: ref,
  quantity: z.number().positive(),
  lot: z.string().min(1).optional(),
  expiry: z.iso.date().optional(),
});

export const receiptBody = z
  .strictObject({
    supplier_ref: ref.optional(),
    supplier_name: z.string().min(1).optional(),
    purchase_order: ref.optional(),
    expected_date: z.iso.date().optional(),
    carrier: z.string().optional(),
    tracking_number: z.string().optional(),
    lines: z.array(receiptLine).min(1).max(500),
    notes: z.string().max(2000).optional(),
  })
  .superRefine((o, ctx) => {
    const seen = new Set<string>();
    o.lines.forEach((l, i) => {
      if (seen.has(l.line_ref)) ctx.addIssue({ code: 'custom', message: `duplicate line_ref '${l.line_ref}'`, path: ['lines', i, 'line_ref'] });
      seen.add(l.line_ref);
    });
  });

export type ReceiptStatus = 'expected' | 'receiving' | 'received' | 'cancelled';
export interface ReceivedLine { line_ref: string; sku: string; quantity: number; lots: Array<{ lot: string; quantity: number; expiry: string | null }>; serials: string[] }
export interface WmsReceipt {
  reference: string;
  receipt_id: string;
  status: ReceiptStatus;
  version: number;
  body: z.output<typeof receiptBody>;
  created_at: string;
  updated_at: string;
  received_at: string | null;
  received: ReceivedLine[];
}

export const MILESTONE_EVENTS = ['accepted', 'allocated', 'picked', 'packed', 'shipped', 'delivered', 'exception', 'on_hold', 'resumed'] as const;
export type WmsMilestone = (typeof MILESTONE_EVENTS)[number];

export class ReceiptStore {
  receipts = new Map<string, WmsReceipt>();
  private seq = 1;
  reset(): void {
    this.receipts.clear();
    this.seq = 1;
  }
  nextId(): string {
    return `RCV-${String(this.seq++).padStart(6, '0')}`;
  }
}

export function receiptJson(r: WmsReceipt) {
  return {
    reference: r.reference,
    id: r.receipt_id,
    status: r.status,
    version: r.version,
    ...r.body,
    lines: r.body.lines.map((l) => ({ ...l, received_quantity: r.received.filter((x) => x.line_ref === l.line_ref).reduce((a, x) => a + x.quantity, 0) })),
    received_at: r.received_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

const seqOf = (res: Response) => (res.locals['ledgerEntry'] as LedgerRequest | undefined)?.seq;

export function mountReceipts(r: Router, ctx: WmsContext, receipts: ReceiptStore): void {
  const refOf = (req: Request, res: Response) => {
    const v = validate(refParam, String(req.params['reference'] ?? ''));
    if (!v.ok) return void wmsError(res, 400, 'validation_error', v.issues[0]!.message, 'reference');
    return v.data;
  };
  r.put('/receipts/:reference', (req, res) => {
    const reference = refOf(req, res);
    if (!reference) return;
    const j = jsonBody(req);
    if (!j.ok) return wmsError(res, 400, 'invalid_json', `Request body is not valid JSON: ${j.message}`);
    if (j.empty) return wmsError(res, 400, 'validation_error', 'Request body is required');
    const v = validate(receiptBody, j.value);
    if (!v.ok) return validationError(res, v.issues);
    const body = v.data;
    const now = ctx.clock.iso();
    const existing = receipts.receipts.get(reference);
    if (!existing) {
      const rec: WmsReceipt = { reference, receipt_id: receipts.nextId(), status: 'expected', version: 1, body, created_at: now, updated_at: now, received_at: null, received: [] };
      receipts.receipts.set(reference, rec);
      ctx.ledger.effect('create', 'receipt', reference, rec.receipt_id, seqOf(res));
      return res.status(201).setHeader('Location', `${req.baseUrl}/receipts/${encodeURIComponent(reference)}`).json(receiptJson(rec));
    }
    if (canonical(existing.body) === canonical(body)) return res.status(200).json(receiptJson(existing));
    if (existing.status !== 'expected') return wmsError(res, 409, 'receipt_locked', `Receipt ${reference} is ${existing.status} and can no longer be replaced`);
    existing.body = body;
    existing.version += 1;
    existing.updated_at = now;
    ctx.ledger.effect('update', 'receipt', reference, existing.receipt_id, seqOf(res));
    res.status(200).json(receiptJson(existing));
  });
  r.delete('/receipts/:reference', (req, res) => {
    const reference = refOf(req, res);
    if (!reference) return;
    const rec = receipts.receipts.get(reference);
    if (!rec) return wmsError(res, 404, 'not_found', `Receipt ${reference} not found`);
    if (rec.status === 'cancelled') return res.status(200).json(receiptJson(rec));
    if (rec.status !== 'expected') return wmsError(res, 409, 'receipt_locked', `Receipt ${reference} is ${rec.status} and can no longer be cancelled`);
    rec.status = 'cancelled';
    rec.updated_at = ctx.clock.iso();
    ctx.ledger.effect('cancel', 'receipt', reference, rec.receipt_id, seqOf(res));
    res.status(200).json(receiptJson(rec));
  });
  r.get('/receipts/:reference', (req, res) => {
    const reference = refOf(req, res);
    if (!reference) return;
    const rec = receipts.receipts.get(reference);
    if (!rec) return wmsError(res, 404, 'not_found', `Receipt ${reference} not found`);
    res.json(receiptJson(rec));
  });
}

/**
 * Controls (under /__control/):
 *  POST /receipts/:reference/receive {lines?[{line_ref, quantity, lots?[{lot, quantity, expiry?}], serials?}], duplicates?}
 *       -> receipt.completed {receipt_reference, receipt_id, received_at, lines[{line_ref, sku, quantity, lots, serials}]}
 *  POST /orders/:reference/milestone {milestone, shipment_id?, carrier?, tracking_number?, reason?, signed_by?, carrier_event?, location?, duplicates?}
 *       -> order.<milestone> {order_reference, milestone, occurred_at, ...}
 */
export function mountReceiptControls(r: Router, ctx: WmsContext, receipts: ReceiptStore): void {
  const b = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
  r.post('/receipts/:reference/receive', async (req, res): Promise<unknown> => {
    const rec = receipts.receipts.get(String(req.params['reference']));
    if (!rec) return res.status(404).json({ error: `receipt ${String(req.params['reference'])} not found` });
    if (rec.status === 'received' || rec.status === 'cancelled') return res.status(409).json({ error: `receipt ${rec.reference} is ${rec.status}` });
    type Wanted = { line_ref: string; quantity: number; lots?: Array<{ lot: string; quantity: number; expiry?: string | null }>; serials?: string[] };
    const wanted: Wanted[] = (b(req)['lines'] as Wanted[] | undefined)
      ?? rec.body.lines.map((l) => ({ line_ref: l.line_ref, quantity: l.quantity, lots: l.lot ? [{ lot: l.lot, quantity: l.quantity, expiry: l.expiry ?? null }] : [] }));
    const lines: ReceivedLine[] = [];
    for (const w of wanted) {
      const line = rec.body.lines.find((l) => l.line_ref === w.line_ref);
      if (!line) return res.status(422).json({ error: `receipt ${rec.reference} has no line ${w.line_ref}` });
      lines.push({ line_ref: line.line_ref, sku: line.sku, quantity: w.quantity, lots: (w.lots ?? []).map((x) => ({ lot: x.lot, quantity: x.quantity, expiry: x.expiry ?? null })), serials: w.serials ?? [] });
    }
    rec.received = lines;
    rec.status = 'received';
    rec.received_at = ctx.clock.iso();
    rec.updated_at = rec.received_at;
    for (const l of lines) {
      const lots = l.lots.length ? l.lots : [{ lot: null as string | null, quantity: l.quantity, expiry: null as string | null }];
      for (const lot of lots) {
        const row = ctx.store.stock.find((s) => s.sku === l.sku && s.lot === lot.lot);
        if (row) row.on_hand += lot.quantity;
        else ctx.store.stock.push({ sku: l.sku, location: 'MAIN', lot: lot.lot, expiry: lot.expiry, on_hand: lot.quantity, reserved: 0 });
      }
    }
    const data = { receipt_reference: rec.reference, receipt_id: rec.receipt_id, status: 'received', received_at: rec.received_at, lines };
    const deliveries = await ctx.webhooks.emit('receipt.completed', data, typeof b(req)['duplicates'] === 'number' ? { duplicates: b(req)['duplicates'] as number } : {});
    return res.json({ receipt: receiptJson(rec), deliveries });
  });
  r.post('/orders/:reference/milestone', async (req, res): Promise<unknown> => {
    const reference = String(req.params['reference']);
    const o = ctx.store.orders.get(reference);
    if (!o) return res.status(404).json({ error: `order ${reference} not found` });
    const milestone = String(b(req)['milestone'] ?? '') as WmsMilestone;
    if (!MILESTONE_EVENTS.includes(milestone)) return res.status(422).json({ error: `milestone must be one of ${MILESTONE_EVENTS.join(', ')}` });
    const at = ctx.clock.iso();
    const pick = (k: string) => (typeof b(req)[k] === 'string' ? { [k]: b(req)[k] as string } : {});
    const data: Record<string, unknown> = { order_reference: reference, milestone, occurred_at: at, ...pick('shipment_id'), ...pick('carrier'), ...pick('tracking_number'), ...pick('reason') };
    if (milestone === 'delivered') data.proof_of_delivery = { delivered_at: at, ...pick('signed_by'), ...pick('carrier_event'), ...pick('location') };
    if (milestone === 'picked' && o.status === 'open') o.status = 'picking';
    const deliveries = await ctx.webhooks.emit(`order.${milestone}`, data, typeof b(req)['duplicates'] === 'number' ? { duplicates: b(req)['duplicates'] as number } : {});
    return res.json({ event: data, deliveries });
  });
}
