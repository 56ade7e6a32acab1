# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid

from odoo.tests import tagged

from .inbound_common import InboundCase


@tagged("post_install", "-at_install")
class TestO2cMilestone(InboundCase):
    def _milestone(self, ref, milestone, at, **extra):
        payload = {"message_id": uuid.uuid4().hex, "source": "generic_wms", "order_ref": ref,
                   "milestone": milestone, "occurred_at": at}
        payload.update(extra)
        return self._apply("milestone", payload)

    def test_sequence_timeline_and_status(self):
        order, picking = self._confirmed_order([(self.product, 2)])
        for milestone, at in (("accepted", "2026-03-01 08:00:00"),
                              ("allocated", "2026-03-01 08:05:00"),
                              ("packed", "2026-03-01 09:00:00")):
            res = self._milestone(picking.name, milestone, at)
            self.assertEqual(res["status"], "applied", res)
        # late, out-of-order message: in the timeline, not the latest status
        res = self._milestone(picking.name, "picked", "2026-03-01 08:30:00")
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(order.sync_milestone_ids.mapped("milestone"),
                         ["packed", "picked", "allocated", "accepted"])
        self.assertEqual(order.sync_fulfilment_status, "packed")
        self.assertEqual(order.sync_milestone_ids.picking_id, picking)
        # stored: searchable
        self.assertIn(order, self.env["sale.order"].search(
            [("sync_fulfilment_status", "=", "packed")]))
        # same reference again under a new message id: duplicate, nothing added
        res = self._milestone(picking.name, "packed", "2026-03-01 09:00:00")
        self.assertEqual(res["status"], "duplicate")
        self.assertEqual(len(order.sync_milestone_ids), 4)
        form = self.env["sale.order"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("sync_milestone_ids", form)
        self.assertIn("sync_fulfilment_status", form)

    def test_same_second_later_step_wins(self):
        """Two milestones with the same time arriving out of order (the polled
        "shipped" after the webhook's "delivered"): the status is the later step."""
        order, picking = self._confirmed_order([(self.product, 1)])
        self._milestone(order.name, "delivered", "2026-03-05 10:00:00")
        self._milestone(order.name, "shipped", "2026-03-05 10:00:00")
        self.assertEqual(order.sync_fulfilment_status, "delivered")
        self.assertEqual(order.sync_milestone_ids.mapped("milestone"), ["delivered", "shipped"],
                         "the timeline shows the later step first")
        self._milestone(order.name, "picked", "2026-03-05 10:00:01")
        self.assertEqual(order.sync_fulfilment_status, "picked", "a later time still wins")

    def test_delivered_proof_and_crm_status(self):
        order, picking = self._confirmed_order([(self.product, 1)])
        self._milestone(order.name, "shipped", "2026-03-02 10:00:00", carrier="UPS",
                        tracking_number="1Z1")
        self.Event.search([]).write({"state": "done"})
        res = self._milestone(order.name, "delivered", "2026-03-03 15:00:00", proof_of_delivery={
            "delivered_at": "2026-03-03 14:58:00", "carrier_event": "Delivered, Front Door",
            "signed_by": "J. Doe"})
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(order.sync_fulfilment_status, "delivered")
        self.assertEqual(str(order.sync_delivered_at), "2026-03-03 14:58:00")
        self.assertIn("Delivered, Front Door", order.sync_delivery_proof)
        delivered = order.sync_milestone_ids[0]
        self.assertEqual(delivered.carrier_event, "Delivered, Front Door")
        self.assertEqual(delivered.signed_by, "J. Doe")
        status = self._events(order, self.crm, event_type="status", state="pending")
        self.assertEqual(len(status), 1)
        # proof of delivery on another milestone is refused
        res = self._milestone(order.name, "shipped", "2026-03-04 10:00:00", proof_of_delivery={
            "delivered_at": "2026-03-04 10:00:00"})
        self.assertEqual(res["status"], "exception")

    def test_exception_milestone_and_unknown_order(self):
        order, _picking = self._confirmed_order([(self.product, 1)])
        res = self._milestone(order.name, "on_hold", "2026-03-02 10:00:00", reason="address_invalid")
        self.assertEqual(res["status"], "applied", res)
        exc = self.env["sync.exception"].search([("category", "=", "fulfilment"),
                                                 ("res_id", "=", order.id)])
        self.assertEqual((exc.state, exc.wms_status), ("open", "address_invalid"))
        res = self._milestone(order.name, "shipped", "2026-03-03 10:00:00")
        self.assertEqual(exc.state, "resolved")
        res = self._milestone("NOPE-ORDER", "shipped", "2026-03-03 10:00:00")
        self.assertEqual(res["status"], "exception")
        self.assertIn("order_ref", res["error"])
        res = self._milestone(order.name, "lost", "2026-03-03 10:00:00")
        self.assertEqual(res["status"], "rejected")
        self.assertIn("milestone: expected one of", res["error"])
