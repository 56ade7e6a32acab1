import { randomUUID } from 'node:crypto';
import type { DB } from './state-store.js';

/**
 * The inbox: every inbound message (webhook or poll) is written here, in a committed
 * transaction (synchronous=FULL), before the sender gets its 2xx answer. Messages are applied
 * to Odoo in arrival order (`id`) per source (target code). A message is unique per source by
 * its message id and, for webhooks, by the vendor's delivery id too: a second copy is a
 * duplicate and is never stored or applied again.
 *
 * States: pending (to apply; `next_attempt_at` holds the backoff after a transient failure),
 * applied / duplicate / exception (Odoo has it: applied now, had it already, or applied it and
 * opened a sync.exception for a human), rejected (the payload, the mapping or Odoo refused it:
 * kept with the reason, replayable).
 */
export type InboxState = 'pending' | 'applied' | 'duplicate' | 'exception' | 'rejected';
export const INBOX_STATES: readonly InboxState[] = ['pending', 'applied', 'duplicate', 'exception', 'rejected'];

export interface NewInboxMessage {
  source: string;
  messageId: string;
  /** The vendor's delivery id (webhook-id, X-WMS-Event-Id) when it differs from the message id. */
  deliveryId?: string;
  preset: string;
  /** The vendor's event type, e.g. order.shipped, deal.propertyChange, return.received. */
  topic: string;
  via: 'webhook' | 'poll';
  /** The message as received (vendor JSON, or the raw text when it is not JSON). */
  body: string;
  /** Stored directly as rejected with this reason (a signed message whose payload is invalid). */
  rejectedReason?: string;
  /** Trace id of the message (the vendor's correlation id, else a new UUID: set here when absent). */
  traceId?: string;
}

export interface InboxRow {
  id: number;
  source: string;
  message_id: string;
  delivery_id: string | null;
  preset: string;
  topic: string;
  via: 'webhook' | 'poll';
  body: string;
  received_at: number;
  state: InboxState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  kind: string | null;
  payload: string | null;
  result: string | null;
  trace_id: string | null;
  done_at: number | null;
  replays: number;
  /** The message id sent to Odoo when it differs from message_id (a replay of a message Odoo rejected). */
  apply_id: string | null;
  /** A rejected message an operator discarded (then purged after the retention), and why. */
  discarded_at: number | null;
  discard_reason: string | null;
  /** The inbound mapping's input (JSON): the message as shaped and enriched for the mapping; NULL before it was prepared (or before migration 6). */
  input: string | null;
}

/** An inbox message with the input its mapping saw (the samples of `mappings diff`). */
export type InboxInputRow = Pick<InboxRow, 'id' | 'source' | 'preset' | 'topic' | 'message_id' | 'received_at' | 'input'>;

/** Messages of one source (target code) and some of its topics. */
export interface SourceTopics { source: string; topics: readonly string[] }

/** Topics the purge keeps longer: a ShipBob shipment's hold state (see bridge/inbound/poll-milestones.ts). */
export const LONG_KEPT_TOPICS = ['order.shipment.on_hold', 'order.shipment.exception', 'order.shipment.resumed'] as const;

export interface InsertOutcome { id: number; duplicate: boolean }

export class InboxStore {
  private readonly insertStmt;
  private readonly findDup;
  private readonly pendingOf;
  private readonly sourcesStmt;
  private readonly doneStmt;
  private readonly triedStmt;
  private readonly depthStmt;

