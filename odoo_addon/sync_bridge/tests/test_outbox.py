# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SyncBridgeCase


@tagged("post_install", "-at_install")
class TestOutbox(SyncBridgeCase):
    def test_event_written_in_same_transaction(self):
        """Rolling back the business change removes its event."""
        with self.assertRaises(ValueError), self.env.cr.savepoint():
            partner = self.env["res.partner"].create({"name": "Rolled Back"})
            self.assertEqual(len(self._events(partner, self.crm)), 1)
            partner_id = partner.id
            raise ValueError("rollback")
        self.env.invalidate_all()
        self.assertFalse(
            self.Event.search([("model", "=", "res.partner"), ("res_id", "=", partner_id)])
        )

    def test_coalescing_same_transaction(self):
        partner = self.env["res.partner"].create({"name": "Coalesce"})
        partner.write({"phone": "+32 2 000 00 00"})
        partner.write({"email": "c@example.com"})
        partner.write({"comment": "not a synced field"})
        events = self._events(partner, self.crm)
        self.assertEqual(len(events), 1)
        self.assertEqual(events.state, "pending")
        self.assertEqual(events.event_type, "upsert")
        self.assertEqual(events.change_count, 3)
        self.assertEqual(events.aggregate_key, f"res.partner,{partner.id}")

    def test_no_coalescing_into_claimed_event(self):
        partner = self.env["res.partner"].create({"name": "Claimed"})
        claimed = self._claim([self.crm.code])
        self.assertIn(partner.id, [c["res_id"] for c in claimed if c["model"] == "res.partner"])
        partner.write({"name": "Claimed, renamed"})
        events = self._events(partner, self.crm)
        self.assertEqual(events.mapped("state"), ["in_progress", "pending"])

    def test_partial_unique_index_enforced(self):
        event = self.Event._enqueue(self.crm, "upsert", self.customer)
        with self.assertRaisesRegex(IntegrityError, "sync_event_pending_uniq"), \
                mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute(
                """INSERT INTO sync_event (target_id, event_type, model, res_id, aggregate_key,
                       idempotency_key, state, attempts, change_count, priority)
                   VALUES (%s, 'upsert', 'res.partner', %s, 'x', 'dup-key', 'pending', 0, 1, 30)""",
                (self.crm.id, self.customer.id),
            )
        self.assertEqual(event.state, "pending")

    def test_idempotency_keys_unique_and_stable(self):
        e1 = self.Event._enqueue(self.crm, "upsert", self.customer)
        e2 = self.Event._enqueue(self.crm, "upsert", self.customer)
        self.assertEqual(e1, e2)
        e3 = self.Event._enqueue(self.crm, "status", self.customer)
        self.assertNotEqual(e1.idempotency_key, e3.idempotency_key)

    def test_skip_context(self):
        partner = self.env["res.partner"].with_context(sync_bridge_skip=True).create(
            {"name": "Skipped"}
        )
        self.assertFalse(self._events(partner))

    def test_cron_release_expired_leases_and_purge(self):
        event = self.Event._enqueue(self.crm, "upsert", self.customer)
        self._claim([self.crm.code])
        self.env.cr.execute(
            "UPDATE sync_event SET lease_expires_at = (now() at time zone 'utc') - interval '1 hour'"
            " WHERE id = %s",
            (event.id,),
        )
        event.invalidate_recordset()
        self.Event._cron_release_expired_leases()
        self.assertEqual(event.state, "pending")
        self.assertEqual(event.attempts, 1)
        event.write({"state": "done", "done_at": "2000-01-01 00:00:00"})
        self.Event._cron_purge_done()
        self.assertFalse(event.exists())
