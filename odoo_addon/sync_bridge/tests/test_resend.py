# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .recon_common import ReconCase


@tagged("post_install", "-at_install")
class TestResend(ReconCase):
    """Resend of a delivered event (sync.event.action_resend) and of an order's
    release from an 'unacknowledged' open-orders exception."""

    # -- helpers -------------------------------------------------------------
    def _claim_one(self, record, event_type="release"):
        claimed = [c for c in self._claim([self.wms.code])
                   if c["model"] == record._name and c["res_id"] == record.id
                   and c["event_type"] == event_type]
        self.assertLessEqual(len(claimed), 1)
        return claimed[0] if claimed else None

    def _released_order(self, external_ref="SB-1"):
        """An order released on confirmation and delivered (done) with external_ref."""
        self.wms.release_on = "order_confirm"
        order = self._order()
        order.action_confirm()
        self._release_and_ack(order, external_ref=external_ref)
        done = self._events(order, self.wms, event_type="release")
        self.assertEqual(done.state, "done")
        return order, done

    def _notes(self, record):
        return record.message_ids.filtered(lambda m: "Resent to" in (m.body or ""))

    # -- the event action ------------------------------------------------------
    def test_resend_done_release(self):
        order, done = self._released_order()
        action = done.with_user(self.manager).action_resend()
        new = self._events(order, self.wms, event_type="release") - done
        self.assertEqual(len(new), 1, "exactly one new event")
        self.assertEqual(action["res_id"], new.id)
        self.assertEqual(done.state, "done", "the delivered event is left alone")
        self.assertEqual(new.state, "pending")
        self.assertEqual(new.attempts, 0)
        self.assertEqual(new.resend_of_id, done)
        self.assertEqual((new.target_id, new.model, new.res_id, new.event_type),
                         (done.target_id, done.model, done.res_id, done.event_type))
        self.assertEqual(new.aggregate_key, done.aggregate_key)
        self.assertNotEqual(new.idempotency_key, done.idempotency_key)
        self.assertEqual(new.external_ref, "SB-1", "the link's external id")
        self.assertEqual(len(self._notes(order)), 1)
        self.assertIn(self.manager.name, self._notes(order).body)
        self.assertIn(self.wms.name, self._notes(order).body)
        # the sidecar gets it with the external ref (it looks the order up first)
        claimed = self._claim_one(order)
        self.assertEqual(claimed["id"], new.id)
        self.assertEqual(claimed["external_ref"], "SB-1")
        self.assertEqual(claimed["idempotency_key"], new.idempotency_key)
        self.assertEqual(claimed["attempts"], 1)
        res = self.svc.sync_ack([self._item(claimed, external_ref="SB-2")])
        self.assertEqual(res["ok"], [new.id])
        link = self.env["sync.link"]._get(self.wms, "sale.order", order.id)
        self.assertEqual(link.external_id, "SB-2", "the re-created order's id")

    def test_resend_uses_current_link(self):
        order, done = self._released_order()
        self.env["sync.link"]._get(self.wms, "sale.order", order.id).external_id = "SB-9"
        done.with_user(self.manager).action_resend()
        new = self._events(order, self.wms, event_type="release", state="pending")
        self.assertEqual(new.external_ref, "SB-9")

    def test_resend_refusals(self):
        order, done = self._released_order()
        # not a manager
        for user in (self.salesman, self.service_user):
            with self.assertRaises(AccessError):
                done.with_user(user).action_resend()
        # a newer event of the same kind pending (the first resend)
        done.with_user(self.manager).action_resend()
        new = self._events(order, self.wms, event_type="release", state="pending")
        with self.assertRaisesRegex(UserError, "newer release event"):
            done.with_user(self.manager).action_resend()
        # not done
        with self.assertRaisesRegex(UserError, "only delivered"):
            new.with_user(self.manager).action_resend()
        self.assertEqual(len(self._events(order, self.wms, event_type="release")), 2)
        # delivered: the newer one is the one to resend
        claimed = self._claim_one(order)
        self.svc.sync_ack([self._item(claimed, external_ref="SB-1")])
        with self.assertRaisesRegex(UserError, "newer release event"):
            done.with_user(self.manager).action_resend()
        new.with_user(self.manager).action_resend()
        self.assertEqual(len(self._events(order, self.wms, event_type="release")), 3)

    def test_resend_refused_archived_target_or_record_gone(self):
        order, done = self._released_order()
        self.wms.active = False
        with self.assertRaisesRegex(UserError, "archived"):
            done.with_user(self.manager).action_resend()
        self.wms.active = True
        partner = self.env["res.partner"].create({"name": "Gone soon"})
        upsert = self._events(partner, self.crm, event_type="upsert")
        claimed = [c for c in self._claim([self.crm.code]) if c["id"] == upsert.id][0]
        self.svc.sync_ack([self._item(claimed, external_ref="C-1")])
        partner.unlink()
        with self.assertRaisesRegex(UserError, "no longer exists"):
            upsert.with_user(self.manager).action_resend()
        self.assertFalse(self._events(target=self.crm, state="pending", res_id=upsert.res_id))

    def test_resend_refused_amend_cancelled_or_shipped(self):
        order, done = self._released_order()
        order.order_line.product_uom_qty = 3
        amend = self._events(order, self.wms, event_type="amend")
        self.svc.sync_ack([self._item(self._claim_one(order, "amend"))])
        with self.assertRaisesRegex(UserError, "not resent"):
            amend.with_user(self.manager).action_resend()
        # shipped in Odoo: a resend would ship it again
        picking = order.picking_ids
        picking.move_ids.quantity = 3
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        with self.assertRaisesRegex(UserError, "already delivered"):
            done.with_user(self.manager).action_resend()
        # cancelled after release: a cancel event follows the release
        order2, done2 = self._released_order(external_ref="SB-2")
        order2._action_cancel()
        self.assertTrue(self._events(order2, self.wms, event_type="cancel"))
        with self.assertRaisesRegex(UserError, "cancelled at"):
            done2.with_user(self.manager).action_resend()
        self.assertFalse(self._events(order2, self.wms, event_type="release", state="pending"))

    # -- ordering ----------------------------------------------------------------
    def test_resend_never_overtakes_an_open_event_of_the_order(self):
        order, done = self._released_order()
        # an amendment the WMS refused: failed, it blocks the order's later events
        order.order_line.product_uom_qty = 3
        amend = self._events(order, self.wms, event_type="amend")
        self.svc.sync_nack([self._item(self._claim_one(order, "amend"), retryable=False,
                                       error_class="Rejected", error_message="no edit")])
        self.assertEqual(amend.state, "failed")
        done.with_user(self.manager).action_resend()
        resend = self._events(order, self.wms, event_type="release", state="pending")
        self.assertGreater(resend.id, amend.id)
        self.assertIsNone(self._claim_one(order), "queued behind the failed amendment")
        amend.with_user(self.manager).action_cancel()
        self.assertEqual(self._claim_one(order)["id"], resend.id)

    def test_amend_after_pending_resend_is_written_and_queued_after_it(self):
        order, done = self._released_order()
        done.with_user(self.manager).action_resend()
        resend = self._events(order, self.wms, event_type="release", state="pending")
        # the target may answer the resend with the order it has (found by reference):
        # a change made meanwhile still goes out, as an amendment after the resend
        order.order_line.product_uom_qty = 4
        amend = self._events(order, self.wms, event_type="amend")
        self.assertEqual(len(amend), 1)
        self.assertGreater(amend.id, resend.id)
        claimed = [c["id"] for c in self._claim([self.wms.code])]
        self.assertIn(resend.id, claimed)
        self.assertNotIn(amend.id, claimed, "the amendment waits for the resend")

    def test_cancel_drops_a_pending_resend(self):
        order, done = self._released_order()
        done.with_user(self.manager).action_resend()
        resend = self._events(order, self.wms, event_type="release", state="pending")
        order._action_cancel()
        self.assertEqual(resend.state, "cancelled", "not sent only to be cancelled")
        cancel = self._events(order, self.wms, event_type="cancel")
        self.assertEqual(cancel.state, "pending")
        self.assertEqual(self._claim_one(order, "cancel")["id"], cancel.id)

    # -- from the reconciliation exception -----------------------------------------
    def _unacknowledged(self, order, stage="unacknowledged"):
        run = self._start(job="open_orders")
        self.svc.sync_recon_lines(run.id, [{
            "key": "order:%s" % order.id, "outcome": "missing_in_target", "model": "sale.order",
            "res_id": order.id, "ref": order.name, "value_odoo": "sale", "value_target": "absent",
            "details": json.dumps({"stage": stage, "sla_event": "release", "sla_hours": 4}),
        }])
        self.svc.sync_recon_finish(run.id, "done", {})
        exc = self.env["sync.exception"].search([
            ("target_id", "=", self.wms.id), ("recon_key", "=", "order:%s" % order.id),
            ("state", "=", "open")])
        self.assertEqual(len(exc), 1)
        return exc

    def test_exception_resend_release_of_delivery(self):
        # release on picking ready: the release is the delivery's, the exception the order's
        order, picking = self._confirmed_order([(self.product, 2)])
        self._release_and_ack(picking, external_ref="WMS-7")
        done = self._events(picking, self.wms, event_type="release")
        exc = self._unacknowledged(order)
        self.assertTrue(exc.can_resend_release)
        self.assertEqual(exc.recon_stage, "unacknowledged")
        with self.assertRaises(AccessError):
            exc.with_user(self.salesman).action_resend_release()
        exc.with_user(self.manager).action_resend_release()
        new = self._events(picking, self.wms, event_type="release", state="pending")
        self.assertEqual(len(new), 1)
        self.assertEqual(new.resend_of_id, done)
        self.assertEqual(new.external_ref, "WMS-7")
        self.assertEqual(new.aggregate_key, "sale.order,%s" % order.id)
        self.assertEqual(exc.state, "open", "the next reconciliation closes it")
        self.assertTrue(exc.message_ids.filtered(lambda m: "Release resent" in (m.body or "")))
        self.assertEqual(len(self._notes(picking)), 1)
        with self.assertRaisesRegex(UserError, "newer release event"):
            exc.with_user(self.manager).action_resend_release()
        # delivered (the WMS has the order again): the next clean run closes the exception
        self.svc.sync_ack([self._item(self._claim_one(picking), external_ref="WMS-8")])
        run = self._start(job="open_orders")
        self.svc.sync_recon_finish(run.id, "done", {})
        self.assertEqual(exc.state, "resolved")
        self.assertFalse(exc.can_resend_release)

    def test_exception_resend_release_order_confirm_and_purged_event(self):
        order, done = self._released_order(external_ref="SB-5")
        exc = self._unacknowledged(order)
        done.sudo().unlink()  # purged after the retention: the link still says released
        exc.with_user(self.manager).action_resend_release()
        new = self._events(order, self.wms, event_type="release")
        self.assertEqual(len(new), 1)
        self.assertEqual((new.state, new.external_ref), ("pending", "SB-5"))
        self.assertFalse(new.resend_of_id)
        self.assertEqual(new.aggregate_key, "sale.order,%s" % order.id)

    def test_exception_resend_refused_for_other_stages(self):
        order, _done = self._released_order()
        exc = self._unacknowledged(order, stage="not_shipped")
        self.assertFalse(exc.can_resend_release)
        with self.assertRaisesRegex(UserError, "unacknowledged"):
            exc.with_user(self.manager).action_resend_release()
        self.assertFalse(self._events(order, self.wms, event_type="release", state="pending"))
