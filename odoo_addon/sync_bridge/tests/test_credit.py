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

    def test_credit_hold_lifted_releases_held_orders(self):
        self.customer.sync_credit_hold = True
        order = self._order()
        order.action_confirm()
        other = self._order()
        other.action_confirm()
        self.assertEqual((order.sync_credit_state, other.sync_credit_state), ("hold", "hold"))
        self.assertFalse(self._events(order.picking_ids, self.wms))
        self.customer.sync_credit_hold = False
        for o in order | other:
            self.assertEqual(o.sync_credit_state, "cleared")
            self.assertEqual(self._credit_exceptions(o).state, "resolved")
            self.assertEqual(self._events(o.picking_ids, self.wms).event_type, "release")
            self.assertIn("Credit hold lifted", o.message_ids[:1].body)
        # a second lift is a no-op: no second release, nothing re-opened
        self.customer.sync_credit_hold = False
        self.assertEqual(len(self._events(order.picking_ids, self.wms)), 1)

    def test_credit_limit_raised_releases_held_orders(self):
        self.company.account_use_credit_limit = True
        self.customer.with_company(self.company).credit_limit = 10.0
        order = self._order(qty=2.0)  # 100.0
        order.action_confirm()
        self.assertEqual(order.sync_credit_state, "hold")
        # still over the limit: nothing changes, the exception is not duplicated
        self.customer.with_company(self.company).credit_limit = 50.0
        self.assertEqual(order.sync_credit_state, "hold")
        self.assertEqual(len(self._credit_exceptions(order)), 1)
        self.assertFalse(self._events(order.picking_ids, self.wms))
        self.customer.with_company(self.company).credit_limit = 1000.0
        self.assertEqual(order.sync_credit_state, "cleared")
        self.assertEqual(self._credit_exceptions(order).state, "resolved")
        self.assertEqual(self._events(order.picking_ids, self.wms).event_type, "release")

    def test_cron_releases_when_exposure_drops(self):
        """No write on the partner: another order's cancellation lowers the
        exposure; the hourly cron finds the held order."""
        self.company.account_use_credit_limit = True
        self.customer.with_company(self.company).credit_limit = 150.0
        first = self._order(qty=2.0)  # 100.0
        first.action_confirm()
        self.assertEqual(first.sync_credit_state, "none")
        second = self._order(qty=2.0)  # 100 + 100 > 150
        second.action_confirm()
        self.assertEqual(second.sync_credit_state, "hold")
        Order = self.env["sale.order"]
        self.assertEqual(Order._cron_sync_recheck_credit(), 0, "still over the limit")
        first._action_cancel()
        self.assertEqual(Order._cron_sync_recheck_credit(), 1)
        self.assertEqual(second.sync_credit_state, "cleared")
        self.assertEqual(self._credit_exceptions(second).state, "resolved")
        self.assertEqual(self._events(second.picking_ids, self.wms).event_type, "release")
        self.assertEqual(Order._cron_sync_recheck_credit(), 0, "nothing left on hold")

    def test_approved_and_cancelled_orders_are_not_rechecked(self):
        self.customer.sync_credit_hold = True
        approved = self._order()
        approved.action_confirm()
        approved.with_user(self.manager).action_sync_approve_credit()
        cancelled = self._order()
        cancelled.action_confirm()
        cancelled._action_cancel()
        self.customer.sync_credit_hold = False
        self.assertEqual(approved.sync_credit_state, "approved")
        self.assertEqual(cancelled.sync_credit_state, "hold")
        self.assertFalse(self._events(cancelled.picking_ids, self.wms).filtered(
            lambda e: e.event_type == "release"))
