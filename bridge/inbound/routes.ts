import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import express, { type Request, type Response, type NextFunction } from 'express';
import type { TargetConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { INBOX_STATES, type InboxRow, type InboxState, type InboxStore, type NewInboxMessage } from '../state/inbox-store.js';
import { parseWebhook } from './envelopes.js';
import { VERIFIERS, verifyWithSecrets } from './verify.js';

export interface WebhookRoutesOptions {
  store: InboxStore;
  targets: Record<string, TargetConfig>;
  /** Resolved webhook secret per target code (targets without one have no webhook endpoint). */
  secrets: Record<string, string>;
  /** Resolved webhook_secret_previous per target code (rotation): accepted as well while set. */
  previousSecrets?: Record<string, string>;
  maxBodyBytes: number;
  toleranceSeconds: number;
  /** Public base URL the vendors call (HubSpot signs the full URI). */
  publicUrl?: string;
  now?: () => number;
  log?: Logger;
  /** Called after messages were stored (wakes the processor). */
  onStored?: (source: string, n: number) => void;
  onReceived?: (source: string, outcome: 'stored' | 'duplicate' | 'ignored' | 'invalid' | 'unauthorized') => void;
}

function error(res: Response, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ error: { code, message, ...extra } });
}

/** Correlation headers a vendor (or a proxy in front of the bridge) may send, most specific first. */
const CORRELATION_HEADERS = ['x-correlation-id', 'x-request-id', 'x-hubspot-correlation-id', 'x-wms-correlation-id'];

/**
 * The vendor's correlation id when the delivery carries one (`X-Correlation-Id`, `X-Request-Id`,
 * `X-HubSpot-Correlation-Id`, `X-WMS-Correlation-Id`, or the trace id of a W3C `traceparent`).
 * It becomes the trace id of the delivery's messages; without one each message gets a new UUID.
 * The trace id is stored on the inbox row, logged with every line about the message and sent to
 * Odoo with it (sync_apply `trace_id`, kept on sync.inbound.message).
 */
export function vendorTraceId(headers: IncomingHttpHeaders): string | undefined {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim();
  for (const h of CORRELATION_HEADERS) {
    const v = one(headers[h]);
    if (v && /^[A-Za-z0-9._:@/-]{1,128}$/.test(v)) return v;
  }
  const tp = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(one(headers.traceparent) ?? '');
  if (tp && !/^0+$/.test(tp[1]!)) return tp[1]!;
  return undefined;
}

