# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .common import SyncBridgeCase

FAR_PAST = "2000-01-01 00:00:00"


@tagged("post_install", "-at_install")
class TestInDoubt(SyncBridgeCase):
    """A request whose answer was lost may have created the record at the target: the event
    keeps `in_doubt` (18.0.1.13.0), handed to every later claim, so the sidecar looks the
    record up before creating it, whatever happens to the attempt count meanwhile."""

    def _nack(self, claimed, **extra):
        vals = dict(retryable=True, error_class="TransientError", error_message="timeout",
                    next_attempt_at=FAR_PAST)
        vals.update(extra)
        return self.svc.sync_nack([self._item(claimed, **vals)])

    def test_a_nack_in_doubt_is_kept_even_when_its_attempt_is_given_back(self):
        event = self.Event._enqueue(self.crm, "upsert", self.customer)
        c1 = self._claim([self.crm.code])[0]
        self.assertIs(c1["in_doubt"], False)
        # the POST timed out, the circuit opened on it and the look-up failed fast
        self._nack(c1, uncount_attempt=True, in_doubt=True)
        self.assertEqual((event.state, event.attempts, event.in_doubt), ("pending", 0, True))
        c2 = self._claim([self.crm.code])[0]
        self.assertEqual((c2["attempts"], c2["in_doubt"]), (1, True))
        # a later failure that reached nothing does not clear it
        self._nack(c2, uncount_attempt=True)
        self.assertTrue(event.in_doubt)

    def test_a_nack_not_in_doubt_leaves_the_event_clear(self):
        event = self.Event._enqueue(self.crm, "upsert", self.customer)
        self._nack(self._claim([self.crm.code])[0], uncount_attempt=True)
        self.assertFalse(event.in_doubt)
        self.assertIs(self._claim([self.crm.code])[0]["in_doubt"], False)

    def test_a_lease_given_back_in_doubt_or_expired_is_in_doubt(self):
        released = self.Event._enqueue(self.crm, "upsert", self.customer)
        c = self._claim([self.crm.code])[0]
        self.svc.sync_release("w1", [self._item(c, in_doubt=True)])
        self.assertTrue(released.in_doubt)
        calm = self.Event._enqueue(self.crm, "upsert", self.env["res.partner"].create({"name": "Calm"}))
        self.svc.sync_release("w1", [self._item(self._claim([self.crm.code])[-1])])
        self.assertFalse(calm.in_doubt, "given back unsent (a stop during the claim)")
        # a worker died holding a lease: reclaimed by another claim, or put back by the cron
        expired = self.Event._enqueue(self.wms, "upsert", self.customer)
        self._claim([self.wms.code])
        self.env.cr.execute(
            "UPDATE sync_event SET lease_expires_at = (now() at time zone 'utc') - interval '1 second'"
            " WHERE id = %s", (expired.id,))
        expired.invalidate_recordset()
        again = self._claim([self.wms.code], worker="w2")
        self.assertEqual([(x["id"], x["in_doubt"]) for x in again], [(expired.id, True)])
        cron = self.Event._enqueue(self.wms, "upsert", self.env["res.partner"].create({"name": "Cron"}))
        self._claim([self.wms.code])
        self.env.cr.execute(
            "UPDATE sync_event SET lease_expires_at = (now() at time zone 'utc') - interval '1 second'"
            " WHERE id = %s", (cron.id,))
        cron.invalidate_recordset()
        self.Event._cron_release_expired_leases()
        self.assertEqual((cron.state, cron.in_doubt), ("pending", True))

    def test_retry_of_a_dead_event_resets_the_attempts_but_keeps_it_in_doubt(self):
        dead = self.Event._enqueue(self.crm, "upsert", self.customer)
        self._nack(self._claim([self.crm.code])[0], retryable=False, dead=True)
        self.assertFalse(dead.in_doubt, "no flag from the nack: an event dead before 18.0.1.13.0")
        failed = self.Event._enqueue(self.wms, "upsert", self.customer)
        self._nack(self._claim([self.wms.code])[0], retryable=False, error_message="422 invalid zip")
        (dead | failed).action_retry()
        self.assertEqual((dead.state, dead.attempts, dead.in_doubt), ("pending", 0, True),
                         "dead of transient failures: any of them may have landed")
        self.assertEqual((failed.state, failed.attempts, failed.in_doubt), ("pending", 0, False),
                         "refused with an answer (4xx): nothing landed")
        claimed = {c["id"]: c for c in self._claim()}
        self.assertEqual((claimed[dead.id]["attempts"], claimed[dead.id]["in_doubt"]), (1, True))

    def test_cancel_of_a_release_in_doubt_sends_a_cancel(self):
        self.wms.release_on = "order_confirm"
        order = self._order()
        order.action_confirm()
        release = self._events(order, self.wms, event_type="release")
        self.assertEqual(len(release), 1)
        c = [x for x in self._claim([self.wms.code]) if x["id"] == release.id][0]
        self._nack(c, uncount_attempt=True, in_doubt=True)
        self.assertEqual((release.state, release.attempts), ("pending", 0))
        order._action_cancel()
        self.assertEqual(release.state, "pending", "the release may have landed: not dropped")
        self.assertEqual(len(self._events(order, self.wms, event_type="cancel")), 1,
                         "a cancel goes to the WMS")

    def test_cancel_of_a_release_never_tried_drops_it(self):
        self.wms.release_on = "order_confirm"
        order = self._order()
        order.action_confirm()
        release = self._events(order, self.wms, event_type="release")
        order._action_cancel()
        self.assertEqual(release.state, "cancelled")
        self.assertFalse(self._events(order, self.wms, event_type="cancel"))
