# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger
from odoo.addons.sync_bridge.compat import list_view_type

from ..models.sync_event import PRIORITY_BULK
from .common import SyncBridgeCase

CHUNK = {"sync_initial_load_chunk_size": 3}


class Interrupted(Exception):
    """A worker killed in the middle of a chunk: its transaction is rolled back."""


@tagged("post_install", "-at_install")
class TestInitialLoadBackground(SyncBridgeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wms.write({"trigger_product_upsert": True, "trigger_partner_upsert": True})
        cls.products = cls.env["product.product"].with_context(sync_bridge_skip=True).create([
            {"name": f"Bg Load {i}", "default_code": f"BGLOAD-{i}", "type": "consu"}
            for i in range(7)
        ])
        cls.customers = cls.env["res.partner"].with_context(sync_bridge_skip=True).create([
            {"name": f"Bg Load Customer {i}", "ref": f"BGLOADC-{i}"} for i in range(4)
        ])
        cls.user = new_test_user(cls.env, login="sync_user_bgload",
                                 groups="base.group_user,sync_bridge.group_sync_user")
        cls.Load = cls.env["sync.initial.load"]
        cls.cron = cls.env.ref("sync_bridge.cron_run_initial_loads")

    def _request(self, customers=False, products=True, user=None):
        """The wizard as a manager, with chunks of 3: returns the loads created."""
        wizard = self.env["sync.initial.load.wizard"].with_user(user or self.manager).with_context(
            **CHUNK).create({
                "target_id": self.wms.id,
                "load_customers": customers,
                "load_products": products,
                "product_domain": "[('default_code', '=like', 'BGLOAD-%')]",
                "customer_domain": "[('ref', '=like', 'BGLOADC-%')]",
            })
        action = wizard.action_load()
        return self.Load.search(action["domain"], order="id")

    def _cron_triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])

    def _last_note(self):
        self.wms.invalidate_recordset(["message_ids"])
        return self.wms.message_ids[:1].body

    def _product_events(self, **filters):
        return self._events(target=self.wms, model="product.product", **filters).filtered(
            lambda e: e.res_id in self.products.ids)

    def _run_cron(self):
        """One run of the cron's action as the batch-cron runner calls it:
        returns (done, remaining) it reported."""
        if not hasattr(type(self.cron), "_add_progress"):
            # Odoo 17: no batch-cron progress API; the job returns what it would report and
            # triggers its cron itself while work remains (the trigger assertions hold alike)
            return self.Load._cron_process()
        cron, progress = self.cron._add_progress()
        self.Load.with_context(ir_cron_progress_id=progress.id, cron_id=cron.id)._cron_process()
        return progress.done, progress.remaining

    def test_processed_in_chunks_with_progress(self):
        triggers_before = self._cron_triggers()
        load = self._request()
        self.assertEqual(len(load), 1)
        self.assertEqual((load.state, load.total_count, load.done_count, load.chunk_size),
                         ("draft", 7, 0, 3), "bigger than a chunk: left to the cron")
        self.assertEqual(load.user_id, self.manager)
        self.assertFalse(self._product_events(), "nothing queued in the request")
        self.assertEqual(self._cron_triggers(), triggers_before + 1, "the cron is triggered")
        self.assertIn("7 product(s), running in the background", self._last_note())

        triggers = self._cron_triggers()
        self.assertEqual(self._run_cron(), (3, 4))
        self.assertEqual(self._cron_triggers(), triggers + 1,
                         "work remains: the cron workers are woken again at once")
        self.assertEqual((load.state, load.done_count, load.total_count, load.last_id),
                         ("running", 3, 7, self.products[2].id))
        self.assertTrue(load.started_at)
        self.assertEqual(len(self._product_events(state="pending")), 3)
        self.assertEqual(self._run_cron(), (3, 1))
        self.assertAlmostEqual(load.progress, 600 / 7)
        triggers = self._cron_triggers()
        self.assertEqual(self._run_cron(), (1, 0))
        self.assertEqual(self._cron_triggers(), triggers, "nothing left: no new trigger")
        self.assertEqual((load.state, load.done_count, load.total_count), ("done", 7, 7))
        self.assertTrue(load.finished_at)
        events = self._product_events(state="pending")
        self.assertEqual(sorted(events.mapped("res_id")), sorted(self.products.ids))
        self.assertEqual(set(events.mapped("priority")), {PRIORITY_BULK})
        self.assertEqual(set(events.mapped("event_type")), {"upsert"})
        note = self._last_note()
        self.assertIn("Initial load finished", note)
        self.assertIn("7 product(s)", note)
        self.assertEqual(self._run_cron(), (0, 0), "nothing left: the cron is fully done")

    def test_records_added_meanwhile_are_counted(self):
        load = self._request()
        self._run_cron()
        late = self.env["product.product"].with_context(sync_bridge_skip=True).create(
            {"name": "Bg Load late", "default_code": "BGLOAD-late", "type": "consu"})
        self.assertEqual(self._run_cron(), (3, 2))
        self.assertEqual(load.total_count, 8)
        self._run_cron()
        self.assertEqual((load.state, load.done_count), ("done", 8))
        self.assertTrue(self._events(late, self.wms, state="pending"))

    def test_resumes_after_interruption_without_duplicates(self):
        waiting = self.Event.sudo()._enqueue(self.wms, "upsert", self.products[4])
        load = self._request()
        self._run_cron()
        self.assertEqual(load.done_count, 3)
        # the worker dies in the middle of the second chunk: its transaction is rolled back
        with self.assertRaises(Interrupted), self.env.cr.savepoint():
            self._run_cron()
            self.assertEqual(load.done_count, 6)
            raise Interrupted()
        self.assertEqual((load.state, load.done_count, load.last_id),
                         ("running", 3, self.products[2].id), "back to the last committed chunk")
        self.assertEqual(len(self._product_events()), 4, "3 queued + the one already waiting")
        while load.state == "running":
            self._run_cron()
        self.assertEqual((load.state, load.done_count, load.total_count), ("done", 7, 7))
        events = self._product_events()
        self.assertEqual(len(events), 7, "one event per product")
        self.assertEqual(sorted(events.mapped("res_id")), sorted(self.products.ids))
        self.assertIn(waiting, events)
        self.assertEqual(waiting.change_count, 2, "the waiting upsert was coalesced into")

    def test_chunk_run_twice_is_coalesced(self):
        """Even a chunk queued twice (its progress lost after the events were
        written) leaves one pending upsert per record."""
        load = self._request()
        self._run_cron()
        load.sudo().write({"done_count": 0, "last_id": 0})
        while load.state != "done":
            self._run_cron()
        events = self._product_events()
        self.assertEqual(len(events), 7)
        self.assertEqual(sorted(events.mapped("change_count")), [1, 1, 1, 1, 2, 2, 2])

    def test_cancel_stops_and_resume_goes_on(self):
        load = self._request()
        self._run_cron()
        load.with_user(self.manager).action_cancel()
        self.assertEqual(load.state, "cancelled")
        self.assertIn("cancelled by", self._last_note())
        self.assertEqual(self._run_cron(), (0, 0))
        self.assertEqual(load.done_count, 3)
        self.assertEqual(len(self._product_events()), 3, "queued upserts stay, no more")
        load.with_user(self.manager).action_resume()
        self.assertEqual(load.state, "running")
        while load.state == "running":
            self._run_cron()
        self.assertEqual((load.state, load.done_count), ("done", 7))
        self.assertEqual(len(self._product_events()), 7)

    @mute_logger("odoo.addons.sync_bridge.models.sync_initial_load")
    def test_failure_recorded_and_resumable(self):
        load = self._request()
        self._run_cron()
        self.wms.trigger_product_upsert = False
        self.assertEqual(self._run_cron(), (1, 0), "a failed load is closed: progress")
        self.assertEqual(load.state, "failed")
        self.assertIn("does not take products", load.error)
        note = self._last_note()
        self.assertIn("failed after 3 of 7", note)
        self.assertIn("does not take products", note)
        with self.assertRaisesRegex(UserError, "does not take products"):
            load.with_user(self.manager).action_resume()
        self.wms.trigger_product_upsert = True
        load.with_user(self.manager).action_resume()
        self.assertEqual((load.state, load.error), ("running", False))
        while load.state == "running":
            self._run_cron()
        self.assertEqual((load.state, load.done_count), ("done", 7))
        self.assertEqual(len(self._product_events()), 7)

    @mute_logger("odoo.addons.sync_bridge.models.sync_initial_load")
    def test_error_in_a_chunk_rolls_the_chunk_back(self):
        load = self._request()
        self._run_cron()
        Event = type(self.env["sync.event"])
        original = Event._enqueue
        calls = []

        def flaky(event_model, target, event_type, record, aggregate_key=None):
            calls.append(record.id)
            if len(calls) == 2:
                raise ValueError("mapping of record %s exploded" % record.id)
            return original(event_model, target, event_type, record, aggregate_key)

        with patch.object(Event, "_enqueue", flaky):
            self._run_cron()
        self.assertEqual((load.state, load.done_count, load.last_id),
                         ("failed", 3, self.products[2].id))
        self.assertIn("exploded", load.error)
        self.assertEqual(len(self._product_events()), 3, "the failed chunk left nothing")
        load.with_user(self.manager).action_resume()
        while load.state == "running":
            self._run_cron()
        self.assertEqual(len(self._product_events()), 7)

    def test_small_load_runs_at_once(self):
        loads = self._request(customers=True, products=False)  # 4 customers, chunk 3: cron
        self.assertEqual(loads.state, "draft")
        wizard = self.env["sync.initial.load.wizard"].with_user(self.manager).create({
            "target_id": self.wms.id, "load_customers": False,
            "product_domain": "[('default_code', '=like', 'BGLOAD-%')]"})
        load = self.Load.search(wizard.action_load()["domain"])
        self.assertEqual((load.state, load.done_count, load.total_count, load.chunk_size),
                         ("done", 7, 7, 1000), "fits in one chunk: done in the request")
        self.assertEqual(len(self._product_events()), 7)

    def test_cron_takes_loads_oldest_first(self):
        loads = self._request(customers=True, products=True)
        self.assertEqual(loads.mapped("what"), ["customers", "products"])
        customers, products = loads
        self.assertEqual(self._run_cron(), (3, 8))
        self.assertEqual((customers.done_count, products.done_count), (3, 0))
        self.assertEqual(self._run_cron(), (1, 7))
        self.assertEqual((customers.state, products.state), ("done", "draft"))
        self.assertEqual(self._run_cron(), (3, 4))
        self.assertEqual(products.state, "running")

    def test_cron_record_runs_pending_loads(self):
        self.assertTrue(self.cron.active)
        self.assertEqual((self.cron.interval_number, self.cron.interval_type), (10, "minutes"))
        load = self._request()
        # the scheduled action's own code, in this transaction (method_direct_trigger runs it
        # here on 18 but through the runner's own cursor on 19)
        self.cron.ir_actions_server_id.run()
        self.assertEqual((load.state, load.done_count), ("running", 3))

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_access(self):
        load = self._request()
        self.assertEqual(self.Load.with_user(self.user).search([("id", "=", load.id)]), load,
                         "Sync users see the loads")
        for user in (self.user, self.salesman):
            with self.assertRaises(AccessError):
                self.env["sync.initial.load.wizard"].with_user(user).create(
                    {"target_id": self.wms.id})
            with self.assertRaises(AccessError):
                self.Load.with_user(user).create({"target_id": self.wms.id, "what": "products"})
            with self.assertRaises(AccessError):
                load.with_user(user).action_cancel()
        with self.assertRaises(AccessError):
            self.Load.with_user(self.salesman).search([])
        load.with_user(self.manager).action_cancel()
        with self.assertRaises(AccessError):
            load.with_user(self.user).action_resume()
        self.assertEqual(load.state, "cancelled")

    def test_multi_company_rule(self):
        other = self.env["res.company"].create({"name": "Bg Load Other Co"})
        target = self.Target.create({"code": "crm_bgload_other", "name": "Other CRM",
                                     "kind": "crm", "company_id": other.id,
                                     "trigger_partner_upsert": True})
        theirs = self.Load.create({"target_id": target.id, "what": "customers"})
        ours = self.Load.create({"target_id": self.wms.id, "what": "customers"})
        visible = self.Load.with_user(self.manager).search([])
        self.assertIn(ours, visible)
        self.assertNotIn(theirs, visible)
        self.assertEqual(theirs.company_id, other)

    def test_views(self):
        LIST = list_view_type(self.env)  # the list view's type: 17 calls it tree
        res = self.Load.with_user(self.manager).get_views(
            [(False, LIST), (False, "form"), (False, "search")])
        self.assertIn("action_resume", res["views"]["form"]["arch"])
        load = self._request()
        action = self.wms.with_user(self.manager).action_view_initial_loads()
        self.assertEqual(self.Load.search(action["domain"]), load)
        self.assertEqual(self.wms.initial_load_open_count, 1)
        self.assertEqual(load.display_name, "Products to wms_test")