  constructor(readonly db: DB, private readonly now: () => number = Date.now) {
    this.insertStmt = db.prepare(`INSERT INTO inbox (source, message_id, delivery_id, preset, topic, via, body, received_at, state, last_error, done_at, trace_id)
      VALUES (@source, @message_id, @delivery_id, @preset, @topic, @via, @body, @received_at, @state, @last_error, @done_at, @trace_id)
      ON CONFLICT DO NOTHING`);
    this.findDup = db.prepare('SELECT id FROM inbox WHERE source = ? AND (message_id = ? OR delivery_id = ?) ORDER BY id LIMIT 1');
    this.pendingOf = db.prepare("SELECT * FROM inbox WHERE source = ? AND state = 'pending' ORDER BY id LIMIT ?");
    this.sourcesStmt = db.prepare("SELECT DISTINCT source FROM inbox WHERE state = 'pending'");
    this.doneStmt = db.prepare('UPDATE inbox SET state = @state, attempts = attempts + 1, last_error = @last_error, kind = @kind, payload = @payload, result = @result, input = @input, done_at = @done_at WHERE id = @id');
    this.triedStmt = db.prepare('UPDATE inbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?');
    this.depthStmt = db.prepare("SELECT source, count(*) AS n FROM inbox WHERE state = 'pending' GROUP BY source");
  }

  /**
   * Stores one message (committed when this returns) or reports it as a duplicate of the row
   * holding the same message id or delivery id for that source.
   */
  insert(m: NewInboxMessage): InsertOutcome {
    return this.insertMany([m])[0]!;
  }

  /** Several messages in one transaction (a HubSpot delivery, a poll page): all or nothing. */
  insertMany(ms: NewInboxMessage[]): InsertOutcome[] {
    const at = this.now();
    return this.db.transaction(() => ms.map((m) => {
      const r = this.insertStmt.run({
        source: m.source, message_id: m.messageId, delivery_id: m.deliveryId ?? null, preset: m.preset, topic: m.topic, via: m.via,
        body: m.body, received_at: at, state: m.rejectedReason === undefined ? 'pending' : 'rejected',
        last_error: m.rejectedReason?.slice(0, 4000) ?? null, done_at: m.rejectedReason === undefined ? null : at, trace_id: m.traceId ?? randomUUID(),
      });
      if (r.changes === 1) return { id: Number(r.lastInsertRowid), duplicate: false };
      const dup = this.findDup.get(m.source, m.messageId, m.deliveryId ?? null) as { id: number } | undefined;
      return { id: dup?.id ?? 0, duplicate: true };
    }))();
  }

