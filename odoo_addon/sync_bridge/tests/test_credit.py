# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import SyncBridgeCase


@tagged("post_install", "-at_install")
class TestCreditGating(SyncBridgeCase):
    def _credit_exceptions(self, order):
        return self.env["sync.exception"].search(
            [("model", "=", "sale.order"), ("res_id", "=", order.id),
             ("category", "=", "credit_hold")])

    def test_credit_hold_blocks_release_until_approved(self):
        self.customer.sync_credit_hold = True
        order = self._order()
        order.action_confirm()
        picking = order.picking_ids
        self.assertEqual(picking.state, "assigned")
        self.assertFalse(self._events(picking, self.wms), "held: not released")
        self.assertEqual(order.sync_credit_state, "hold")
        exc = self._credit_exceptions(order)
        self.assertEqual((exc.state, len(exc)), ("open", 1))
        # re-checking does not duplicate the exception
        picking._sync_release_ready()
        self.assertEqual(len(self._credit_exceptions(order)), 1)
        # the CRM status is not gated
        self.assertTrue(self._events(order, self.crm))
        # only a Sync manager may approve
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).action_sync_approve_credit()
        order.with_user(self.manager).action_sync_approve_credit()
        self.assertEqual(order.sync_credit_state, "approved")
        self.assertEqual(exc.state, "resolved")
        release = self._events(picking, self.wms)
        self.assertEqual(release.event_type, "release")

    def test_credit_hold_on_order_confirm_target(self):
        self.wms.release_on = "order_confirm"
        self.customer.sync_credit_hold = True
        order = self._order()
        order.action_confirm()
        self.assertFalse(self._events(order, self.wms))
        order.with_user(self.manager).action_sync_approve_credit()
        self.assertEqual(self._events(order, self.wms).event_type, "release")

    def test_credit_limit(self):
        self.company.account_use_credit_limit = True
        self.customer.with_company(self.company).credit_limit = 10.0
        order = self._order(qty=2.0)  # 100.0
        order.action_confirm()
        self.assertEqual(order.sync_credit_state, "hold")
        self.assertIn("credit limit", self._credit_exceptions(order).message)
        self.assertFalse(self._events(order.picking_ids, self.wms))

    def test_credit_limit_not_reached(self):
        self.company.account_use_credit_limit = True
        self.customer.with_company(self.company).credit_limit = 100000.0
        order = self._order()
        order.action_confirm()
        self.assertEqual(order.sync_credit_state, "none")
        self.assertTrue(self._events(order.picking_ids, self.wms))

    def test_gating_off(self):
        self.wms.credit_gating = False
        self.customer.sync_credit_hold = True
        order = self._order()
        order.action_confirm()
        self.assertTrue(self._events(order.picking_ids, self.wms))
        self.assertEqual(order.sync_credit_state, "none")

    def test_cancel_resolves_credit_hold(self):
        self.customer.sync_credit_hold = True
        order = self._order()
        order.action_confirm()
        order._action_cancel()
        self.assertEqual(self._credit_exceptions(order).state, "resolved")
