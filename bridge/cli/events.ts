import { parseArgs } from 'node:util';
import type { AppContext } from '../app/context.js';
import { openStateStore } from '../state/state-store.js';
import { DELIVERY_OUTCOMES, DeliveryLog, type DeliveryLogOutcome } from '../state/delivery-log.js';

/**
 * `sync-bridge events list [--state failed|dead|pending|in_progress|done|cancelled] [--target code]
 *    [--model sale.order] [--limit 50]`: the dead-letter view (events are kept in Odoo).
 * `sync-bridge events list --local [--outcome sent|retry|failed|dead] [--target code] [--id N]
 *    [--limit 50]`: this sidecar's delivery attempts from its state file (state.path), newest first.
 * `sync-bridge events replay (--id N ... | --state dead [--target code] [--limit N])
 *    [--mapping-version current|sent]`: puts failed, dead or cancelled events back in the queue
 *    (attempts reset) with the current mapping (default) or pinned to the mapping version each
 *    event was sent with (the sidecar maps it with that version's source from its state file).
 *    Replay is a Sync manager action: run it with a manager's ODOO_USERNAME / ODOO_API_KEY.
 * `sync-bridge events resend --id N ...`: sends delivered (done) events again (addon 18.0.1.7.0):
 *    Odoo writes one new pending event per id, addressed with the record's external id, so the
 *    sidecar looks the record up at the target before creating it. All or nothing: Odoo refuses
 *    the whole call naming the first event it cannot resend (exit 1). A Sync manager action too.
 */
interface ResentRow {
  id: number; resend_of_id: [number, string] | false; state: string; event_type: string; model: string; res_id: number;
  target_id: [number, string] | false; external_ref: string | false;
}

/** `events resend --id N ...`: one Odoo call (all or nothing), then the new events, one line each. */
async function runResend(ctx: AppContext, values: { id?: string[] }, out: NodeJS.WritableStream): Promise<number> {
  const ids = (values.id ?? []).map(Number);
  if (ids.length === 0) { out.write('events resend: give --id N (repeatable): the delivered (done) events to send again\n'); return 2; }
  if (ids.some((n) => !Number.isInteger(n) || n < 1)) { out.write('--id: expected event ids (whole numbers)\n'); return 2; }
  await ctx.odoo.call({ model: 'sync.event', method: 'action_resend', ids });
  const rows = await ctx.odoo.call<ResentRow[]>({
    model: 'sync.event', method: 'search_read',
    params: { domain: [['resend_of_id', 'in', ids]], fields: ['id', 'resend_of_id', 'state', 'event_type', 'model', 'res_id', 'target_id', 'external_ref'], order: 'id desc' },
  });
  for (const id of ids) {
    const r = rows.find((row) => row.resend_of_id && row.resend_of_id[0] === id);
    if (!r) continue;
    const target = r.target_id ? r.target_id[1] : '-';
    out.write(`resent ${id} as ${r.id}\t${r.state}\t${target}\t${r.event_type}\t${r.model},${r.res_id}\texternal_ref=${r.external_ref || '-'}\n`);
  }
  out.write(`${ids.length} event(s) resent\n`);
  return 0;
}

interface EventRow {
  id: number; state: string; event_type: string; model: string; res_id: number; attempts: number;
  target_id: [number, string] | false; last_error_class: string | false; last_error_message: string | false; create_date: string;
}

function domainFrom(values: Record<string, unknown>): unknown[] {
  const domain: unknown[] = [];
  if (typeof values.state === 'string') domain.push(['state', '=', values.state]);
  if (typeof values.target === 'string') domain.push(['target_id.code', '=', values.target]);
  if (typeof values.model === 'string') domain.push(['model', '=', values.model]);
  return domain;
}

const OPTIONS = {
  state: { type: 'string' }, target: { type: 'string' }, model: { type: 'string' },
  limit: { type: 'string' }, id: { type: 'string', multiple: true }, yes: { type: 'boolean' },
  local: { type: 'boolean' }, outcome: { type: 'string' }, 'mapping-version': { type: 'string' },
} as const;

