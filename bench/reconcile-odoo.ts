/**
 * Odoo side of the inventory reconciliation at scale (issue 7): times a full walk of
 * `sync_recon_odoo_stock` (the listing the inventory job pages through) on real Odoo 18 over
 * 10,000 and 100,000 quants. Run: npm run bench:reconcile:odoo
 *
 * It runs bench/odoo_stock_listing.py inside `odoo-bin shell` against BENCH_ODOO_DB (a scratch
 * database with sync_bridge installed). The script seeds the products, lots and quants with SQL
 * (cloning one ORM-made row) inside one transaction, walks every page in-process (no RPC: the
 * figure is Odoo's own cost), prints one `BENCH {...}` line per size, and rolls everything back.
 *
 *   BENCH_ODOO_DB     database (required; without it the bench says so and exits 0)
 *   ODOO_BIN          odoo-bin (default /opt/odoo18/odoo-bin)   ODOO_PYTHON (default python3)
 *   ODOO_ADDONS_PATH  default: <odoo>/odoo/addons,<odoo>/addons,<repo>/odoo_addon
 *   BENCH_DB_HOST / BENCH_DB_PORT / BENCH_DB_USER   passed as --db_host / --db_port / --db_user
 *   BENCH_SIZES (default 10000,100000), BENCH_PAGE (default 500: the sidecar's page_size)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

interface Figures { quants: number; items: number; pages: number; page_size: number; seconds: number; first_page_ms: number; median_page_ms: number; last_page_ms: number; seed_seconds: number }

async function main(): Promise<number> {
  const db = process.env.BENCH_ODOO_DB;
  const bin = process.env.ODOO_BIN ?? '/opt/odoo18/odoo-bin';
  if (!db || !fs.existsSync(bin)) {
    console.log(`bench:reconcile:odoo skipped: ${!db ? 'BENCH_ODOO_DB is not set' : `no odoo-bin at ${bin} (set ODOO_BIN)`}.`
      + ' Set BENCH_ODOO_DB to a scratch database with sync_bridge installed (the bench rolls back what it seeds), e.g.'
      + ' BENCH_ODOO_DB=bench BENCH_DB_HOST=127.0.0.1 BENCH_DB_PORT=55432 BENCH_DB_USER=odoo npm run bench:reconcile:odoo');
    return 0;
  }
  const odooDir = path.dirname(bin);
  const addons = process.env.ODOO_ADDONS_PATH ?? [path.join(odooDir, 'odoo/addons'), path.join(odooDir, 'addons'), path.join(ROOT, 'odoo_addon')].join(',');
  const args = [bin, 'shell', '--no-http', '--log-level=warn', `--addons-path=${addons}`, '-d', db];
  for (const [env, flag] of [['BENCH_DB_HOST', '--db_host'], ['BENCH_DB_PORT', '--db_port'], ['BENCH_DB_USER', '--db_user']] as const) {
    if (process.env[env]) args.push(flag, process.env[env]!);
  }
  console.log(`sync_recon_odoo_stock on ${db} (sizes ${process.env.BENCH_SIZES ?? '10000,100000'}, page ${process.env.BENCH_PAGE ?? '500'}); seeding and walking...`);
  const child = spawn(process.env.ODOO_PYTHON ?? 'python3', args, { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
  child.stdin.end(fs.readFileSync(path.join(ROOT, 'bench/odoo_stock_listing.py')));
  const results: Figures[] = [];
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (let i = out.indexOf('\n'); i >= 0; i = out.indexOf('\n')) {
      const line = out.slice(0, i);
      out = out.slice(i + 1);
      if (!line.startsWith('BENCH ')) continue;
      const f = JSON.parse(line.slice(6)) as Figures;
      results.push(f);
      console.log(`  ${String(f.quants).padStart(7)} quants: ${f.items} items in ${f.pages} pages of ${f.page_size}: ${f.seconds.toFixed(2)} s`
        + ` (${Math.round(f.items / f.seconds)} items/s; page ms first ${f.first_page_ms}, median ${f.median_page_ms}, last ${f.last_page_ms}; seeding ${f.seed_seconds} s)`);
    }
  });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0 || results.length === 0) {
    console.error(`odoo-bin shell exited ${code}:\n${err.slice(-4000)}`);
    return 1;
  }
  if (results.length >= 2) {
    const [a, b] = [results[0]!, results[results.length - 1]!];
    console.log(`  scaling: ${b.quants / a.quants}x the quants took ${(b.seconds / a.seconds).toFixed(1)}x the time (linear = ${b.quants / a.quants}x)`);
  }
  console.log(JSON.stringify({ bench: 'reconcile-odoo', results }));
  return 0;
}

main().then((c) => { process.exitCode = c; }, (e: unknown) => { console.error(e); process.exitCode = 1; });
