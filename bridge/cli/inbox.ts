import { parseArgs } from 'node:util';
import type { AppContext } from '../app/context.js';
import { openStateStore } from '../state/state-store.js';
import { INBOX_STATES, InboxStore, type InboxState } from '../state/inbox-store.js';

/**
 * `sync-bridge inbox list [--state pending|applied|duplicate|exception|rejected] [--source code] [--limit 50]`:
 *    inbound messages in the local inbox (state.path), newest first, with the reason of rejected ones.
 * `sync-bridge inbox replay (--id N ... | --state rejected [--source code] [--limit N])`: puts rejected
 *    messages back in line; a running sidecar applies them on its next pass, with the current
 *    mappings. Messages Odoo applied with an exception are reprocessed in Odoo (Integration >
 *    Inbound messages), not here. Works on the SQLite file, so run it on the sidecar's host.
 * `sync-bridge inbox discard --id N ... --reason "<why>"`: gives up on rejected messages (junk,
 *    or handled by hand): kept, marked with the reason, purged after state.retention_days.
 */
const OPTIONS = {
  state: { type: 'string' }, source: { type: 'string' }, limit: { type: 'string' }, id: { type: 'string', multiple: true }, reason: { type: 'string' },
} as const;

const USAGE = 'usage: sync-bridge inbox list [--state S] [--source T] [--limit N] | inbox replay (--id N ... | --state rejected [--source T] [--limit N]) | inbox discard --id N ... --reason "<why>"\n';

export async function runInboxCommand(ctx: AppContext, argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list' && sub !== 'replay' && sub !== 'discard') { out.write(USAGE); return 2; }
  const { values } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: false });
  const limit = Number(values.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) { out.write(`--limit: expected a positive whole number, got ${String(values.limit)}\n`); return 2; }
  if (values.state !== undefined && !INBOX_STATES.includes(values.state as InboxState)) { out.write(`--state: expected one of ${INBOX_STATES.join(', ')}\n`); return 2; }
  const db = openStateStore(ctx.loaded.config.state.path);
  try {
    const store = new InboxStore(db);
    if (sub === 'list') {
      const rows = store.list({ state: values.state as InboxState | undefined, source: values.source, limit });
      for (const r of rows) {
        const err = r.last_error ? ` ${r.last_error.split('\n')[0]!.slice(0, 200)}` : '';
        const state = r.discarded_at !== null ? `${r.state} (discarded: ${r.discard_reason ?? ''})` : r.state;
        out.write(`${r.id}\t${state}\t${r.source}\t${r.topic}\t${r.message_id}\tvia=${r.via}\tattempts=${r.attempts}\t${new Date(r.received_at).toISOString()}${err}\n`);
      }
      out.write(`${rows.length} message(s)\n`);
      return 0;
    }
    let ids = (values.id ?? []).map(Number);
    if (ids.some((n) => !Number.isInteger(n) || n < 1)) { out.write('--id: expected inbox message ids (whole numbers)\n'); return 2; }
    if (sub === 'discard') return discard(store, ids, values.reason, out);
    if (ids.length === 0) {
      if (values.state === 'exception') { out.write('inbox replay: messages in exception were applied by Odoo, which holds the open sync.exception: fix the cause and reprocess them in Odoo (Integration > Inbound messages)\n'); return 2; }
      if (values.state !== 'rejected') { out.write('inbox replay: give --id N (repeatable) or --state rejected\n'); return 2; }
      ids = store.list({ state: values.state, source: values.source, limit }).map((r) => r.id).reverse();
    }
    let failed = 0;
    for (const id of ids) {
      const r = store.replay(id);
      if (r.ok) out.write(`replayed ${id}\n`); else { failed += 1; out.write(`not replayed: ${r.reason}\n`); }
    }
    if (ids.length === 0) out.write('nothing to replay\n');
    return failed > 0 ? 1 : 0;
  } finally {
    db.close();
  }
}

function discard(store: InboxStore, ids: number[], reason: string | undefined, out: NodeJS.WritableStream): number {
  if (ids.length === 0) { out.write('inbox discard: give --id N (repeatable)\n'); return 2; }
  if (!reason?.trim()) { out.write('inbox discard: give --reason "<why>" (kept with the message)\n'); return 2; }
  let failed = 0;
  for (const id of ids) {
    const r = store.discard(id, reason);
    if (r.ok) out.write(`discarded ${id}\n`); else { failed += 1; out.write(`not discarded: ${r.reason}\n`); }
  }
  return failed > 0 ? 1 : 0;
}
