#!/usr/bin/env python3
# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark sync_claim with a large history of done events and a master-data backlog.

Run with the Python that runs Odoo, on a SCRATCH database where sync_bridge
is installed; Odoo options are passed through:

    /usr/bin/python3 tools/bench_claim.py --rows 1000000 --odoo-root /opt/odoo18 -- \\
        --addons-path=... --db_host=... --db_port=... --db_user=... -d scratch_db

It inserts ROWS done events with generate_series (plus --pending open events
spread over aggregates), runs ANALYZE, then times claim batches and prints
the plan of the claim query. By default everything is rolled back at the
end; --commit keeps the rows (then ANALYZE runs in its own transaction).

Bulk backlog case (--backlog N, e.g. 100000): N pending master-data upserts
(one product each, the bulk lane) are queued BEFORE --orders order releases
(the order lane; each depends on one backlog product, which is promoted like
sync.event._enqueue does). It prints how many order-flow events the first
claim returns and its time, then claims until every order release is out.
On an install without priority lanes (before 18.0.1.9.0) the same rows are
written without a priority: the figures show the order flow behind the backlog.
"""
import argparse
import statistics
import sys
import time

from bench_common import add_odoo_root, open_registry


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="done events to insert")
    parser.add_argument("--pending", type=int, default=2000, help="pending events")
    parser.add_argument("--aggregates", type=int, default=500, help="aggregates of pending events")
    parser.add_argument("--batch", type=int, default=50, help="claim limit")
    parser.add_argument("--rounds", type=int, default=10, help="claim calls to time")
    parser.add_argument("--backlog", type=int, default=0,
                        help="pending master-data upserts queued before the orders")
    parser.add_argument("--orders", type=int, default=50,
                        help="order releases queued after the backlog (with --backlog)")
    parser.add_argument("--commit", action="store_true", help="keep the inserted rows")
    add_odoo_root(parser)
    args, odoo, registry = open_registry(parser)

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"sync_bridge_skip": True})
        target = env["sync.target"].search([("code", "=", "bench_wms")])
        if not target:
            target = env["sync.target"].create(
                {"code": "bench_wms", "name": "Benchmark WMS", "kind": "wms"}
            )
        cr.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'sync_event' AND column_name = 'priority'"
        )
        lanes = bool(cr.fetchone())
        prio_col, bulk, order = (", priority", ", 30", ", 10") if lanes else ("", "", "")
        # open events of a previous run would collide with the new ones
        cr.execute("DELETE FROM sync_event WHERE target_id = %s AND state != 'done'", (target.id,))
        t0 = time.perf_counter()
        cr.execute(
            f"""
            INSERT INTO sync_event (target_id, event_type, model, res_id, aggregate_key,
                idempotency_key, state, attempts, change_count, next_attempt_at,
                done_at, create_date, write_date, create_uid, write_uid{prio_col})
            SELECT %s, 'release', 'stock.picking', g, 'sale.order,' || (g / 2),
                   'bench-done-' || g || '-' || md5(random()::text), 'done', 1, 1,
                   now() at time zone 'utc', now() at time zone 'utc',
                   now() at time zone 'utc', now() at time zone 'utc', 1, 1{order}
              FROM generate_series(1, %s) g
            """,
            (target.id, args.rows),
        )
        t_insert = time.perf_counter() - t0
        cr.execute(
            f"""
            INSERT INTO sync_event (target_id, event_type, model, res_id, aggregate_key,
                idempotency_key, state, attempts, change_count, next_attempt_at,
                create_date, write_date, create_uid, write_uid{prio_col})
            SELECT %s, 'upsert', 'res.partner', g,
                   'bench,' || (g %% %s), 'bench-pending-' || g || '-' || md5(random()::text),
                   'pending', 0, 1, now() at time zone 'utc',
                   now() at time zone 'utc', now() at time zone 'utc', 1, 1{bulk}
              FROM generate_series(1, %s) g
            """,
            (target.id, args.aggregates, args.pending),
        )
        if args.backlog:
            insert_backlog(cr, target.id, args.backlog, args.orders, lanes)
        if args.commit:
            cr.commit()
        cr.execute("ANALYZE sync_event")
        cr.execute("SELECT count(*), pg_size_pretty(pg_total_relation_size('sync_event')) FROM sync_event")
        total, size = cr.fetchone()
        print(f"sync_event rows: {total} ({size}); inserted {args.rows} done rows in {t_insert:.1f}s")

        candidates_sql = claim_candidates_sql(lanes)

        def explain(title):
            cr.execute("EXPLAIN (ANALYZE, BUFFERS) " + candidates_sql + " FOR UPDATE OF e SKIP LOCKED",
                       {"target": target.id, "limit": args.batch})
            print(f"--- {title}")
            print("\n".join(row[0] for row in cr.fetchall()))

        explain("claim query with due events (nothing leased yet)")
        Event = env["sync.event"]
        if args.backlog:
            bench_backlog(cr, Event, args)
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


def claim_candidates_sql(lanes):
    """The addon's claim query (sync_event.CLAIM_CANDIDATES_SQL), or the one of an
    install without priority lanes."""
    if lanes:
        from odoo.addons.sync_bridge.models.sync_event import CLAIM_CANDIDATES_SQL

        return CLAIM_CANDIDATES_SQL
    return """
        SELECT e.id FROM sync_event e
         WHERE e.target_id = %(target)s AND e.state IN ('pending', 'in_progress')
           AND ((e.state = 'pending' AND e.next_attempt_at <= (now() at time zone 'utc'))
                OR (e.state = 'in_progress' AND e.lease_expires_at <= (now() at time zone 'utc')))
           AND NOT EXISTS (SELECT 1 FROM sync_event o
                            WHERE o.target_id = e.target_id
                              AND o.aggregate_key = e.aggregate_key AND o.id < e.id
                              AND o.state IN ('pending', 'in_progress', 'failed', 'dead'))
      ORDER BY e.id LIMIT %(limit)s"""


def insert_backlog(cr, target_id, backlog, orders, lanes):
    """`backlog` pending product upserts (bulk lane), then `orders` pending sale
    order releases (order lane), release i depending on backlog product i
    (promoted to the order lane, as _enqueue does)."""
    t0 = time.perf_counter()
    cr.execute(
        f"""
        INSERT INTO sync_event (target_id, event_type, model, res_id, aggregate_key,
            idempotency_key, state, attempts, change_count, next_attempt_at,
            create_date, write_date, create_uid, write_uid{", priority" if lanes else ""})
        SELECT %s, 'upsert', 'product.product', 1000000 + g, 'product.product,' || (1000000 + g),
               'bench-backlog-' || g || '-' || md5(random()::text), 'pending', 0, 1,
               now() at time zone 'utc', now() at time zone 'utc', now() at time zone 'utc',
               1, 1{", 30" if lanes else ""}
          FROM generate_series(1, %s) g
        """,
        (target_id, backlog),
    )
    cr.execute(
        f"""
        INSERT INTO sync_event (target_id, event_type, model, res_id, aggregate_key,
            idempotency_key, state, attempts, change_count, next_attempt_at,
            create_date, write_date, create_uid, write_uid
            {", priority, depends_on" if lanes else ""})
        SELECT %s, 'release', 'sale.order', 2000000 + g, 'sale.order,' || (2000000 + g),
               'bench-order-' || g || '-' || md5(random()::text), 'pending', 0, 1,
               now() at time zone 'utc', now() at time zone 'utc', now() at time zone 'utc',
               1, 1 {", 10, 'product.product,' || (1000000 + g)" if lanes else ""}
          FROM generate_series(1, %s) g
        """,
        (target_id, orders),
    )
    if lanes:
        cr.execute(
            """
            UPDATE sync_event SET priority = 10
             WHERE target_id = %s AND event_type = 'upsert' AND state = 'pending'
               AND aggregate_key = ANY(%s)
            """,
            (target_id, [f"product.product,{1000000 + g}" for g in range(1, orders + 1)]),
        )
    print(f"backlog: {backlog} pending master-data upserts, then {orders} order releases "
          f"({'priority lanes' if lanes else 'no priority lanes'}), "
          f"written in {time.perf_counter() - t0:.1f}s")


def bench_backlog(cr, Event, args):
    """Claim (and ack) batches until every order release is out: claims needed,
    order events in the first batch, times."""
    timings, rounds, first_orders, orders_out, upserts_out = [], 0, None, 0, 0
    while orders_out < args.orders and rounds < 10_000:
        t0 = time.perf_counter()
        res = Event.sync_claim("bench", ["bench_wms"], args.batch, 300, {})
        timings.append((time.perf_counter() - t0) * 1000)
        rounds += 1
        if not res:
            break
        got = sum(1 for r in res if r["event_type"] == "release")
        orders_out += got
        upserts_out += len(res) - got
        if first_orders is None:
            first_orders = got
        # ack in SQL (the sidecar would): the next claim sees them done
        cr.execute("UPDATE sync_event SET state = 'done', done_at = now() at time zone 'utc' "
                   "WHERE id = ANY(%s)", ([r["id"] for r in res],))
        Event.invalidate_model()
    print(
        f"backlog: first sync_claim(limit={args.batch}) returned {first_orders} order "
        f"release(s) in {timings[0]:.1f} ms; all {orders_out}/{args.orders} releases out after "
        f"{rounds} claim(s) ({upserts_out} upserts before/with them); claim median "
        f"{statistics.median(timings):.1f} ms, max {max(timings):.1f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
