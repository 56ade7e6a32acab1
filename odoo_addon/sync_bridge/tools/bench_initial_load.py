#!/usr/bin/env python3
# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark the background initial load (sync.initial.load and its cron).

Run with the Python that runs Odoo, on a SCRATCH database where sync_bridge
is installed; Odoo options are passed through:

    /usr/bin/python3 tools/bench_initial_load.py --products 20000 --chunk 1000 \\
        --odoo-root /opt/odoo18 -- --addons-path=... --db_host=... -d scratch_db

It creates PRODUCTS product variants without events (committed; reused by a
later run with the same prefix), a target `bench_load` taking products, and
one load of them with chunks of CHUNK. Then it runs the cron's action the way
Odoo's cron runner does: one call per transaction, each with its own progress
record, committed after each call, until the load is done. It prints the
chunk times and the records per second. At the end the bench target's events
and loads are deleted (the products stay unless --drop-products).
"""
import argparse
import statistics
import time

from bench_common import add_odoo_root, open_registry


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=20000, help="products to load")
    parser.add_argument("--chunk", type=int, default=1000, help="records per chunk")
    parser.add_argument("--drop-products", action="store_true",
                        help="delete the bench products at the end")
    add_odoo_root(parser)
    args, odoo, registry = open_registry(parser)
    prefix = "BENCHLOAD-"

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"sync_bridge_skip": True})
        Product = env["product.product"]
        have = Product.search_count([("default_code", "=like", prefix + "%")])
        t0 = time.perf_counter()
        for start in range(have, args.products, 1000):
            Product.create([{"name": f"Bench load {i}", "default_code": f"{prefix}{i:07d}",
                             "type": "consu"}
                            for i in range(start, min(start + 1000, args.products))])
            cr.commit()
        if have < args.products:
            print(f"created {args.products - have} products in {time.perf_counter() - t0:.1f} s")
        target = env["sync.target"].with_context(active_test=False).search(
            [("code", "=", "bench_load")])
        if not target:
            target = env["sync.target"].create({
                "code": "bench_load", "name": "Benchmark initial load", "kind": "wms",
                "trigger_order_release": False, "trigger_product_upsert": True})
        target.write({"active": True, "trigger_product_upsert": True})
        cr.execute("DELETE FROM sync_event WHERE target_id = %s", (target.id,))
        # other open loads would be taken first (oldest first)
        env["sync.initial.load"].search([("state", "in", ("draft", "running"))]).write(
            {"state": "cancelled"})
        domain = f"[('default_code', '=like', '{prefix}%')]"
        total = env["sync.initial.load"]._search_records(target, "products", domain, count=True)
        load = env["sync.initial.load"].with_context(
            sync_initial_load_chunk_size=args.chunk).create({
                "target_id": target.id, "what": "products", "domain": domain,
                "total_count": total})
        cron = env.ref("sync_bridge.cron_run_initial_loads")
        cr.commit()
        load_id, cron_id, target_id = load.id, cron.id, target.id

    times = []
    t_all = time.perf_counter()
    while True:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            t = time.perf_counter()
            cron, progress = env["ir.cron"].browse(cron_id)._add_progress()
            cr.commit()
            env["sync.initial.load"].with_context(
                ir_cron_progress_id=progress.id, cron_id=cron_id)._cron_process()
            env.flush_all()
            cr.commit()
            times.append(time.perf_counter() - t)
            state = env["sync.initial.load"].browse(load_id).state
            if state != "running":
                break
    elapsed = time.perf_counter() - t_all

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        load = env["sync.initial.load"].browse(load_id)
        cr.execute("SELECT count(*) FROM sync_event WHERE target_id = %s AND state = 'pending'",
                   (target_id,))
        queued = cr.fetchone()[0]
        print(f"load {load.state}: {load.done_count}/{load.total_count} records, {queued} "
              f"pending events, chunk {load.chunk_size}, {len(times)} transactions")
        print(f"chunk time: median {statistics.median(times) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms")
        print(f"total {elapsed:.1f} s: {load.done_count / elapsed:.0f} records/s")
        cr.execute("DELETE FROM sync_event WHERE target_id = %s", (target_id,))
        cr.execute("DELETE FROM sync_initial_load WHERE target_id = %s", (target_id,))
        if args.drop_products:
            env["product.product"].search([("default_code", "=like", prefix + "%")]).unlink()
        cr.commit()


if __name__ == "__main__":
    main()