  /**
   * Group commit: messages queued by concurrent webhook requests are written in one
   * transaction (one fsync) on the next turn of the event loop; each caller's promise
   * resolves after that commit, so a 2xx still follows a durable row. Under load this turns N
   * fsyncs into one; alone it costs one setImmediate.
   */
  insertDurably(ms: NewInboxMessage[]): Promise<InsertOutcome[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ms, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flushQueue());
    });
  }

  private queue: Array<{ ms: NewInboxMessage[]; resolve: (o: InsertOutcome[]) => void; reject: (e: unknown) => void }> = [];

  private flushQueue(): void {
    const groups = this.queue;
    this.queue = [];
    let results: InsertOutcome[][];
    try {
      const all = this.insertMany(groups.flatMap((g) => g.ms));
      let k = 0;
      results = groups.map((g) => { const r = all.slice(k, k + g.ms.length); k += g.ms.length; return r; });
    } catch {
      // One bad group must not fail the others: fall back to one transaction per group.
      for (const g of groups) {
        try { g.resolve(this.insertMany(g.ms)); } catch (e) { g.reject(e); }
      }
      return;
    }
    groups.forEach((g, i) => g.resolve(results[i]!));
  }

  /** Sources with pending messages. */
  sources(): string[] {
    return (this.sourcesStmt.all() as Array<{ source: string }>).map((r) => r.source);
  }

  /** The oldest pending messages of one source, in arrival order. */
  pending(source: string, limit: number): InboxRow[] {
    return this.pendingOf.all(source, limit) as InboxRow[];
  }

  /** Final outcome of one message; `input` is what its mapping was given (compact JSON). */
  finish(id: number, state: Exclude<InboxState, 'pending'>, o: { error?: string; kind?: string; payload?: unknown; result?: unknown; input?: unknown } = {}): void {
    this.doneStmt.run({
      id, state, last_error: o.error?.slice(0, 4000) ?? null, kind: o.kind ?? null,
      payload: o.payload === undefined ? null : JSON.stringify(o.payload), result: o.result === undefined ? null : JSON.stringify(o.result),
      input: o.input === undefined ? null : JSON.stringify(o.input), done_at: this.now(),
    });
  }

  /**
   * The newest messages (by arrival) of these sources and topics that have a stored mapping
   * input, and how many of them have none (prepared before migration 6, or never prepared).
   */
  recentInputs(of: readonly SourceTopics[], limit: number): { rows: InboxInputRow[]; withoutInput: number } {
    const parts = of.filter((s) => s.topics.length > 0);
    if (parts.length === 0) return { rows: [], withoutInput: 0 };
    const where = parts.map((s) => `(source = ? AND topic IN (${s.topics.map(() => '?').join(', ')}))`).join(' OR ');
    const args = parts.flatMap((s) => [s.source, ...s.topics]);
    const rows = this.db.prepare(`SELECT id, source, preset, topic, message_id, received_at, input FROM inbox WHERE input IS NOT NULL AND (${where}) ORDER BY id DESC LIMIT ?`)
      .all(...args, limit) as InboxInputRow[];
    const { n } = this.db.prepare(`SELECT count(*) AS n FROM inbox WHERE input IS NULL AND (${where})`).get(...args) as { n: number };
    return { rows, withoutInput: Number(n) };
  }

  /** A transient failure: stays pending, tried again not before `nextAt`. */
  tried(ids: number[], error: string, nextAt: number): void {
    this.db.transaction(() => { for (const id of ids) this.triedStmt.run(error.slice(0, 4000), nextAt, id); })();
  }

  /** Pending messages per source. */
  depth(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.depthStmt.all() as Array<{ source: string; n: number }>) out[r.source] = Number(r.n);
    return out;
  }

  get(id: number): InboxRow | undefined {
    return this.db.prepare('SELECT * FROM inbox WHERE id = ?').get(id) as InboxRow | undefined;
  }

  list(f: { state?: InboxState; source?: string; limit?: number; beforeId?: number } = {}): InboxRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.state) { where.push('state = ?'); args.push(f.state); }
    if (f.source) { where.push('source = ?'); args.push(f.source); }
    if (f.beforeId) { where.push('id < ?'); args.push(f.beforeId); }
    args.push(Math.min(Math.max(f.limit ?? 50, 1), 1000));
    return this.db.prepare(`SELECT * FROM inbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...args) as InboxRow[];
  }

  counts(): Array<{ source: string; state: InboxState; n: number }> {
    return this.db.prepare('SELECT source, state, count(*) AS n FROM inbox GROUP BY source, state ORDER BY source, state').all() as Array<{ source: string; state: InboxState; n: number }>;
  }

  /**
   * Puts a rejected message back in line: pending, tried at once (in its arrival position),
   * attempts reset, with the current mappings. Odoo keeps every message id it has seen, so when
   * the rejection came from Odoo the message goes under a new id `<message_id>#replay<n>`
   * (Odoo still drops a second application through the natural key, e.g. the shipment id).
   * Exception messages were applied by Odoo, which holds the open sync.exception: they are
   * reprocessed in Odoo (Integration > Inbound messages), not from here.
   */
  replay(id: number): { ok: true } | { ok: false; reason: string } {
    const row = this.get(id);
    if (!row) return { ok: false, reason: `no inbox message ${id}` };
    if (row.state === 'exception') return { ok: false, reason: `message ${id} was applied by Odoo with an exception: fix the cause and reprocess it in Odoo (Integration > Inbound messages)` };
    if (row.state !== 'rejected') return { ok: false, reason: `message ${id} is ${row.state}; only rejected messages can be replayed` };
    let odooSeen = false;
    try { odooSeen = row.result !== null && typeof (JSON.parse(row.result) as { status?: unknown }).status === 'string'; } catch { odooSeen = false; }
    const applyId = odooSeen ? `${row.message_id}#replay${row.replays + 1}` : row.apply_id;
    this.db.prepare("UPDATE inbox SET state = 'pending', attempts = 0, next_attempt_at = 0, done_at = NULL, replays = replays + 1, apply_id = ?, discarded_at = NULL, discard_reason = NULL WHERE id = ?").run(applyId, id);
    return { ok: true };
  }

  /**
   * An operator gives up on a rejected message (junk, or handled by hand), with a reason: it stays
   * rejected and visible, and is purged after the retention like applied ones (rejected rows are
   * otherwise kept until replayed). A replay still brings it back.
   */
  discard(id: number, reason: string): { ok: true } | { ok: false; reason: string } {
    const why = reason.trim();
    if (!why) return { ok: false, reason: 'give a reason for discarding' };
    const row = this.get(id);
    if (!row) return { ok: false, reason: `no inbox message ${id}` };
    if (row.state !== 'rejected') return { ok: false, reason: `message ${id} is ${row.state}; only rejected messages can be discarded` };
    if (row.discarded_at !== null) return { ok: false, reason: `message ${id} was already discarded (${row.discard_reason ?? ''})` };
    this.db.prepare('UPDATE inbox SET discarded_at = ?, discard_reason = ? WHERE id = ?').run(this.now(), why.slice(0, 1000), id);
    return { ok: true };
  }

  /**
   * The newest message (by arrival) of `source` whose id starts with `prefix` and whose topic is
   * one of `topics`; a range scan of the (source, message_id) index. Used by pollers that need
   * what they reported last for one vendor object (e.g. a ShipBob shipment's last hold).
   */
  latestWithPrefix(source: string, prefix: string, topics: readonly string[]): { id: number; message_id: string; topic: string } | undefined {
    if (!prefix || topics.length === 0) return undefined;
    const marks = topics.map(() => '?').join(', ');
    return this.db.prepare(`SELECT id, message_id, topic FROM inbox WHERE source = ? AND message_id >= ? AND message_id < ? AND topic IN (${marks}) ORDER BY id DESC LIMIT 1`)
      .get(source, prefix, prefix + '\u{10FFFF}', ...topics) as { id: number; message_id: string; topic: string } | undefined;
  }

  /** Whether `source` has a message with this id. */
  has(source: string, messageId: string): boolean {
    return this.db.prepare('SELECT 1 FROM inbox WHERE source = ? AND message_id = ?').get(source, messageId) !== undefined;
  }

  watermark(source: string, name: string): string | undefined {
    return (this.db.prepare('SELECT value FROM poll_watermark WHERE source = ? AND name = ?').get(source, name) as { value: string } | undefined)?.value;
  }

  setWatermark(source: string, name: string, value: string): void {
    this.db.prepare('INSERT INTO poll_watermark (source, name, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (source, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .run(source, name, value, this.now());
  }

  /**
   * Deletes messages Odoo has had for longer than the retention (rejected ones are kept, unless
   * an operator discarded them: then the retention counts from the discard).
   * Messages of `keepLongerTopics` (ShipBob holds and their releases: few, and a poller needs the
   * last one to recognise the end of a long hold) are kept for `keepLongerDays` (at least the
   * retention).
   */
  purge(retentionDays: number, keepLongerTopics: readonly string[] = LONG_KEPT_TOPICS, keepLongerDays = 365): number {
    const cutoff = this.now() - retentionDays * 86_400_000;
    const longCutoff = this.now() - Math.max(keepLongerDays, retentionDays) * 86_400_000;
    const marks = keepLongerTopics.map(() => '?').join(', ');
    const kept = keepLongerTopics.length ? `AND (topic NOT IN (${marks}) OR done_at < ?)` : '';
    const done = this.db.prepare(`DELETE FROM inbox WHERE state IN ('applied', 'duplicate', 'exception') AND done_at < ? ${kept}`)
      .run(cutoff, ...(keepLongerTopics.length ? [...keepLongerTopics, longCutoff] : [])).changes;
    return done + this.db.prepare("DELETE FROM inbox WHERE state = 'rejected' AND discarded_at IS NOT NULL AND discarded_at < ?").run(cutoff).changes;
  }
}
