# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged
from odoo.addons.sync_bridge.compat import storable_vals

from .common import GROUP_USERS, move_vals
from .recon_common import ReconCase


@tagged("post_install", "-at_install")
class TestReconSla(ReconCase):
    """Open-order SLAs per event type (the listings the sidecar classifies) and the
    default follow-up of reconciliation / SLA exceptions (responsible + activity)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(cls.env, login="recon_seller",
                                   groups="base.group_user,sales_team.group_sale_salesman")
        cls.keeper = new_test_user(cls.env, login="recon_keeper",
                                   groups="base.group_user,stock.group_stock_user")
        cls.Exc = cls.env["sync.exception"]
        cls.Activity = cls.env["mail.activity"]

    # -- helpers -------------------------------------------------------------
    def _sla_line(self, record, stage, suffix="", outcome="mismatch"):
        since = fields.Datetime.now() - timedelta(hours=6)
        return {"key": "order:%s%s" % (record.id, suffix) if record._name == "sale.order"
                else "receipt:%s" % record.id,
                "outcome": outcome, "model": record._name, "res_id": record.id,
                "ref": record.name, "value_odoo": "sale", "value_target": "open",
                "details": json.dumps({"stage": stage, "since": fields.Datetime.to_string(since),
                                       "deadline": fields.Datetime.to_string(
                                           since + timedelta(hours=4)),
                                       "checked_at": fields.Datetime.to_string(
                                           fields.Datetime.now())})}

    def _run_lines(self, lines, job="open_orders"):
        run = self._start(job=job)
        self.svc.sync_recon_lines(run.id, lines)
        self.svc.sync_recon_finish(run.id, "done", {})
        return run

    def _exc(self, key):
        return self.Exc.search([("target_id", "=", self.wms.id), ("recon_key", "=", key)],
                               order="id desc", limit=1)

    def _todo(self, record, user=None):
        domain = [("res_model", "=", record._name), ("res_id", "=", record.id)]
        if user:
            domain.append(("user_id", "=", user.id))
        return self.Activity.search(domain)

    def _released_order(self, user=None):
        order, picking = self._confirmed_order([(self.product, 1)])
        order.user_id = user or False
        self._release_and_ack(picking, external_ref="WMS-%s" % order.id)
        return order, picking

    # -- listings ------------------------------------------------------------
    def test_open_orders_amend_and_cancel_timestamps(self):
        order, picking = self._released_order()
        Event = self.env["sync.event"].sudo()
        item = {i["order_id"]: i for i in self.svc.sync_recon_open_orders(
            self.wms.code, 0, 500)["items"]}[order.id]
        self.assertFalse(item["amend_pending_since"])
        self.assertFalse(item["cancel_requested_at"])
        # an amendment not delivered yet: pending since its creation
        amend = Event._enqueue(self.wms, "amend", picking)
        amend.create_date = fields.Datetime.now() - timedelta(hours=3)
        item = {i["order_id"]: i for i in self.svc.sync_recon_open_orders(
            self.wms.code, 0, 500)["items"]}[order.id]
        self.assertEqual(item["amend_pending_since"], fields.Datetime.to_string(amend.create_date))
        self.assertEqual(item["amend_state"], "pending")
        # failed, then a later amendment delivered: acknowledged
        amend.write({"state": "failed"})
        later = Event._enqueue(self.wms, "amend", picking)
        self.assertNotEqual(later, amend)
        item = {i["order_id"]: i for i in self.svc.sync_recon_open_orders(
            self.wms.code, 0, 500)["items"]}[order.id]
        self.assertEqual(item["amend_pending_since"], fields.Datetime.to_string(amend.create_date))
        later.write({"state": "done", "done_at": fields.Datetime.now()})
        item = {i["order_id"]: i for i in self.svc.sync_recon_open_orders(
            self.wms.code, 0, 500)["items"]}[order.id]
        self.assertFalse(item["amend_pending_since"])
        self.assertEqual(item["amend_state"], "done")
        # Odoo cancels: the cancel event's creation is when the WMS was asked
        order._action_cancel()
        cancel = self._events(picking, self.wms, event_type="cancel") | self._events(
            order, self.wms, event_type="cancel")
        self.assertTrue(cancel)
        item = {i["order_id"]: i for i in self.svc.sync_recon_open_orders(
            self.wms.code, 0, 500)["items"]}[order.id]
        self.assertTrue(item["cancelled_in_odoo"])
        self.assertEqual(item["cancel_requested_at"],
                         fields.Datetime.to_string(cancel[:1].create_date))

    def test_open_receipts(self):
        incoming = self.warehouse.in_type_id
        receipt = self.env["stock.picking"].create({
            "picking_type_id": incoming.id,
            "location_id": self.env.ref("stock.stock_location_suppliers").id,
            "location_dest_id": incoming.default_location_dest_id.id,
            "scheduled_date": fields.Datetime.now() - timedelta(days=2),
            "move_ids": [Command.create(move_vals(
                "in", product_id=self.product.id, product_uom_qty=5,
                product_uom=self.product.uom_id.id,
                location_id=self.env.ref("stock.stock_location_suppliers").id,
                location_dest_id=incoming.default_location_dest_id.id))],
        })
        receipt.action_confirm()
        not_announced = receipt.copy()
        not_announced.action_confirm()
        asn = self.env["sync.event"].sudo()._enqueue(self.wms, "asn", receipt)
        ids = [i["picking_id"] for i in self.svc.sync_recon_open_receipts(
            self.wms.code, 0, 500)["items"]]
        self.assertNotIn(receipt.id, ids)  # not delivered yet: not announced
        asn.write({"state": "done", "done_at": fields.Datetime.now() - timedelta(days=3)})
        res = self.svc.sync_recon_open_receipts(self.wms.code, 0, 500)
        by_id = {i["picking_id"]: i for i in res["items"]}
        self.assertNotIn(not_announced.id, by_id)
        item = by_id[receipt.id]
        self.assertEqual(item["name"], receipt.name)
        self.assertEqual(item["scheduled_date"], fields.Datetime.to_string(receipt.scheduled_date))
        self.assertEqual(item["sent_at"], fields.Datetime.to_string(asn.done_at))
        self.assertFalse(item["reported"])
        self.assertFalse(res["next"])
        # the WMS reported it (held by an exception in Odoo): reported
        self.env["sync.inbound.message"].create({
            "target_id": self.wms.id, "message_id": "rcpt-%s" % receipt.id, "kind": "receipt",
            "state": "exception", "payload": json.dumps({"receipt_ref": receipt.name}),
        })
        item = {i["picking_id"]: i for i in self.svc.sync_recon_open_receipts(
            self.wms.code, 0, 500)["items"]}[receipt.id]
        self.assertTrue(item["reported"])
        # received in Odoo: no longer open
        receipt.move_ids.quantity = 5
        receipt.button_validate()
        ids = [i["picking_id"] for i in self.svc.sync_recon_open_receipts(
            self.wms.code, 0, 500)["items"]]
        self.assertNotIn(receipt.id, ids)

    # -- default responsible and activity ------------------------------------
    def test_salesperson_gets_one_activity_done_when_resolved(self):
        order, _picking = self._released_order(user=self.seller)
        self._run_lines([self._sla_line(order, "not_shipped"),
                         self._sla_line(order, "amend_not_acknowledged", ":amend")])
        exc = self._exc("order:%s" % order.id)
        amend_exc = self._exc("order:%s:amend" % order.id)
        self.assertEqual(exc.user_id, self.seller)
        self.assertEqual(amend_exc.user_id, self.seller)
        self.assertFalse(exc.rule_id)
        # one to-do per exception, on the order, for the salesperson
        todos = self._todo(order, self.seller)
        self.assertEqual(len(todos), 2)
        self.assertEqual(exc.activity_id | amend_exc.activity_id, todos)
        self.assertIn("since", exc.details)
        self.assertIn("deadline", exc.details)
        # a re-run finds the same breaches: no second exception, no second activity
        self._run_lines([self._sla_line(order, "not_shipped"),
                         self._sla_line(order, "amend_not_acknowledged", ":amend")])
        self.assertEqual(self.Exc.search_count([("target_id", "=", self.wms.id),
                                                ("recon_key", "like", "order:%s" % order.id),
                                                ("state", "=", "open")]), 2)
        self.assertEqual(exc.occurrences, 2)
        self.assertEqual(len(self._todo(order, self.seller)), 2)
        # the amendment is acknowledged: that exception closes, its to-do is done
        self._run_lines([self._sla_line(order, "not_shipped")])
        self.assertEqual(amend_exc.state, "resolved")
        self.assertEqual(exc.state, "open")
        self.assertEqual(self._todo(order, self.seller), exc.activity_id)
        self.assertTrue(order.message_ids.filtered(
            lambda m: amend_exc.name in (m.body or "") or "resolved" in (m.body or "")))
        # reassigned by a manager: the to-do moves, no second one
        exc.with_user(self.manager).user_id = self.keeper
        self.assertFalse(self._todo(order, self.seller))
        self.assertEqual(self._todo(order, self.keeper), exc.activity_id)
        # resolved by hand: done
        exc.with_user(self.manager).action_resolve()
        self.assertFalse(self._todo(order))

    def test_fallbacks_and_rules_first(self):
        managers = self.env.ref("sync_bridge.group_sync_manager")[GROUP_USERS]
        # an inventory discrepancy: no order -> a Sync manager (least loaded)
        line = {"key": self._key("SW-1"), "outcome": "mismatch", "model": "product.product",
                "res_id": self.product.id, "sku": "SW-1", "location": self.loc_name,
                "qty_odoo": 100.0, "qty_target": 90.0}
        self._run_lines([line], job="inventory")
        exc = self._exc(self._key("SW-1"))
        self.assertIn(exc.user_id, managers)
        self.assertEqual(exc.assigned_group_id, self.env.ref("sync_bridge.group_sync_manager"))
        self.assertEqual(exc.activity_id.user_id, exc.user_id)
        self.assertEqual((exc.activity_id.res_model, exc.activity_id.res_id),
                         ("sync.target", self.wms.id))
        # the target's responsible, when set
        self.wms.responsible_user_id = self.keeper
        line_b = dict(line, key=self._key("SG-2"), res_id=self.product_b.id, sku="SG-2")
        self._run_lines([line, line_b], job="inventory")
        exc_b = self._exc(self._key("SG-2"))
        self.assertEqual(exc_b.user_id, self.keeper)
        self.assertEqual(self._todo(self.wms, self.keeper), exc_b.activity_id)
        # an order without salesperson -> the target's responsible
        order, _p = self._released_order()
        self._run_lines([self._sla_line(order, "unacknowledged", outcome="missing_in_target")])
        self.assertEqual(self._exc("order:%s" % order.id).user_id, self.keeper)
        # the target's team when no responsible user
        self.wms.responsible_user_id = False
        team = self.env["res.groups"].create({"name": "WMS desk",
                                              GROUP_USERS: [Command.set(self.keeper.ids)]})
        self.wms.responsible_group_id = team
        order2, _p2 = self._released_order()
        self._run_lines([self._sla_line(order2, "not_shipped")])
        self.assertEqual(self._exc("order:%s" % order2.id).user_id, self.keeper)
        self.assertEqual(self._exc("order:%s" % order2.id).assigned_group_id, team)
        # an explicit routing rule wins over the salesperson
        self.env["sync.exception.rule"].create({
            "name": "Open-order conflicts to the manager", "category": "conflict",
            "user_id": self.manager.id})
        order3, _p3 = self._released_order(user=self.seller)
        self._run_lines([self._sla_line(order3, "not_shipped")])
        exc3 = self._exc("order:%s" % order3.id)
        self.assertEqual(exc3.user_id, self.manager)
        self.assertTrue(exc3.rule_id)
        self.assertEqual(self._todo(order3), exc3.activity_id)
        self.assertFalse(self._todo(order3, self.seller))

    def test_stock_discrepancies_share_one_todo_per_assignee(self):
        # a first inventory run with many differences: one to-do for the responsible, not one each
        self.wms.responsible_user_id = self.keeper
        products = self.env["product.product"].create(
            [{"name": "Bulk %s" % i, "default_code": "BULK-%s" % i, **storable_vals(self.env)}
             for i in range(5)])
        lines = [{"key": self._key(p.default_code), "outcome": "mismatch", "model": "product.product",
                  "res_id": p.id, "sku": p.default_code, "location": self.loc_name,
                  "qty_odoo": 10.0, "qty_target": 7.0} for p in products]
        self._run_lines(lines, job="inventory")
        excs = self.Exc.browse([self._exc(line["key"]).id for line in lines])
        self.assertEqual(len(excs), 5)
        todo = self._todo(self.wms, self.keeper)
        self.assertEqual(len(todo), 1)
        self.assertEqual(excs.activity_id, todo)
        self.assertIn("5 open stock discrepancies", todo.note)
        # a re-run adds none
        self._run_lines(lines, job="inventory")
        self.assertEqual(len(self._todo(self.wms, self.keeper)), 1)
        # resolving some keeps the to-do (with the count left); the last one closes it
        excs[:3].with_user(self.manager).action_resolve()
        self.assertEqual(self._todo(self.wms, self.keeper), todo)
        self.assertIn("2 open stock discrepancies", todo.note)
        excs[3:].with_user(self.manager).action_resolve()
        self.assertFalse(self._todo(self.wms, self.keeper))

    def test_dry_run_raises_nothing(self):
        order, _picking = self._released_order(user=self.seller)
        run = self._start(job="open_orders", dry_run=True)
        self.svc.sync_recon_lines(run.id, [self._sla_line(order, "not_shipped")])
        self.svc.sync_recon_finish(run.id, "done", {})
        self.assertFalse(self._exc("order:%s" % order.id))
        self.assertFalse(self._todo(order))
