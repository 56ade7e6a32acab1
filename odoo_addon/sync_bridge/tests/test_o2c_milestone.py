# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid

from odoo.tests import tagged

from .common import run_migration
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

    def test_same_second_hold_against_steps(self):
        """A hold reported in the same second as another milestone: after the warehouse steps
        before shipping, before shipped and delivered, whatever the arrival order; its release
        (resumed) after the hold, before shipped and delivered."""
        at = "2026-03-06 10:00:00"
        cases = [
            (("on_hold", "delivered"), "delivered"),
            (("delivered", "on_hold"), "delivered"),
            (("exception", "shipped"), "shipped"),
            (("on_hold", "accepted"), "on_hold"),
            (("packed", "exception"), "exception"),
            (("exception", "picked"), "exception"),
            (("exception", "on_hold"), "on_hold"),
            (("on_hold", "resumed"), "resumed"),
            (("resumed", "on_hold"), "resumed"),
            (("exception", "resumed"), "resumed"),
            (("resumed", "packed"), "resumed"),
            (("resumed", "shipped"), "shipped"),
            (("delivered", "resumed"), "delivered"),
        ]
        for sequence, expected in cases:
            with self.subTest(sequence=sequence):
                order, _picking = self._confirmed_order([(self.product, 1)])
                for milestone in sequence:
                    res = self._milestone(order.name, milestone, at, **(
                        {"reason": "AddressValidation"} if milestone in ("on_hold", "exception")
                        else {}))
                    self.assertEqual(res["status"], "applied", res)
                self.assertEqual(order.sync_fulfilment_status, expected)
                self.assertEqual(order.sync_milestone_ids[0].milestone, expected,
                                 "the timeline shows the later one first")
                held = self.env["sync.exception"].search([
                    ("category", "=", "fulfilment"), ("model", "=", "sale.order"),
                    ("res_id", "=", order.id), ("state", "=", "open")])
                self.assertEqual(bool(held), expected in ("on_hold", "exception"),
                                 "an open fulfilment exception only while the order is held")

    def test_migration_recomputes_steps_and_status(self):
        """18.0.1.5.0 post-migration: milestones stored with the old steps (holds last) get the
        new ones, and the orders' status follows."""
        order, _picking = self._confirmed_order([(self.product, 1)])
        self._milestone(order.name, "on_hold", "2026-03-07 10:00:00", reason="AddressValidation")
        self._milestone(order.name, "delivered", "2026-03-07 10:00:00")
        self.env.flush_all()
        # What 18.0.1.4.0 stored: on_hold step 7, delivered 5, and the order on hold.
        self.env.cr.execute(
            "UPDATE sync_milestone SET step = CASE milestone WHEN 'on_hold' THEN 7 ELSE 5 END "
            "WHERE order_id = %s", (order.id,))
        self.env.cr.execute(
            "UPDATE sale_order SET sync_fulfilment_status = 'on_hold' WHERE id = %s", (order.id,))
        self.env.invalidate_all()
        self.assertEqual(order.sync_fulfilment_status, "on_hold")
        self._run_migration("18.0.1.5.0", "18.0.1.4.0")
        self.env.invalidate_all()
        # the steps of today (STEPS): delivered moved up again in 18.0.1.6.0
        self.assertEqual(sorted(order.sync_milestone_ids.mapped("step")), [5, 8])
        self.assertEqual(order.sync_milestone_ids.filtered(
            lambda m: m.milestone == "delivered").step, 8)
        self.assertEqual(order.sync_fulfilment_status, "delivered")

    def _run_migration(self, version, from_version):
        # "18.0.1.6.0" -> release "1.6.0" of whatever series the module was written for
        run_migration(self.env, version.split(".", 2)[2], from_version and from_version.split(".", 2)[2])

    def test_migration_1_6_recomputes_steps_and_status(self):
        """18.0.1.6.0 post-migration: resumed comes after the holds, so shipped and delivered
        moved one step up; milestones stored with the 18.0.1.5.0 steps get the new ones, and
        the orders' status is recomputed."""
        order, _picking = self._confirmed_order([(self.product, 1)])
        other, _picking = self._confirmed_order([(self.product, 1)])
        at = "2026-03-08 10:00:00"
        for milestone in ("packed", "on_hold", "shipped", "delivered"):
            self._milestone(order.name, milestone, at)
        self._milestone(other.name, "exception", at, reason="Damaged")
        self.env.flush_all()
        # What 18.0.1.5.0 stored: shipped 6, delivered 7; a status out of date on both orders.
        self.env.cr.execute(
            "UPDATE sync_milestone SET step = CASE milestone WHEN 'shipped' THEN 6 "
            "WHEN 'delivered' THEN 7 ELSE step END WHERE order_id = %s", (order.id,))
        self.env.cr.execute(
            "UPDATE sync_milestone SET step = 0 WHERE order_id = %s", (other.id,))
        self.env.cr.execute(
            "UPDATE sale_order SET sync_fulfilment_status = 'shipped', sync_fulfilment_at = NULL "
            "WHERE id IN %s", ((order.id, other.id),))
        self.env.invalidate_all()
        self.assertEqual(order.sync_milestone_ids.filtered(
            lambda m: m.milestone == "delivered").step, 7)
        self._run_migration("18.0.1.6.0", "18.0.1.5.0")
        self.env.invalidate_all()
        self.assertEqual({m.milestone: m.step for m in order.sync_milestone_ids},
                         {"packed": 3, "on_hold": 5, "shipped": 7, "delivered": 8})
        self.assertEqual(other.sync_milestone_ids.step, 4)
        self.assertEqual(order.sync_fulfilment_status, "delivered")
        self.assertEqual(str(order.sync_fulfilment_at), at)
        self.assertEqual(other.sync_fulfilment_status, "exception")
        self.assertEqual(order.sync_milestone_ids.mapped("milestone"),
                         ["delivered", "shipped", "on_hold", "packed"])
        # a fresh install (no version) does nothing
        self.env.cr.execute("UPDATE sync_milestone SET step = 0 WHERE order_id = %s",
                            (order.id,))
        self.env.invalidate_all()
        self._run_migration("18.0.1.6.0", False)
        self.env.invalidate_all()
        self.assertEqual(set(order.sync_milestone_ids.mapped("step")), {0})

    def _fulfilment_exceptions(self, order):
        return self.env["sync.exception"].search([
            ("category", "=", "fulfilment"), ("model", "=", "sale.order"),
            ("res_id", "=", order.id)])

    def test_resumed_releases_hold(self):
        """The WMS releases a hold: resumed is the order's status, its fulfilment exception
        is resolved, the CRM gets the status, and the message says so."""
        for hold in ("on_hold", "exception"):
            with self.subTest(hold=hold):
                order, _picking = self._confirmed_order([(self.product, 1)])
                self._milestone(order.name, "picked", "2026-03-09 08:00:00")
                res = self._milestone(order.name, hold, "2026-03-09 09:00:00",
                                      reason="AddressValidation")
                self.assertEqual(res["status"], "applied", res)
                exc = self._fulfilment_exceptions(order)
                self.assertEqual(exc.state, "open")
                self.Event.search([]).write({"state": "done"})
                res = self._milestone(order.name, "resumed", "2026-03-09 11:30:00",
                                      reason="Processing")
                self.assertEqual(res["status"], "applied", res)
                self.assertEqual(order.sync_fulfilment_status, "resumed")
                self.assertEqual(order.sync_milestone_ids[0].milestone, "resumed")
                self.assertEqual(order.sync_milestone_ids[0].reason, "Processing")
                self.assertEqual(order.sync_milestone_ids[0].step, 6)
                self.assertEqual(exc.state, "resolved")
                self.assertTrue(exc.resolved_at)
                self.assertEqual(self._fulfilment_exceptions(order), exc, "no new exception")
                message = self._message(res)
                self.assertIn("Hold released: 1 exception(s) resolved.", message.result_summary)
                self.assertIn(("sync.exception", exc.id, "exception resolved"), [
                    (r.model, r.res_id, r.role) for r in message.record_ids])
                self.assertEqual(len(self._events(order, self.crm, event_type="status",
                                                  state="pending")), 1,
                                 "the status change reaches the CRM")
                # the warehouse goes on
                self._milestone(order.name, "picked", "2026-03-09 12:00:00")
                self.assertEqual(order.sync_fulfilment_status, "picked")
                self.assertEqual(exc.state, "resolved")

    def test_resumed_older_than_status(self):
        """A release older than the order's status (late poll) only enters the timeline."""
        order, _picking = self._confirmed_order([(self.product, 1)])
        self._milestone(order.name, "on_hold", "2026-03-10 09:00:00", reason="Fraud")
        self._milestone(order.name, "shipped", "2026-03-10 12:00:00")
        exc = self._fulfilment_exceptions(order)
        self.assertEqual(exc.state, "resolved")
        resolved_at = exc.resolved_at
        res = self._milestone(order.name, "resumed", "2026-03-10 11:00:00")
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(order.sync_fulfilment_status, "shipped")
        self.assertEqual(order.sync_milestone_ids.mapped("milestone"),
                         ["shipped", "resumed", "on_hold"])
        self.assertEqual(self._fulfilment_exceptions(order), exc)
        self.assertEqual((exc.state, exc.resolved_at), ("resolved", resolved_at))
        self.assertIn("older than the order's status", self._message(res).result_summary)
        # held again later: a release older than that hold leaves it open
        self._milestone(order.name, "exception", "2026-03-10 14:00:00", reason="Damaged")
        held = self._fulfilment_exceptions(order).filtered(lambda e: e.state == "open")
        self.assertEqual(len(held), 1)
        res = self._milestone(order.name, "resumed", "2026-03-10 13:00:00")
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(order.sync_fulfilment_status, "exception")
        self.assertEqual(held.state, "open")
        self.assertIn("older than the order's status", self._message(res).result_summary)

    def test_resumed_without_hold(self):
        """The WMS may report a release Odoo saw no hold for: recorded, no error."""
        order, _picking = self._confirmed_order([(self.product, 1)])
        self._milestone(order.name, "allocated", "2026-03-11 08:00:00")
        res = self._milestone(order.name, "resumed", "2026-03-11 09:00:00")
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(order.sync_fulfilment_status, "resumed")
        self.assertEqual(order.sync_milestone_ids.mapped("milestone"), ["resumed", "allocated"])
        self.assertFalse(self._fulfilment_exceptions(order))
        summary = self._message(res).result_summary
        self.assertIn("%s was not on hold" % order.name, summary)
        self.assertNotIn("Hold released:", summary)

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
