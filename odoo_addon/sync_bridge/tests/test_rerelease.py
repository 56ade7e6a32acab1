# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .recon_common import ReconCase


@tagged("post_install", "-at_install")
class TestRerelease(ReconCase):
    """An order cancelled after its release, set back to quotation and confirmed
    again is released again, under a new WMS reference (the WMS keeps the
    cancelled order under the first one)."""

    def setUp(self):
        super().setUp()
        self.wms.release_on = "order_confirm"

    def _released(self):
        order = self._order()
        order.action_confirm()
        self._release_and_ack(order, external_ref="SB-1")
        return order

    def _claim_for(self, order):
        return [c for c in self._claim([self.wms.code])
                if c["model"] == "sale.order" and c["res_id"] == order.id]

    def _ack_all(self, claimed):
        self.svc.sync_ack([self._item(c) for c in claimed])

    def test_first_release_uses_the_order_number(self):
        order = self._order()
        self.assertEqual(order.sync_wms_ref, order.name)
        self.assertEqual(order.sync_release_round, 0)

    def test_cancel_then_confirm_again_releases_under_a_new_reference(self):
        order = self._released()
        order._action_cancel()
        cancel = self._events(order, self.wms, event_type="cancel")
        self.assertEqual(len(cancel), 1)
        order.action_draft()
        order.action_confirm()
        releases = self._events(order, self.wms, event_type="release")
        self.assertEqual(len(releases), 2, "a second release event")
        self.assertEqual(releases[1].state, "pending")
        self.assertEqual(order.sync_release_round, 1)
        self.assertEqual(order.sync_wms_ref, f"{order.name}-2")
        self.assertIn("Released again", order.message_ids[:1].body)
        self.assertIn(f"{order.name}-2", order.message_ids[:1].body)
        # the new release waits behind the cancel (one aggregate, strictly in order)
        claimed = self._claim_for(order)
        self.assertEqual([c["event_type"] for c in claimed], ["cancel"])
        self._ack_all(claimed)
        claimed = self._claim_for(order)
        self.assertEqual([c["event_type"] for c in claimed], ["release"])
        self.assertEqual(claimed[0]["id"], releases[1].id)
        self._ack_all(claimed)
        # reconciliation looks the live order up under the new reference
        res = self.svc.sync_recon_open_orders(self.wms.code, 0, 500)
        item = {i["order_id"]: i for i in res["items"]}[order.id]
        self.assertEqual(item["ref_sent"], f"{order.name}-2")
        # a third round after another cancel
        order._action_cancel()
        self._ack_all(self._claim_for(order))
        order.action_draft()
        order.action_confirm()
        self.assertEqual(order.sync_wms_ref, f"{order.name}-3")
        self.assertEqual(len(self._events(order, self.wms, event_type="release")), 3)

    def test_confirm_again_without_a_sent_cancel_does_not_release_twice(self):
        """Cancelled before the release went out: the release was dropped, the
        new confirmation releases under the plain order number."""
        order = self._order()
        order.action_confirm()
        order._action_cancel()
        self.assertEqual(self._events(order, self.wms, event_type="release").state, "cancelled")
        self.assertFalse(self._events(order, self.wms, event_type="cancel"))
        order.action_draft()
        order.action_confirm()
        live = self._events(order, self.wms, event_type="release").filtered(
            lambda e: e.state != "cancelled")
        self.assertEqual(len(live), 1)
        self.assertEqual(order.sync_release_round, 0)
        self.assertEqual(order.sync_wms_ref, order.name)

    def test_cancel_of_a_rerelease_not_sent_yet_drops_it(self):
        """Released, cancelled (sent), confirmed again, cancelled again before
        the new release went out: the pending release is dropped and no second
        cancel is written for it."""
        order = self._released()
        order._action_cancel()
        self._ack_all(self._claim_for(order))
        order.action_draft()
        order.action_confirm()
        order._action_cancel()
        releases = self._events(order, self.wms, event_type="release")
        self.assertEqual(releases.mapped("state"), ["done", "cancelled"])
        self.assertEqual(len(self._events(order, self.wms, event_type="cancel")), 1,
                         "no cancel for a release that never went out")

    def test_a_delivered_release_is_not_released_again_on_a_plain_write(self):
        order = self._released()
        order._sync_enqueue_release()
        self.assertEqual(len(self._events(order, self.wms, event_type="release")), 1)
        self.assertEqual(order.sync_release_round, 0)
