# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Concurrency tests: they use real, independently committed transactions.

Data is committed in setUpClass and removed in a class cleanup, like Odoo's
own concurrency tests (e.g. onboarding). Each worker runs in its own thread
with its own cursor; serialization failures are retried as Odoo's RPC layer
does.
"""
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from psycopg2.errors import SerializationFailure

import odoo
from odoo.modules.registry import Registry
from odoo.tests.common import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger

try:  # Odoo 18
    from odoo.api import Transaction
except ImportError:  # Odoo 19 moved it to odoo.orm
    from odoo.orm.environments import Transaction

N_PARTNERS = 20
_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestConcurrency(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls._cleanup)
        with cls.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"sync_bridge_skip": True})
            cls.target_id = env["sync.target"].create(
                {"code": "conc_test", "name": "Concurrency", "kind": "crm",
                 "trigger_order_release": False, "trigger_order_amend": False,
                 "trigger_order_cancel": False}
            ).id
            cls.partner_ids = env["res.partner"].create(
                [{"name": f"Concurrency {i}"} for i in range(N_PARTNERS)]
            ).ids

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            cr.execute("DELETE FROM sync_exception WHERE target_id = %s", (cls.target_id,))
            cr.execute("DELETE FROM sync_link WHERE target_id = %s", (cls.target_id,))
            cr.execute("DELETE FROM sync_event WHERE target_id = %s", (cls.target_id,))
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"sync_bridge_skip": True})
            env["sync.target"].browse(cls.target_id).unlink()
            env["res.partner"].browse(cls.partner_ids).unlink()

    def tearDown(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM sync_event WHERE target_id = %s", (self.target_id,))
        super().tearDown()

    def _env(self, cr):
        # Post-install tests run while the main thread holds the registry lock:
        # give the cursor its transaction so that Environment() does not need
        # to look the registry up again (which would wait for that lock).
        if cr.transaction is None:
            cr.transaction = Transaction(self.registry)
        return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})

    def _retrying(self, fn, tries=5):
        """Run fn(env) in a fresh transaction, retrying serialization failures."""
        for attempt in range(tries):
            try:
                with self.registry.cursor() as cr:
                    return fn(self._env(cr)), attempt
            except SerializationFailure:
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("too many serialization failures")

    def _enqueue(self, env, partner_id, event_type="upsert"):
        target = env["sync.target"].browse(self.target_id)
        return env["sync.event"]._enqueue(target, event_type, env["res.partner"].browse(partner_id)).id

    @mute_logger("odoo.sql_db")
    def test_coalescing_two_concurrent_transactions(self):
        """Two transactions enqueue the same change at once: ONE pending event."""
        partner_id = self.partner_ids[0]
        first_done = threading.Event()
        barrier = threading.Barrier(2)
        outcome = {}

        def first():
            with self.registry.cursor() as cr:
                event_id = self._enqueue(self._env(cr), partner_id)
                barrier.wait(timeout=10)
                time.sleep(0.3)  # the second transaction is now blocked on our row
                first_done.set()
            return event_id

        def second():
            cr = self.registry.cursor()
            try:
                cr.execute("SELECT 1")  # take the REPEATABLE READ snapshot now
                barrier.wait(timeout=10)
                try:
                    event_id = self._enqueue(self._env(cr), partner_id)
                    cr.commit()
                    outcome["second"] = "coalesced"
                    return event_id
                except SerializationFailure:
                    cr.rollback()
                    outcome["second"] = "serialization_failure"
            finally:
                cr.close()
            # retried like Odoo's RPC layer does
            event_id, _attempt = self._retrying(lambda env: self._enqueue(env, partner_id))
            return event_id

        with ThreadPoolExecutor(max_workers=2) as executor:
            f1, f2 = executor.submit(first), executor.submit(second)
            id1, id2 = f1.result(timeout=30), f2.result(timeout=30)
        _logger.info("concurrent enqueue: second transaction %s", outcome.get("second"))
        self.assertTrue(first_done.is_set())
        self.assertIn(outcome.get("second"), ("coalesced", "serialization_failure"))
        self.assertEqual(id1, id2)
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*), max(change_count) FROM sync_event"
                " WHERE target_id = %s AND res_id = %s AND state = 'pending'",
                (self.target_id, partner_id),
            )
            self.assertEqual(cr.fetchone(), (1, 2))

    @mute_logger("odoo.sql_db")
    def test_two_workers_claim_disjoint_sets(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            ids = [self._enqueue(env, pid) for pid in self.partner_ids]
            # a younger event in the aggregate of partner 0: must not be handed out
            blocked_id = self._enqueue(env, self.partner_ids[0], "status")
        barrier = threading.Barrier(2)

        def worker(name):
            started = []

            def claim(env):
                if not started:
                    env.cr.execute("SELECT 1")
                    started.append(1)
                    barrier.wait(timeout=10)
                return [c["id"] for c in env["sync.event"].sync_claim(
                    name, ["conc_test"], 15, 300, {"res.partner": {"name": {}}})]

            return self._retrying(claim)

        with ThreadPoolExecutor(max_workers=2) as executor:
            f1, f2 = executor.submit(worker, "w1"), executor.submit(worker, "w2")
            (got1, _r1), (got2, _r2) = f1.result(timeout=60), f2.result(timeout=60)
        _logger.info("concurrent claim: w1 got %s (retries %s), w2 got %s (retries %s)",
                     len(got1), _r1, len(got2), _r2)
        self.assertFalse(set(got1) & set(got2), "an event was handed to two workers")
        self.assertEqual(sorted(got1 + got2), sorted(ids))
        self.assertNotIn(blocked_id, got1 + got2)
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT lease_owner, count(*) FROM sync_event WHERE target_id = %s"
                " AND state = 'in_progress' GROUP BY lease_owner", (self.target_id,))
            owners = dict(cr.fetchall())
        self.assertEqual(owners.get("w1", 0), len(got1))
        self.assertEqual(owners.get("w2", 0), len(got2))

    @mute_logger("odoo.sql_db")
    def test_claim_with_stale_snapshot_is_retried(self):
        """REPEATABLE READ: a worker whose snapshot predates another worker's
        committed claim gets a serialization failure (never a duplicate);
        retried with a fresh snapshot it gets the remaining events."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            ids = [self._enqueue(env, pid) for pid in self.partner_ids[:4]]
        stale = self.registry.cursor()
        try:
            stale.execute("SELECT 1")  # snapshot taken before w1's claim commits
            with self.registry.cursor() as cr:
                got1 = [c["id"] for c in self._env(cr)["sync.event"].sync_claim("w1", ["conc_test"], 2, 60, {})]
            self.assertEqual(got1, ids[:2])
            with self.assertRaises(SerializationFailure):
                self._env(stale)["sync.event"].sync_claim("w2", ["conc_test"], 4, 60, {})
            stale.rollback()
        finally:
            stale.close()
        got2, _attempt = self._retrying(
            lambda env: [c["id"] for c in env["sync.event"].sync_claim("w2", ["conc_test"], 4, 60, {})])
        self.assertEqual(got2, ids[2:])

    def _claimed(self, partner_id):
        """A committed in-progress event for the partner; returns (id, lease token)."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            event_id = self._enqueue(env, partner_id)
            claimed = env["sync.event"].sync_claim("w1", ["conc_test"], 50, 60, {})
            token = next(c["lease_token"] for c in claimed if c["id"] == event_id)
        return event_id, token

    def _twin_after_snapshot(self, partner_id, call):
        """Runs call(env) in a transaction whose snapshot predates a committed
        new pending event of the same record (the twin). Returns (error, twin id)."""
        stale = self.registry.cursor()
        try:
            stale.execute("SELECT 1")  # snapshot taken before the twin commits
            with self.registry.cursor() as cr:
                twin_id = self._enqueue(self._env(cr), partner_id)
            try:
                call(self._env(stale))
                error = None
            except Exception as e:  # noqa: BLE001 - the test inspects the class
                error = e
            stale.rollback()
        finally:
            stale.close()
        return error, twin_id

    @mute_logger("odoo.sql_db")
    def test_requeue_while_twin_committed_after_snapshot(self):
        """A retryable nack (or a release) of an in-progress event while a newer
        pending event of the same record was committed after the transaction's
        snapshot: the twin is invisible, so putting the event back to pending
        hits the pending slot's unique index. It must be a serialization failure
        (retried by Odoo's RPC layer with a fresh snapshot, which merges into
        the twin), never an IntegrityError (Odoo answers it as a ValidationError
        and the sidecar's outcome is lost)."""
        for method in ("sync_nack", "sync_release"):
            partner_id = self.partner_ids[1]
            event_id, token = self._claimed(partner_id)
            item = {"id": event_id, "lease_token": token, "retryable": True,
                    "error_class": "RateLimited", "error_message": "429"}

            def call(env, method=method, item=item):
                if method == "sync_nack":
                    result = env["sync.event"].sync_nack([item])
                else:
                    result = env["sync.event"].sync_release("w1", [item])
                env.flush_all()  # as the RPC layer does before committing
                return result

            error, twin_id = self._twin_after_snapshot(partner_id, call)
            self.assertIsInstance(error, SerializationFailure, "%s: %r" % (method, error))
            result, _attempt = self._retrying(call)
            self.assertEqual(result["ok"], [event_id], method)
            with self.registry.cursor() as cr:
                cr.execute("SELECT id, state, change_count FROM sync_event WHERE id IN %s ORDER BY id",
                           ((event_id, twin_id),))
                self.assertEqual(cr.fetchall(), [(event_id, "cancelled", 1), (twin_id, "pending", 2)],
                                 method)
                cr.execute("DELETE FROM sync_event WHERE target_id = %s", (self.target_id,))
