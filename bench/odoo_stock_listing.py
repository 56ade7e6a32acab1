# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Times sync_recon_odoo_stock (the Odoo side of the inventory reconciliation)
over N quants. Run inside `odoo-bin shell` (bench/reconcile-odoo.ts does):

    BENCH_SIZES=10000,100000 BENCH_PAGE=500 odoo-bin shell -d <db> < bench/odoo_stock_listing.py

Seeds N storable products with one quant each in the stock location of a new
warehouse (every 10th product lot-tracked with its quant on a lot, every 7th
on a child location) by cloning one ORM-made row with SQL, then walks every
page of the listing as the sidecar does. Everything happens in one
transaction that is rolled back at the end: the database is left as it was.
Prints one JSON line per size ("BENCH {...}").
"""
import json
import os
import time


def _clone(cr, table, src_id, count, overrides):
    """INSERT `count` copies of row `src_id` of `table` with `overrides`
    (column -> SQL expression over generate_series `g`); returns the new ids."""
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND column_name != 'id'", (table,))
    cols = [r[0] for r in cr.fetchall()]
    select = ", ".join(overrides.get(c, "src.%s" % c) for c in cols)
    cr.execute(
        "INSERT INTO %s (%s) SELECT %s FROM %s src, generate_series(1, %%s) g"
        " WHERE src.id = %%s ORDER BY g RETURNING id" % (table, ", ".join(cols), select, table),
        (count, src_id))
    return [r[0] for r in cr.fetchall()]


def seed(env, n, tag):
    cr = env.cr
    wh = env["stock.warehouse"].create({"name": "Bench %s" % tag, "code": tag[:5]})
    stock = wh.lot_stock_id
    shelf = env["stock.location"].create(
        {"name": "Shelf", "usage": "internal", "location_id": stock.id})
    product = env["product.product"].create({
        "name": "Bench", "default_code": "BENCH-%s-0" % tag, "type": "consu",
        "is_storable": True})
    env["stock.quant"]._update_available_quantity(product, stock, 1.0)
    quant = env["stock.quant"].search([("product_id", "=", product.id)], limit=1)
    env.flush_all()
    tmpl_ids = _clone(cr, "product_template", product.product_tmpl_id.id, n, {
        "tracking": "CASE WHEN mod(g, 10) = 0 THEN 'lot' ELSE 'none' END"})
    cr.execute(
        "CREATE TEMP TABLE bench_t ON COMMIT DROP AS"
        " SELECT unnest(%s::int[]) AS tmpl_id, generate_series(1, %s) AS g", (tmpl_ids, n))
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'product_product' AND column_name != 'id'")
    cols = [r[0] for r in cr.fetchall()]
    over = {"product_tmpl_id": "t.tmpl_id", "default_code": "'BENCH-%s-' || t.g" % tag}
    cr.execute(
        "INSERT INTO product_product (%s) SELECT %s FROM product_product src, bench_t t"
        " WHERE src.id = %%s ORDER BY t.g RETURNING id"
        % (", ".join(cols), ", ".join(over.get(c, "src.%s" % c) for c in cols)), (product.id,))
    pids = [r[0] for r in cr.fetchall()]
    cr.execute(
        "CREATE TEMP TABLE bench_p ON COMMIT DROP AS"
        " SELECT unnest(%s::int[]) AS product_id, generate_series(1, %s) AS g", (pids, n))
    # a lot for every 10th product
    lot = env["stock.lot"].create({"name": "L0", "product_id": product.id})
    env.flush_all()
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'stock_lot' AND column_name != 'id'")
    lcols = [r[0] for r in cr.fetchall()]
    lover = {"product_id": "p.product_id", "name": "'LOT-' || p.g"}
    cr.execute(
        "CREATE TEMP TABLE bench_l ON COMMIT DROP AS SELECT p.product_id, NULL::int AS lot_id"
        " FROM bench_p p WHERE mod(p.g, 10) = 0")
    cr.execute(
        "WITH ins AS (INSERT INTO stock_lot (%s) SELECT %s FROM stock_lot src, bench_p p"
        " WHERE src.id = %%s AND mod(p.g, 10) = 0 RETURNING id, product_id)"
        " UPDATE bench_l SET lot_id = ins.id FROM ins WHERE ins.product_id = bench_l.product_id"
        % (", ".join(lcols), ", ".join(lover.get(c, "src.%s" % c) for c in lcols)), (lot.id,))
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'stock_quant' AND column_name != 'id'")
    qcols = [r[0] for r in cr.fetchall()]
    qover = {
        "product_id": "p.product_id",
        "location_id": "CASE WHEN mod(p.g, 7) = 0 THEN %d ELSE %d END" % (shelf.id, stock.id),
        "lot_id": "l.lot_id",
        "quantity": "(mod(p.g, 50)) + 1",
    }
    cr.execute(
        "INSERT INTO stock_quant (%s) SELECT %s FROM stock_quant src, bench_p p"
        " LEFT JOIN bench_l l ON l.product_id = p.product_id WHERE src.id = %%s"
        % (", ".join(qcols), ", ".join(qover.get(c, "src.%s" % c) for c in qcols)), (quant.id,))
    cr.execute("ANALYZE stock_quant")
    cr.execute("ANALYZE stock_lot")
    cr.execute("ANALYZE product_product")
    env.invalidate_all()
    return wh


def walk(env, code, page):
    Recon = env["sync.reconciliation"].sudo()
    after, pages, items, times = False, 0, 0, []
    started = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        res = Recon._recon_odoo_stock(code, after, page)
        times.append(time.perf_counter() - t0)
        pages += 1
        items += len(res["items"])
        if not res["next"]:
            break
        after = res["next"]
    return {
        "seconds": round(time.perf_counter() - started, 3), "pages": pages, "items": items,
        "first_page_ms": round(times[0] * 1000, 1), "last_page_ms": round(times[-1] * 1000, 1),
        "median_page_ms": round(sorted(times)[len(times) // 2] * 1000, 1),
    }


def main(env):
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",") if s]
    page = int(os.environ.get("BENCH_PAGE", "500"))
    for n in sizes:
        sp = env.cr.savepoint()
        tag = "B%d" % (n % 100000 or n)
        t0 = time.perf_counter()
        wh = seed(env, n, tag[:5])
        seeded = time.perf_counter() - t0
        target = env["sync.target"].sudo().create({
            "name": "Bench %s" % n, "code": "bench_%d" % n, "kind": "wms",
            "warehouse_ids": [(6, 0, wh.ids)]})
        env.flush_all()
        res = walk(env, target.code, page)
        res.update({"quants": n, "page_size": page, "seed_seconds": round(seeded, 1)})
        print("BENCH " + json.dumps(res), flush=True)
        sp.close(rollback=True)
        env.invalidate_all()
    env.cr.rollback()


main(env)  # noqa: F821 (odoo shell)
