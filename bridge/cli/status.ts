import type { AppContext } from '../app/context.js';
import { OdooContract } from '../odoo/contract.js';

/** `sync-bridge status`: per target pending / in progress / failed / dead and oldest pending age. */
export async function runStatus(ctx: AppContext, out: NodeJS.WritableStream): Promise<number> {
  const rows = await new OdooContract(ctx.odoo).statusSummary();
  const header = ['target', 'pending', 'in_progress', 'failed', 'dead', 'oldest_pending'];
  const lines = rows.map((r) => [
    r.target, String(r.pending), String(r.in_progress), String(r.failed), String(r.dead),
    r.oldest_pending_age_seconds === false ? '-' : `${Math.round(Number(r.oldest_pending_age_seconds))}s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const l of [header, ...lines]) out.write(`${l.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
  return rows.some((r) => r.failed > 0 || r.dead > 0) ? 1 : 0;
}
