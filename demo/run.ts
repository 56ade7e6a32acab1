#!/usr/bin/env node
/**
 * npm run demo: walks one order through HubSpot quote -> Odoo order -> ShipBob release ->
 * partial shipment -> backorder -> return against a real Odoo (see demo/demo.ts).
 *   ODOO_URL (required), ODOO_DB (default: the server's only database),
 *   ODOO_ADMIN_LOGIN / ODOO_ADMIN_PASSWORD (default admin / admin).
 * Exit codes: 0 done, 1 a step failed, 2 no Odoo given.
 */
import { abortDemo, formatView, runDemo, TOTAL_STEPS, type DemoStep } from './demo.js';

const USAGE = `npm run demo needs a running Odoo 18 (or 19) with the sync_bridge addon installed:

  ODOO_URL=http://127.0.0.1:8069 ODOO_DB=mydb [ODOO_ADMIN_LOGIN=admin ODOO_ADMIN_PASSWORD=admin] npm run demo

A throwaway one from the project's real-Odoo harness, which keeps its database (and its
PostgreSQL cluster) and prints "[pg] throwaway cluster on 127.0.0.1:<port>" and "kept database <db>":

  ODOO_SRC=/path/to/odoo-18 ODOO_TIER_KEEP=1 npm run test:odoo
  python3 $ODOO_SRC/odoo-bin --addons-path=$ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$PWD/odoo_addon \\
      --db_host=127.0.0.1 --db_port=<port> --db_user=odoo -d <db> --http-port=8069 --workers=0 &
  ODOO_URL=http://127.0.0.1:8069 ODOO_DB=<db> npm run demo

or any Odoo 18 database where Sync Bridge (odoo_addon/sync_bridge) is installed, or an Odoo 19
one with the 19.0 module (python3 odoo_addon/tools/make_series.py --series 19.0 --out <dir>): on
19 the demo's sidecar speaks JSON-2 with an API key of its service user. The demo seeds its own
warehouses, products, customers, users and targets there and leaves everything visible.
`;

async function onlyDatabase(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(new URL('/web/database/list', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","params":{}}', signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { result?: string[] };
    return body.result?.length === 1 ? body.result[0] : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  const url = process.env.ODOO_URL;
  if (!url) {
    process.stderr.write(USAGE);
    return 2;
  }
  const db = process.env.ODOO_DB ?? (await onlyDatabase(url));
  if (!db) {
    process.stderr.write(`ODOO_DB is not set and ${url} does not list exactly one database.\n\n${USAGE}`);
    return 2;
  }
  process.on('SIGINT', () => {
    process.stdout.write('\ninterrupted: stopping the sidecar and the fakes\n');
    void abortDemo().finally(() => process.exit(130));
  });
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
  process.stdout.write(`Odoo Sync Bridge demo: one order from HubSpot quote to ShipBob return, against ${url} (${db})\n\n`);
  try {
    const result = await runDemo({ url, db, login: process.env.ODOO_ADMIN_LOGIN ?? 'admin', password: process.env.ODOO_ADMIN_PASSWORD ?? 'admin' }, {
      progress: (m) => process.stdout.write(`${elapsed()}  … ${m}\n`),
      step: (s: DemoStep) => {
        process.stdout.write(`${elapsed()}  [${s.n}/${TOTAL_STEPS}] ${s.title}\n`);
        for (const n of s.notes) process.stdout.write(`          ${n}\n`);
        for (const l of formatView(s.odoo)) process.stdout.write(`          Odoo: ${l}\n`);
        process.stdout.write('\n');
      },
    });
    process.stdout.write(`Done in ${elapsed().trim()}. Everything stays in Odoo:\n`);
    process.stdout.write(`  order      ${result.orderUrl}  (${result.orderName}: smart buttons Sync / Events / Inbound Messages, Delivery, Returns)\n`);
    process.stdout.write(`  Integration menu: Events, Inbound messages, Exceptions, Links; targets ${result.wmsTarget}, ${result.crmTarget}\n`);
    process.stdout.write(`  sidecar log ${result.sidecarLog}\n`);
    process.stdout.write(`Sidecar stopped (SIGTERM, exit ${String(result.sidecarExitCode)}); ShipBob and HubSpot fakes closed.\n`);
    return result.sidecarExitCode === 0 ? 0 : 1;
  } catch (err) {
    process.stderr.write(`\ndemo FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