function runLocalList(ctx: AppContext, values: { outcome?: string; target?: string; id?: string[] }, limit: number, out: NodeJS.WritableStream): number {
  if (values.outcome !== undefined && !DELIVERY_OUTCOMES.includes(values.outcome as DeliveryLogOutcome)) {
    out.write(`--outcome: expected one of ${DELIVERY_OUTCOMES.join(', ')}\n`);
    return 2;
  }
  const eventId = values.id?.length ? Number(values.id[0]) : undefined;
  if (eventId !== undefined && (!Number.isInteger(eventId) || eventId < 1)) { out.write('--id: expected an event id (whole number)\n'); return 2; }
  const db = openStateStore(ctx.loaded.config.state.path);
  try {
    const rows = new DeliveryLog(db).list({ outcome: values.outcome as DeliveryLogOutcome | undefined, target: values.target, eventId, limit });
    for (const r of rows) {
      const ref = r.external_ref ? `\tref=${r.external_ref}` : '';
      const version = r.mapping_version ? `\tmapping=${r.mapping_version.slice(0, 12)}` : '';
      const err = r.error_message ? `\t${r.error_class || 'Error'}: ${r.error_message.split('\n')[0]!.slice(0, 160)}` : '';
      out.write(`${new Date(r.at).toISOString()}\t${r.event_id}\t${r.outcome}\t${r.target}\t${r.event_type}\t${r.model},${r.res_id}\tattempt=${r.attempt}${ref}${version}\tcorrelation=${r.correlation_id}${err}\n`);
      if (r.payload) out.write(`\tpayload ${r.payload}\n`);
    }
    out.write(`${rows.length} attempt(s)\n`);
    return 0;
  } finally {
    db.close();
  }
}

export async function runEventsCommand(ctx: AppContext, argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: false });
  const limit = Number(values.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) { out.write(`--limit: expected a positive whole number, got ${String(values.limit)}\n`); return 2; }
  if (sub === 'list' && values.local) return runLocalList(ctx, values, limit, out);
  if (sub === 'list') {
    const rows = await ctx.odoo.call<EventRow[]>({
      model: 'sync.event', method: 'search_read',
      params: { domain: domainFrom(values), fields: ['id', 'state', 'event_type', 'model', 'res_id', 'attempts', 'target_id', 'last_error_class', 'last_error_message', 'create_date'], limit, order: 'id desc' },
    });
    for (const r of rows) {
      const target = r.target_id ? r.target_id[1] : '-';
      const err = r.last_error_message ? ` ${r.last_error_class || 'Error'}: ${String(r.last_error_message).split('\n')[0]!.slice(0, 160)}` : '';
      out.write(`${r.id}\t${r.state}\t${target}\t${r.event_type}\t${r.model},${r.res_id}\tattempts=${r.attempts}\t${r.create_date}${err}\n`);
    }
    out.write(`${rows.length} event(s)\n`);
    return 0;
  }
  if (sub === 'replay') {
    const mappingVersion = values['mapping-version'] ?? 'current';
    if (mappingVersion !== 'current' && mappingVersion !== 'sent') { out.write(`--mapping-version: expected current or sent, got ${mappingVersion}\n`); return 2; }
    let ids = (values.id ?? []).map(Number);
    if (ids.some((n) => !Number.isInteger(n) || n < 1)) { out.write('--id: expected event ids (whole numbers)\n'); return 2; }
    if (ids.length === 0) {
      if (!values.state) { out.write('events replay: give --id N (repeatable) or a filter with --state (failed, dead or cancelled)\n'); return 2; }
      ids = await ctx.odoo.call<number[]>({ model: 'sync.event', method: 'search', params: { domain: domainFrom(values), limit, order: 'id' } });
    }
    const total = ids.length;
    for (let i = 0; i < ids.length; i += 100) {
      await ctx.odoo.call({ model: 'sync.event', method: 'action_replay', ids: ids.slice(i, i + 100), params: { mapping_version: mappingVersion } });
      out.write(`replayed ${Math.min(i + 100, total)}/${total} (mapping version: ${mappingVersion})\n`);
    }
    if (total === 0) out.write('nothing to replay\n');
    return 0;
  }
  if (sub === 'resend') return runResend(ctx, values, out);
  out.write('usage: sync-bridge events list [--state S] [--target T] [--model M] [--limit N] | events list --local [--outcome sent|retry|failed|dead] [--target T] [--id N] [--limit N] | events replay (--id N ... | --state S [--target T] [--limit N]) [--mapping-version current|sent] | events resend --id N ...\n');
  return 2;
}
