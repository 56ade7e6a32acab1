#!/usr/bin/env python3
# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark sync_claim with a large history of done events.

Run with the Python that runs Odoo, on a SCRATCH database where sync_bridge
is installed; Odoo options are passed through:

    /usr/bin/python3 tools/bench_claim.py --rows 1000000 --odoo-root /opt/odoo18 -- \\
        --addons-path=... --db_host=... --db_port=... --db_user=... -d scratch_db

It inserts ROWS done events with generate_series (plus --pending open events
spread over aggregates), runs ANALYZE, then times claim batches and prints
the plan of the claim query. By default everything is rolled back at the
end; --commit keeps the rows (then ANALYZE runs in its own transaction).
"""
import argparse
import statistics
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="done events to insert")
    parser.add_argument("--pending", type=int, default=2000, help="pending events")
    parser.add_argument("--aggregates", type=int, default=500, help="aggregates of pending events")
    parser.add_argument("--batch", type=int, default=50, help="claim limit")
    parser.add_argument("--rounds", type=int, default=10, help="claim calls to time")
    parser.add_argument("--commit", action="store_true", help="keep the inserted rows")
    parser.add_argument("--odoo-root", help="Odoo source directory if odoo is not importable")
    args, odoo_args = parser.parse_known_args()
    odoo_args = [a for a in odoo_args if a != "--"]

    if args.odoo_root:
        sys.path.insert(0, args.odoo_root)
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(odoo_args)
    dbname = odoo.tools.config["db_name"]
    if isinstance(dbname, list):  # Odoo 18 may return a list of databases
        dbname = dbname[0]
    registry = Registry(dbname)

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"sync_bridge_skip": True})
        target = env["sync.target"].search([("code", "=", "bench_wms")])
        if not target:
            target = env["sync.target"].create(
                {"code": "bench_wms", "name": "Benchmark WMS", "kind": "wms"}
            )
        # open events of a previous run would collide with the new ones
        cr.execute("DELETE FROM sync_event WHERE target_id = %s AND state != 'done'", (target.id,))
        t0 = time.perf_counter()
        cr.execute(
            """
            INSERT INTO sync_event (target_id, event_type, model, res_id, aggregate_key,
                idempotency_key, state, attempts, change_count, next_attempt_at,
                done_at, create_date, write_date, create_uid, write_uid)
            SELECT %s, 'release', 'stock.picking', g, 'sale.order,' || (g / 2),
                   'bench-done-' || g || '-' || md5(random()::text), 'done', 1, 1,
                   now() at time zone 'utc', now() at time zone 'utc',
                   now() at time zone 'utc', now() at time zone 'utc', 1, 1
              FROM generate_series(1, %s) g
            """,
            (target.id, args.rows),
        )
        t_insert = time.perf_counter() - t0
        cr.execute(
            """
            INSERT INTO sync_event (target_id, event_type, model, res_id, aggregate_key,
                idempotency_key, state, attempts, change_count, next_attempt_at,
                create_date, write_date, create_uid, write_uid)
            SELECT %s, 'upsert', 'res.partner', g,
                   'bench,' || (g %% %s), 'bench-pending-' || g || '-' || md5(random()::text),
                   'pending', 0, 1, now() at time zone 'utc',
                   now() at time zone 'utc', now() at time zone 'utc', 1, 1
              FROM generate_series(1, %s) g
            """,
            (target.id, args.aggregates, args.pending),
        )
        if args.commit:
            cr.commit()
        cr.execute("ANALYZE sync_event")
        cr.execute("SELECT count(*), pg_size_pretty(pg_total_relation_size('sync_event')) FROM sync_event")
        total, size = cr.fetchone()
        print(f"sync_event rows: {total} ({size}); inserted {args.rows} done rows in {t_insert:.1f}s")

        def explain(title):
            cr.execute(
                """
                EXPLAIN (ANALYZE, BUFFERS)
                SELECT e.id FROM sync_event e
                 WHERE e.target_id = %s AND e.state IN ('pending', 'in_progress')
                   AND ((e.state = 'pending' AND e.next_attempt_at <= (now() at time zone 'utc'))
                        OR (e.state = 'in_progress' AND e.lease_expires_at <= (now() at time zone 'utc')))
                   AND NOT EXISTS (SELECT 1 FROM sync_event o
                                    WHERE o.target_id = e.target_id
                                      AND o.aggregate_key = e.aggregate_key AND o.id < e.id
                                      AND o.state IN ('pending', 'in_progress', 'failed', 'dead'))
              ORDER BY e.id LIMIT %s FOR UPDATE OF e SKIP LOCKED
                """,
                (target.id, args.batch),
            )
            print(f"--- {title}")
            print("\n".join(row[0] for row in cr.fetchall()))

        explain("claim query with due events (nothing leased yet)")
        Event = env["sync.event"]
        timings, claimed = [], 0
        for _round in range(args.rounds):
            t0 = time.perf_counter()
            res = Event.sync_claim("bench", ["bench_wms"], args.batch, 300, {"res.partner": {"name": {}}})
            timings.append((time.perf_counter() - t0) * 1000)
            claimed += len(res)
        print(
            f"sync_claim(limit={args.batch}) x{args.rounds}: claimed {claimed} events; "
            f"median {statistics.median(timings):.1f} ms, min {min(timings):.1f} ms, "
            f"max {max(timings):.1f} ms (incl. web_read and result building)"
        )
        explain("claim query after the claims (all aggregate heads leased)")
        if not args.commit:
            cr.rollback()
            print("rolled back")
        else:
            cr.commit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
