# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import move_label
from .recon_common import ReconCase


@tagged("post_install", "-at_install")
class TestReconRun(ReconCase):
    def _mismatch(self, qty_target=95.0, sku="SW-1", product=None, location=None, **extra):
        line = {"key": "inventory:%s:%s:" % (sku, location or self.loc_name),
                "outcome": "mismatch", "model": "product.product",
                "res_id": (product or self.product).id, "sku": sku,
                "location": location or self.loc_name, "lot": False,
                "qty_odoo": 100.0, "qty_target": qty_target}
        line.update(extra)
        return line

    def _open_recon_exceptions(self):
        return self.env["sync.exception"].search(
            [("state", "=", "open"), ("recon_key", "!=", False), ("target_id", "=", self.wms.id)])

    def test_start_lock_and_stale(self):
        run = self._start()
        self.assertEqual(run.state, "running")
        self.assertEqual(run.worker, "recon-1")
        with self.assertRaises(ValidationError) as cm:
            self._start(worker="recon-2")
        self.assertIn(run.name, str(cm.exception))
        self.assertIn("since", str(cm.exception))
        # another job / another target is not locked
        other = self._start(job="open_orders")
        self.assertEqual(other.state, "running")
        # the database enforces the lock too
        with self.assertRaises(Exception), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.Run.create({"target_id": self.wms.id, "job": "inventory"}).flush_recordset()
        hb = self.svc.sync_recon_heartbeat(run.id)
        self.assertEqual((hb["ok"], hb["state"]), (True, "running"))
        # no heartbeat for 11 minutes: start marks it failed and starts a new run
        run.heartbeat_at = fields.Datetime.now() - timedelta(minutes=11)
        new = self._start(worker="recon-2")
        self.assertNotEqual(new, run)
        self.assertEqual(run.state, "failed")
        self.assertIn("stale", run.error)
        self.assertTrue(run.finished_at)
        # a stale worker learns it lost the run
        hb = self.svc.sync_recon_heartbeat(run.id)
        self.assertEqual((hb["ok"], hb["state"]), (False, "failed"))
        with self.assertRaises(ValidationError):
            self.svc.sync_recon_lines(run.id, [self._mismatch()])
        # the cron fails stale runs too
        other.heartbeat_at = fields.Datetime.now() - timedelta(minutes=30)
        new.heartbeat_at = fields.Datetime.now()
        self.Run._cron_fail_stale_runs()
        self.assertEqual(other.state, "failed")
        self.assertEqual(new.state, "running")
        with self.assertRaises(ValidationError):
            self.svc.sync_recon_start(self.wms.code, "nope", False, "w")
        with self.assertRaises(ValidationError):
            self.svc.sync_recon_start(self.crm.code, "inventory", False, "w")
        res = self.svc.sync_recon_finish(new.id, "failed", {}, "WMS API down")
        self.assertEqual(res["state"], "failed")
        self.assertEqual(new.error, "WMS API down")
        self.assertGreaterEqual(new.duration, 0.0)

    def test_exceptions_once_across_runs_then_closed(self):
        other_loc = self.env["stock.location"].create(
            {"name": "Overflow", "usage": "internal", "location_id": self.warehouse.view_location_id.id})
        self.env["sync.link"].create({"target_id": self.wms.id, "model": "stock.location",
                                      "res_id": other_loc.id, "external_id": "OVF"})
        # run 1: two discrepancies of one product (two locations), one match
        run1 = self._start()
        res = self.svc.sync_recon_lines(run1.id, [
            self._mismatch(),
            self._mismatch(qty_target=3.0, location="OVF", qty_odoo=0.0),
            {"key": "inventory:SG-2:%s:" % self.loc_name, "outcome": "matched", "sku": "SG-2",
             "location": self.loc_name, "qty_odoo": 100, "qty_target": 100},
            {"key": "", "outcome": "mismatch"},
            {"key": "x", "outcome": "weird"},
        ])
        self.assertEqual((res["created"], res["exceptions_opened"]), (3, 2), res)
        self.assertEqual([r["reason"] for r in res["refused"]], ["invalid_key", "invalid_outcome"])
        excs = self._open_recon_exceptions()
        self.assertEqual(len(excs), 2)
        exc = excs.filtered(lambda e: e.recon_key == self._key("SW-1"))
        self.assertEqual(exc.category, "stock_discrepancy")
        self.assertEqual((exc.model, exc.res_id), ("product.product", self.product.id))
        self.assertIn("100.0", exc.message)
        self.assertIn("95.0", exc.message)
        self.assertEqual(exc.recon_run_id, run1)
        ovf_line = run1.line_ids.filtered(lambda l: l.location == "OVF")
        self.assertEqual(ovf_line.location_id, other_loc)
        self.assertEqual(run1.line_ids.filtered(lambda l: l.sku == "SG-2").res_id, self.product_b.id)
        # a re-sent batch does not count twice
        res = self.svc.sync_recon_lines(run1.id, [self._mismatch()])
        self.assertEqual((res["created"], res["updated"], res["exceptions_updated"]), (0, 1, 1))
        self.assertEqual(exc.occurrences, 1)
        fin = self.svc.sync_recon_finish(run1.id, "done", {"matched": 250})
        self.assertEqual(fin["counts"]["mismatch"], 2)
        self.assertEqual(fin["counts"]["matched"], 250)
        self.assertEqual(fin["exceptions_closed"], 0)
        self.assertEqual(run1.accuracy, round(100.0 * 250 / 252, 2))
        self.assertEqual(run1.exception_ids, excs)
        # idempotent finish
        self.assertEqual(self.svc.sync_recon_finish(run1.id, "done", {})["state"], "done")
        # run 2: same discrepancy: no duplicate, occurrences + 1; the OVF one is gone
        run2 = self._start()
        res = self.svc.sync_recon_lines(run2.id, [self._mismatch(qty_target=94.0)])
        self.assertEqual((res["exceptions_opened"], res["exceptions_updated"]), (0, 1))
        self.assertEqual(self._open_recon_exceptions().filtered(
            lambda e: e.recon_key == self._key("SW-1")), exc)
        self.assertEqual(exc.occurrences, 2)
        self.assertIn("94.0", exc.message)
        fin = self.svc.sync_recon_finish(run2.id, "done", {})
        self.assertEqual(fin["exceptions_closed"], 1)
        closed = excs - exc
        self.assertEqual(closed.state, "resolved")
        self.assertEqual(closed.recon_resolved_run_id, run2)
        self.assertIn(run2.name, closed.message)
        self.assertEqual(exc.state, "open")
        # a failed run closes nothing
        run3 = self._start()
        self.svc.sync_recon_lines(run3.id, [])
        self.svc.sync_recon_finish(run3.id, "failed", {}, "timeout")
        self.assertEqual(exc.state, "open")
        # a clean run closes it, saying by which run
        run4 = self._start()
        self.svc.sync_recon_lines(run4.id, [self._mismatch(outcome="matched", qty_target=100.0)])
        self.svc.sync_recon_finish(run4.id, "done", {})
        self.assertEqual(exc.state, "resolved")
        self.assertIn(run4.name, exc.message)
        self.assertEqual(run4.resolved_exception_ids, exc)
        # a later discrepancy opens a new exception
        run5 = self._start()
        res = self.svc.sync_recon_lines(run5.id, [self._mismatch()])
        self.assertEqual(res["exceptions_opened"], 1)
        self.assertNotEqual(self._open_recon_exceptions(), exc)

    def test_dry_run_and_inbound_exception_coexist(self):
        run = self._start(dry_run=True)
        res = self.svc.sync_recon_lines(run.id, [self._mismatch()])
        self.assertEqual((res["created"], res["exceptions_opened"]), (1, 0))
        self.assertFalse(self._open_recon_exceptions())
        self.assertFalse(run.line_ids.exception_id)
        self.svc.sync_recon_finish(run.id, "done", {})
        self.assertEqual(run.mismatch_count, 1)
        # an open recon exception on a product does not block the usual
        # (non reconciliation) stock discrepancy of the same product and target
        real = self._start()
        self.svc.sync_recon_lines(real.id, [self._mismatch()])
        other = self.env["sync.exception"]._raise_exception(
            "stock_discrepancy", "count above tolerance", model="product.product",
            res_id=self.product.id, target=self.wms)
        self.assertNotEqual(other, self._open_recon_exceptions())
        # a dry run does not close exceptions either
        dry = self.Run.browse(self.svc.sync_recon_start(self.wms.code, "open_orders", True, "w")["run_id"])
        self.svc.sync_recon_finish(dry.id, "done", {})
        self.svc.sync_recon_finish(real.id, "done", {})
        self.assertTrue(self._open_recon_exceptions())

    def test_master_data_resend(self):
        run = self._start(job="master_data", target=self.crm)
        res = self.svc.sync_recon_lines(run.id, [
            {"key": "master:res.partner:%s" % self.customer.id, "outcome": "drift",
             "model": "res.partner", "res_id": self.customer.id, "ref": self.customer.email,
             "value_odoo": "Sync Customer", "value_target": "Sync Customer Ltd",
             "details": "name differs"},
            {"key": "master:res.partner:nobody@example.com", "outcome": "missing_in_odoo",
             "model": "res.partner", "ref": "nobody@example.com"},
        ])
        self.assertEqual(res["exceptions_opened"], 2)
        exc = self.env["sync.exception"].search([("recon_key", "=", "master:res.partner:%s" % self.customer.id)])
        self.assertEqual((exc.category, exc.model, exc.res_id),
                         ("conflict", "res.partner", self.customer.id))
        self.assertIn("Sync Customer Ltd", exc.message)
        res = self.svc.sync_recon_resend(run.id, "res.partner", [self.customer.id, 999999999])
        self.assertEqual(res["ok"], [self.customer.id])
        self.assertEqual(res["refused"], [{"id": 999999999, "reason": "unknown_record"}])
        event = self._events(self.customer, self.crm, event_type="upsert", state="pending")
        self.assertEqual(len(event), 1)
        with self.assertRaises(ValidationError):
            self.svc.sync_recon_resend(run.id, "sale.order", [1])
        fin = self.svc.sync_recon_finish(run.id, "done", {})
        self.assertEqual(fin["counts"]["repaired"], 1)
        self.assertEqual(fin["counts"]["drift"], 1)
        # the upsert delivered resolves the drift exception
        claimed = [c for c in self._claim([self.crm.code]) if c["id"] == event.id]
        self.svc.sync_ack([self._item(claimed[0], external_ref="C-9")])
        self.assertEqual(exc.state, "resolved")
        # dry run: no repair
        dry = self._start(job="master_data", target=self.crm, dry_run=True)
        res = self.svc.sync_recon_resend(dry.id, "res.partner", [self.customer.id])
        self.assertEqual(res, {"ok": [], "refused": [{"id": self.customer.id, "reason": "dry_run"}]})
        # By name: res_ids (JSON-2 keeps `ids` for the records a method runs on), and `ids`
        # as sidecars before 18.0.1.11.0 send it over XML-RPC.
        for kwargs in ({"res_ids": [self.customer.id]}, {"ids": [self.customer.id]}):
            res = self.svc.sync_recon_resend(run_id=dry.id, model="res.partner", **kwargs)
            self.assertEqual(res["refused"], [{"id": self.customer.id, "reason": "dry_run"}], kwargs)
        with self.assertRaises(ValidationError):
            self.svc.sync_recon_resend(dry.id, "res.partner")

    def test_manager_applies_wms_quantity(self):
        run = self._start()
        self.svc.sync_recon_lines(run.id, [self._mismatch(qty_target=93.0)])
        exc = self._open_recon_exceptions()
        self.assertTrue(exc.can_apply_wms_quantity)
        sync_user = new_test_user(self.env, login="recon_user",
                                  groups="base.group_user,sync_bridge.group_sync_user")
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_model"):
            exc.with_user(sync_user).action_apply_wms_quantity()
        # the button opens the wizard asking the reason; nothing is applied yet
        action = exc.with_user(self.manager).action_apply_wms_quantity()
        self.assertEqual(action["res_model"], "sync.stock.adjustment.wizard")
        self.assertEqual(self.product.with_context(location=self.stock.id).qty_available, 100.0)
        Wizard = self.env["sync.stock.adjustment.wizard"].with_user(self.manager).with_context(
            action["context"])
        # the reason is required
        with self.assertRaises(psycopg2.errors.NotNullViolation), mute_logger("odoo.sql_db"), \
                self.env.cr.savepoint():
            Wizard.create({}).flush_recordset()
        with self.assertRaises(UserError):
            exc.with_user(self.manager)._apply_wms_quantity("  ")
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_model"):
            self.env["sync.stock.adjustment.wizard"].with_user(sync_user).create(
                {"exception_ids": [(6, 0, exc.ids)], "reason": "x"})
        wizard = Wizard.create({"reason": "Cycle count: 7 broken units written off at the WMS"})
        self.assertEqual(wizard.exception_ids, exc)
        self.assertEqual(wizard.line_ids.qty_target, 93.0)
        wizard.action_apply()
        self.assertEqual(self.product.with_context(location=self.stock.id).qty_available, 93.0)
        self.assertEqual(exc.state, "resolved")
        self.assertIn("93.0", exc.message)
        self.assertIn("Cycle count: 7 broken units", exc.message)
        move = self.env["stock.move"].search([("product_id", "=", self.product.id),
                                              ("is_inventory", "=", True)], order="id desc", limit=1)
        self.assertIn("Cycle count: 7 broken units written off at the WMS", move_label(move))
        self.assertIn(run.name, move_label(move))
        self.assertEqual(move.product_uom_qty, 7.0)
        self.assertIn("Cycle count: 7 broken units", move.move_line_ids.reference or move.reference)
        # a resolved exception cannot be applied twice
        with self.assertRaises(UserError):
            exc.with_user(self.manager).action_apply_wms_quantity()

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_service_group_only(self):
        run = self._start()
        calls = [
            lambda E: E.sync_recon_start(self.wms.code, "master_data", False, "w"),
            lambda E: E.sync_recon_heartbeat(run.id),
            lambda E: E.sync_recon_odoo_stock(self.wms.code, False, 10),
            lambda E: E.sync_recon_open_orders(self.wms.code, 0, 10),
            lambda E: E.sync_recon_open_receipts(self.wms.code, 0, 10),
            lambda E: E.sync_recon_master(self.wms.code, "product.product", 0, 10),
            lambda E: E.sync_recon_lines(run.id, []),
            lambda E: E.sync_recon_resend(run.id, "res.partner", []),
            lambda E: E.sync_recon_finish(run.id, "done", {}),
        ]
        sync_user = new_test_user(self.env, login="recon_plain",
                                  groups="base.group_user,sync_bridge.group_sync_user")
        for user in (self.salesman, sync_user, self.manager):
            for call in calls:
                with self.assertRaises(AccessError):
                    call(self.env["sync.event"].with_user(user))
        for call in calls:
            call(self.svc)
        # users read runs and lines, the service cannot write them
        self.assertTrue(self.env["sync.reconciliation"].with_user(sync_user).search([]))
        with self.assertRaises(AccessError):
            self.env["sync.reconciliation"].with_user(self.service_user).browse(run.id).write(
                {"error": "x"})