/** The URI the vendor signed: server.public_url + the path and query it called. */
function signedUri(req: Request, publicUrl: string | undefined): string {
  if (publicUrl) return `${publicUrl.replace(/\/+$/, '')}${req.originalUrl}`;
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`;
}

/**
 * POST /webhooks/<target code>: one endpoint per configured target that has a webhook_secret;
 * the target's preset decides the signature scheme and the payload checks. While the target
 * also has a webhook_secret_previous (rotation), a delivery signed with either is accepted.
 *
 *   200 {accepted: true, duplicate: false, messages: [{id, message_id}]}   stored (committed) before this answer
 *   200 {accepted: true, duplicate: true, messages: [...]}                 every message was already in the inbox
 *   202 {accepted: true, ignored: true, reason}                            a topic the bridge does not apply
 *   400 {error: {code: invalid_payload, field, message}}                   signed but malformed; kept as rejected
 *   401 {error: {code: missing_signature | bad_signature | stale_timestamp}}  nothing stored
 *   404 {error: {code: unknown_source}}                                    no such target, or it has no webhook secret
 *   413 {error: {code: payload_too_large}}                                 bigger than server.max_body_bytes
 *   500 {error: {code: storage_failed}}                                    not stored: the vendor retries
 */
export function webhookRouter(o: WebhookRoutesOptions): express.Router {
  const router = express.Router();
  const now = o.now ?? Date.now;
  const raw = express.raw({ type: () => true, limit: o.maxBodyBytes });

  router.post('/webhooks/:target', (req, res, next) => {
    const code = String(req.params.target);
    const target = Object.hasOwn(o.targets, code) ? o.targets[code] : undefined;
    const secret = Object.hasOwn(o.secrets, code) ? o.secrets[code] : undefined;
    if (!target || !secret || !VERIFIERS[target.preset]) {
      error(res, 404, 'unknown_source', `no webhook endpoint for '${code}' (a configured target with a webhook_secret and a preset that sends webhooks: shipbob, hubspot, generic_wms)`);
      return;
    }
    // express.raw refuses a body over the limit (announced or streamed) with a 413 error.
    raw(req, res, (err?: unknown) => {
      if (err) { next(err); return; }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const previous = o.previousSecrets && Object.hasOwn(o.previousSecrets, code) ? o.previousSecrets[code] : undefined;
      const verdict = verifyWithSecrets(VERIFIERS[target.preset]!, previous ? [secret, previous] : [secret], { raw: body, headers: req.headers, method: req.method, uri: signedUri(req, o.publicUrl), now: now(), toleranceSeconds: o.toleranceSeconds });
      if (!verdict.ok) {
        o.onReceived?.(code, 'unauthorized');
        o.log?.warn(`webhook ${code}: ${verdict.code}: ${verdict.message}`);
        error(res, 401, verdict.code, verdict.message);
        return;
      }
      if (verdict.secretIndex === 1) {
        // Tells the operator the vendor still signs with the old secret (rotation not finished at the vendor).
        o.log?.info(`webhook ${code}: signature matches webhook_secret_previous, not webhook_secret: the vendor still signs with the previous secret`, { source: code });
      }
      const opts = { ...(target.preset === 'hubspot' && Array.isArray(target.options.approved_stages) ? { approvedStages: (target.options.approved_stages as unknown[]).map(String) } : {}), options: target.options };
      const parsed = parseWebhook(target.preset, body, req.headers, opts);
      if (parsed.kind === 'ignored') {
        o.onReceived?.(code, 'ignored');
        res.status(202).json({ accepted: true, ignored: true, reason: parsed.reason });
        return;
      }
      const vendorTrace = vendorTraceId(req.headers);
      const traceId = vendorTrace ?? randomUUID();
      let rows: NewInboxMessage[];
      if (parsed.kind === 'invalid') {
        rows = [{ source: code, messageId: parsed.messageId, preset: target.preset, topic: parsed.topic, via: 'webhook', body: body.toString('utf8'), rejectedReason: `invalid payload: ${parsed.field}: ${parsed.message}`, traceId }];
      } else {
        // One trace per message (a HubSpot delivery of several events shares the vendor's id, if any).
        rows = parsed.messages.map((m, i) => ({
          source: code, messageId: m.messageId, deliveryId: m.deliveryId, preset: target.preset, topic: m.topic, via: 'webhook', body: m.body,
          traceId: i === 0 ? traceId : vendorTrace ?? randomUUID(),
        }));
      }
      o.store.insertDurably(rows).then((outcomes) => {
        if (parsed.kind === 'invalid') {
          o.onReceived?.(code, 'invalid');
          o.log?.warn(`webhook ${code}: invalid ${parsed.topic} message ${parsed.messageId} kept as rejected (inbox ${outcomes[0]?.id ?? '?'}): ${parsed.field}: ${parsed.message}`, { trace_id: traceId, source: code, message_id: parsed.messageId });
          error(res, 400, 'invalid_payload', `${parsed.field}: ${parsed.message}`, { field: parsed.field, inbox_id: outcomes[0]?.id });
          return;
        }
        parsed.messages.forEach((m, i) => {
          const out = outcomes[i]!;
          // A copy is logged under the trace id of the message already stored.
          o.log?.info(`webhook ${code}: ${m.topic} message ${m.messageId} ${out.duplicate ? 'already in the inbox (duplicate, dropped)' : `stored (inbox ${out.id})`}`, { trace_id: out.duplicate ? o.store.get(out.id)?.trace_id ?? rows[i]!.traceId : rows[i]!.traceId, source: code, message_id: m.messageId, inbox_id: out.id });
        });
        const fresh = outcomes.filter((x) => !x.duplicate).length;
        o.onReceived?.(code, fresh > 0 ? 'stored' : 'duplicate');
        if (fresh > 0) o.onStored?.(code, fresh);
        res.status(200).json({
          accepted: true,
          duplicate: fresh === 0,
          messages: parsed.messages.map((m, i) => ({ id: outcomes[i]!.id, message_id: m.messageId, duplicate: outcomes[i]!.duplicate })),
        });
      }, (e: unknown) => {
        o.log?.error(`webhook ${code}: could not store the message: ${e instanceof Error ? e.message : String(e)}`);
        error(res, 500, 'storage_failed', 'the message could not be stored; retry later');
      });
    });
  });

  router.use('/webhooks', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.too.large' || e?.status === 413) {
      error(res, 413, 'payload_too_large', `body exceeds server.max_body_bytes (${o.maxBodyBytes})`, { limit: o.maxBodyBytes });
      return;
    }
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      error(res, e.status, 'bad_request', e.message ?? 'bad request');
      return;
    }
    next(err);
  });
  return router;
}

export function rowJson(r: InboxRow, withBody = false): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: r.id, source: r.source, message_id: r.message_id, delivery_id: r.delivery_id, preset: r.preset, topic: r.topic, via: r.via,
    state: r.state, attempts: r.attempts, replays: r.replays, received_at: new Date(r.received_at).toISOString(),
    next_attempt_at: r.state === 'pending' && r.next_attempt_at ? new Date(r.next_attempt_at).toISOString() : null,
    done_at: r.done_at ? new Date(r.done_at).toISOString() : null, last_error: r.last_error, kind: r.kind, trace_id: r.trace_id,
    discarded_at: r.discarded_at ? new Date(r.discarded_at).toISOString() : null, discard_reason: r.discard_reason,
    result: r.result ? JSON.parse(r.result) as unknown : null,
  };
  if (withBody) {
    out.body = r.body;
    out.input = r.input ? JSON.parse(r.input) as unknown : null;
    out.payload = r.payload ? JSON.parse(r.payload) as unknown : null;
  }
  return out;
}

/**
 * Admin (Bearer server.admin_token):
 *   GET  /admin/inbox?state=rejected&source=wms_main&limit=50&before=<id>   newest first
 *   GET  /admin/inbox/summary                                              counts per source and state
 *   GET  /admin/inbox/<id>                                                 one message with body, mapping input and payload
 *   POST /admin/inbox/<id>/replay                                          rejected -> pending (exception: 409, reprocess in Odoo)
 *   POST /admin/inbox/<id>/discard {reason}                                rejected: discarded (purged after the retention)
 */
export function adminInboxRouter(store: InboxStore, requireAdmin: express.RequestHandler, onReplay?: () => void): express.Router {
  const router = express.Router();
  router.get('/admin/inbox', requireAdmin, (req, res) => {
    const state = typeof req.query.state === 'string' ? req.query.state : undefined;
    if (state !== undefined && !INBOX_STATES.includes(state as InboxState)) { error(res, 400, 'invalid_query', `state: expected one of ${INBOX_STATES.join(', ')}`, { field: 'state' }); return; }
    const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) { error(res, 400, 'invalid_query', 'limit: expected a whole number 1-1000', { field: 'limit' }); return; }
    const before = req.query.before === undefined ? undefined : Number(req.query.before);
    const rows = store.list({ state: state as InboxState | undefined, source: typeof req.query.source === 'string' ? req.query.source : undefined, limit, beforeId: before });
    res.json({ messages: rows.map((r) => rowJson(r)), depth: store.depth() });
  });
  router.get('/admin/inbox/summary', requireAdmin, (_req, res) => { res.json({ counts: store.counts(), depth: store.depth() }); });
  router.get('/admin/inbox/:id', requireAdmin, (req, res) => {
    const row = store.get(Number(req.params.id));
    if (!row) { error(res, 404, 'not_found', `no inbox message ${String(req.params.id)}`); return; }
    res.json(rowJson(row, true));
  });
  router.post('/admin/inbox/:id/replay', requireAdmin, (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id < 1) { error(res, 400, 'invalid_id', 'expected an inbox message id'); return; }
    const r = store.replay(id);
    if (!r.ok) { error(res, store.get(id) ? 409 : 404, store.get(id) ? 'not_replayable' : 'not_found', r.reason); return; }
    onReplay?.();
    res.json({ replayed: true, message: rowJson(store.get(id)!) });
  });
  router.post('/admin/inbox/:id/discard', requireAdmin, express.json({ limit: '16kb' }), (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id < 1) { error(res, 400, 'invalid_id', 'expected an inbox message id'); return; }
    const reason = (req.body as { reason?: unknown } | undefined)?.reason;
    if (typeof reason !== 'string' || !reason.trim()) { error(res, 400, 'invalid_body', 'reason: a non-empty string is required', { field: 'reason' }); return; }
    const r = store.discard(id, reason);
    if (!r.ok) { error(res, store.get(id) ? 409 : 404, store.get(id) ? 'not_discardable' : 'not_found', r.reason); return; }
    res.json({ discarded: true, message: rowJson(store.get(id)!) });
  });
  return router;
}
