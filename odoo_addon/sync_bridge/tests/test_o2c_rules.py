# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from .common import GROUP_USERS
from .inbound_common import InboundCase


@tagged("post_install", "-at_install")
class TestO2cExceptionRules(InboundCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["sync.exception.rule"]
        cls.steward_a = new_test_user(cls.env, login="o2c_rule_a", groups="base.group_user")
        cls.steward_b = new_test_user(cls.env, login="o2c_rule_b", groups="base.group_user")
        cls.team = cls.env["res.groups"].create({
            "name": "O2C exception team",
            GROUP_USERS: [Command.set([cls.steward_a.id, cls.steward_b.id])]})

    def _activity_users(self, record):
        return record.activity_ids.user_id

    def test_margin_below(self):
        rule = self.Rule.create({"name": "Low margin", "condition": "margin_below",
                                 "margin_threshold": 20.0, "user_id": self.steward_a.id})
        self.product.standard_price = 45.0  # list 50: 10 % margin
        low = self._order()
        exc = self.env["sync.exception"]._raise_exception(
            "rejected", "WMS refused", model="sale.order", res_id=low.id, target=self.wms)
        self.assertEqual((exc.user_id, exc.rule_id), (self.steward_a, rule))
        self.assertIn(self.steward_a, self._activity_users(low))
        self.product.standard_price = 10.0  # 80 % margin
        high = self._order()
        exc = self.env["sync.exception"]._raise_exception(
            "rejected", "WMS refused", model="sale.order", res_id=high.id, target=self.wms)
        self.assertFalse(exc.user_id)
        self.assertAlmostEqual(self.Rule._order_margin_percent(high), 80.0)

    def test_substitution_to_team(self):
        self.Rule.create({"name": "Substitutions", "condition": "substitution",
                          "group_id": self.team.id})
        # steward_a already has an open exception: the team's least loaded member gets it
        self.env["sync.exception"].create({"category": "internal", "message": "x",
                                           "user_id": self.steward_a.id})
        order, picking = self._confirmed_order([(self.product, 3)])
        res = self._apply("shipment", self._shipment(picking.name, [
            {"sku": "SG-2", "quantity": 3, "substituted_for_sku": "SW-1"}]))
        exc = self.env["sync.exception"].browse(res["exception_ids"])
        self.assertEqual((exc.category, exc.reason_code), ("conflict", "substitution"))
        self.assertEqual(exc.user_id, self.steward_b)
        self.assertEqual(exc.assigned_group_id, self.team)
        self.assertIn(self.steward_b, self._activity_users(order))

    def test_credit_hold(self):
        self.Rule.create({"name": "Credit", "condition": "credit_hold",
                          "user_id": self.steward_b.id})
        self.customer.sync_credit_hold = True
        order = self._order()
        order.action_confirm()
        exc = self.env["sync.exception"].search([("category", "=", "credit_hold"),
                                                 ("res_id", "=", order.id)])
        self.assertEqual(exc.user_id, self.steward_b)

    def test_wms_status_and_order(self):
        self.Rule.create({"name": "Damaged", "sequence": 5, "condition": "wms_status",
                          "wms_statuses": "damaged, lost", "user_id": self.steward_a.id})
        self.Rule.create({"name": "Other fulfilment", "sequence": 10, "category": "fulfilment",
                          "user_id": self.steward_b.id})
        orders = []
        for reason in ("damaged", "weather"):
            order, _picking = self._confirmed_order([(self.product, 1)])
            res = self._apply("milestone", {
                "message_id": uuid.uuid4().hex, "source": "generic_wms",
                "order_ref": order.name, "milestone": "exception",
                "occurred_at": "2026-03-01 10:00:00", "reason": reason})
            self.assertEqual(res["status"], "applied", res)
            orders.append(order)
        excs = [self.env["sync.exception"].search([("category", "=", "fulfilment"),
                                                   ("res_id", "=", o.id)]) for o in orders]
        self.assertEqual(excs[0].user_id, self.steward_a)  # damaged: first rule
        self.assertEqual(excs[1].user_id, self.steward_b)  # category-only rule
        with self.assertRaises(ValidationError):
            self.Rule.create({"name": "Nobody", "condition": "none"})

    def test_unrouted_follow_up_gets_default_responsible(self):
        """No rule matches: a WMS hold and an inbound message Odoo could not apply still
        get an owner with a To Do (the order's salesperson, else the target's
        responsible, else a Sync manager); an outbound delivery failure does not (it
        resolves itself when the event is delivered)."""
        order, picking = self._confirmed_order([(self.product, 1)])
        order.user_id = self.steward_a
        res = self._apply("milestone", {
            "source": "generic_wms", "order_ref": order.name, "milestone": "on_hold",
            "occurred_at": "2026-03-02 10:00:00", "reason": "address_invalid"})
        hold = self.env["sync.exception"].search([
            ("model", "=", "sale.order"), ("res_id", "=", order.id), ("category", "=", "fulfilment")])
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual((hold.user_id, hold.rule_id.id), (self.steward_a, False))
        self.assertEqual(hold.activity_id.user_id, self.steward_a)
        self.assertIn(self.steward_a, self._activity_users(order))
        # a shipment of an unknown SKU: the inbound message is in exception, someone owns it
        self.wms.responsible_user_id = self.steward_b
        res = self._apply("shipment", self._shipment(picking.name, [{"sku": "NOPE-1", "quantity": 1}]))
        self.assertEqual(res["status"], "exception", res)
        inbound = self.env["sync.exception"].browse(res["exception_ids"])
        self.assertTrue(inbound.inbound_message_id)
        self.assertEqual(inbound.user_id, self.steward_a, "the order's salesperson first")
        self.assertTrue(inbound.activity_id)
        # an outbound failure: unassigned as before
        failure = self.env["sync.exception"]._raise_exception(
            "rejected", "WMS refused", model="sale.order", res_id=order.id, target=self.wms)
        self.assertFalse(failure.user_id)
