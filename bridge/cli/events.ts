import { parseArgs } from 'node:util';
import type { AppContext } from '../app/context.js';

/**
 * `sync-bridge events list [--state failed|dead|pending|in_progress|done|cancelled] [--target code]
 *    [--model sale.order] [--limit 50]`: the dead-letter view (events are kept in Odoo).
 * `sync-bridge events replay (--id N ... | --state dead [--target code] [--limit N])`: puts failed,
 *    dead or cancelled events back in the queue (attempts reset; the current mapping is used).
 *    Replay is a Sync manager action: run it with a manager's ODOO_USERNAME / ODOO_API_KEY.
 */
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
} as const;

export async function runEventsCommand(ctx: AppContext, argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: false });
  const limit = Number(values.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) { out.write(`--limit: expected a positive whole number, got ${String(values.limit)}\n`); return 2; }
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
    let ids = (values.id ?? []).map(Number);
    if (ids.some((n) => !Number.isInteger(n) || n < 1)) { out.write('--id: expected event ids (whole numbers)\n'); return 2; }
    if (ids.length === 0) {
      if (!values.state) { out.write('events replay: give --id N (repeatable) or a filter with --state (failed, dead or cancelled)\n'); return 2; }
      ids = await ctx.odoo.call<number[]>({ model: 'sync.event', method: 'search', params: { domain: domainFrom(values), limit, order: 'id' } });
    }
    const total = ids.length;
    for (let i = 0; i < ids.length; i += 100) {
      await ctx.odoo.call({ model: 'sync.event', method: 'action_retry', ids: ids.slice(i, i + 100) });
      out.write(`replayed ${Math.min(i + 100, total)}/${total}\n`);
    }
    if (total === 0) out.write('nothing to replay\n');
    return 0;
  }
  out.write('usage: sync-bridge events list [--state S] [--target T] [--model M] [--limit N] | events replay (--id N ... | --state S [--target T] [--limit N])\n');
  return 2;
}
