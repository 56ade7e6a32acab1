/**
 * The inbox messages `mappings diff` / `mappings preview` map with an inbound mapping: each with
 * the input its mapping saw when the sidecar prepared it (kept in the state file: the message
 * shaped and enriched with the vendor reads of that time, so nothing is read from the vendor
 * again), and the context prepare() gives it (its event, its target, meta message_id /
 * received_at / source).
 */
import { inboundEventOf, inboundTopicsOf } from '../inbound/inbound-events.js';
import type { InboxInputRow, SourceTopics } from '../state/inbox-store.js';
import { UsageError } from './usage-error.js';

/** The sidecar's inbox (state file), read-only. */
export interface InboxReads {
  /** The newest messages of these sources and topics with a stored input, and how many have none. */
  recentInputs(of: readonly SourceTopics[], limit: number): { rows: InboxInputRow[]; withoutInput: number };
  /** One message by its inbox id. */
  inboxMessage(id: number): InboxInputRow | undefined;
}

/** A stored message to map: its input and the context prepare() gave it. */
export interface InboxSample {
  label: string;
  input: unknown;
  message: { target: string; event: string; meta: Record<string, unknown> };
}

export interface InboxSampleRequest {
  file: string;
  /** The events the compared mapping versions serve. */
  events: readonly string[];
  /** --recent N: the newest N messages of `targets`. */
  recent?: number;
  /** --inbox-id: these messages. */
  ids: readonly number[];
  /** The targets whose messages --recent takes (target code and preset). */
  targets: ReadonlyArray<{ code: string; preset: string }>;
}

const ALTERNATIVES = 'map a saved message with --input <file.json>, or a stored one with --inbox-id <N>';

function sampleOf(row: InboxInputRow, event: string): InboxSample {
  let input: unknown;
  try {
    input = JSON.parse(row.input!);
  } catch (e) {
    throw new UsageError(`inbox message ${row.id}: its stored mapping input is not JSON (${(e as Error).message})`);
  }
  return {
    label: `inbox #${row.id} ${row.source} ${row.topic} ${row.message_id}`,
    input,
    message: { target: row.source, event, meta: { message_id: row.message_id, received_at: new Date(row.received_at).toISOString(), source: row.source } },
  };
}

function byId(req: InboxSampleRequest, reads: InboxReads, id: number): InboxSample {
  const row = reads.inboxMessage(id);
  if (!row) throw new UsageError(`--inbox-id ${id}: no such message in the state file's inbox`);
  const event = inboundEventOf(row.preset, row.topic);
  if (event === undefined || !req.events.includes(event)) {
    throw new UsageError(`--inbox-id ${id}: a ${row.preset} '${row.topic}' message${event === undefined ? ' (no inbound mapping maps it)' : ` (event ${event})`}; ${req.file} maps ${req.events.join(', ')}`);
  }
  if (row.input === null) {
    throw new UsageError(`--inbox-id ${id}: no mapping input is stored for it (received or processed before the sidecar kept inputs, still pending, or rejected before its mapping ran); map a saved copy with --input <file.json>`);
  }
  return sampleOf(row, event);
}

function recent(req: InboxSampleRequest, reads: InboxReads, limit: number): InboxSample[] {
  if (req.targets.length === 0) throw new UsageError(`--recent: no configured target's mappings folder holds ${req.file}; name one with --target <code>`);
  const of = req.targets.map((t) => ({ source: t.code, topics: inboundTopicsOf(t.preset, req.events) }));
  const served = of.filter((s) => s.topics.length > 0);
  if (served.length === 0) throw new UsageError(`--recent: ${req.file} maps ${req.events.join(', ')}, which no inbox topic of target(s) ${req.targets.map((t) => `${t.code} (${t.preset})`).join(', ')} is mapped with`);
  const { rows, withoutInput } = reads.recentInputs(served, limit);
  if (rows.length === 0) {
    const what = served.map((s) => `${s.source} ${s.topics.join('/')}`).join(', ');
    throw new UsageError(withoutInput > 0
      ? `--recent: none of the ${withoutInput} inbox message(s) of ${what} has a stored mapping input (received or processed before the sidecar kept inputs, or still pending); ${ALTERNATIVES}`
      : `--recent: the state file's inbox has no message of ${what}; ${ALTERNATIVES}`);
  }
  return rows.map((r) => sampleOf(r, inboundEventOf(r.preset, r.topic)!));
}

/** The stored messages to map (--inbox-id ones first, then --recent newest first); UsageError when one cannot be. */
export function inboxSamples(req: InboxSampleRequest, reads: InboxReads | undefined): InboxSample[] {
  if (!reads) throw new UsageError('--recent and --inbox-id on an inbound mapping need the sidecar\'s state file (state.path, not found here)');
  const out = req.ids.map((id) => byId(req, reads, id));
  if (req.recent !== undefined) out.push(...recent(req, reads, req.recent));
  return out;
}
