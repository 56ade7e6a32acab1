# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SyncBridgeCase


@tagged("post_install", "-at_install")
class TestReplay(SyncBridgeCase):
    def _failed_event(self, mapping_version="v1-hash"):
        event = self.Event._enqueue(self.crm, "upsert", self.customer)
        claimed = [c for c in self._claim([self.crm.code]) if c["id"] == event.id][0]
        self.assertFalse(claimed["replay_mapping_version"])
        self.svc.sync_nack([self._item(claimed, retryable=False, error_class="Rejected",
                                       error_message="nope", mapping_version=mapping_version)])
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.mapping_version, mapping_version)
        return event

    def test_replay_sent_pins_claim_returns_ack_clears(self):
        event = self._failed_event()
        event.with_user(self.manager).action_replay(mapping_version="sent")
        self.assertEqual(event.state, "pending")
        self.assertEqual(event.attempts, 0)
        self.assertEqual(event.replay_mapping_version, "v1-hash")
        claimed = [c for c in self._claim([self.crm.code]) if c["id"] == event.id][0]
        self.assertEqual(claimed["replay_mapping_version"], "v1-hash")
        # a retryable failure keeps the pin for the next attempt
        self.svc.sync_nack([self._item(claimed, retryable=True, error_class="Transient",
                                       error_message="503", next_attempt_at="2000-01-01 00:00:00",
                                       mapping_version="v1-hash")])
        self.assertEqual(event.replay_mapping_version, "v1-hash")
        again = [c for c in self._claim([self.crm.code]) if c["id"] == event.id][0]
        self.assertEqual(again["replay_mapping_version"], "v1-hash")
        res = self.svc.sync_ack([self._item(again, external_ref="C-1", mapping_version="v1-hash")])
        self.assertEqual(res["ok"], [event.id])
        self.assertEqual(event.state, "done")
        self.assertFalse(event.replay_mapping_version)
        self.assertEqual(event.mapping_version, "v1-hash")

    def test_replay_current_clears_pin(self):
        event = self._failed_event()
        event.with_user(self.manager).action_replay(mapping_version="sent")
        claimed = [c for c in self._claim([self.crm.code]) if c["id"] == event.id][0]
        self.svc.sync_nack([self._item(claimed, retryable=False, error_class="Rejected",
                                       error_message="again", category="mapping")])
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.replay_mapping_version, "v1-hash", "kept until done or replayed")
        event.with_user(self.manager).action_replay()  # default: current
        self.assertEqual(event.state, "pending")
        self.assertFalse(event.replay_mapping_version)
        claimed = [c for c in self._claim([self.crm.code]) if c["id"] == event.id][0]
        self.assertFalse(claimed["replay_mapping_version"])

    def test_replay_sent_merges_pin_into_pending_twin(self):
        event = self._failed_event()
        self.customer.write({"name": "Sync Customer 2"})  # a newer pending upsert
        twin = self._events(self.customer, self.crm, state="pending")
        self.assertEqual(len(twin), 1)
        event.with_user(self.manager).action_replay(mapping_version="sent")
        self.assertEqual(event.state, "cancelled")
        self.assertEqual(twin.replay_mapping_version, "v1-hash")

    def test_replay_refusals(self):
        event = self._failed_event(mapping_version=False)
        with self.assertRaises(UserError):
            event.with_user(self.manager).action_replay(mapping_version="sent")
        with self.assertRaises(UserError):
            event.with_user(self.manager).action_replay(mapping_version="v0")
        with self.assertRaises(AccessError):
            event.with_user(self.service_user).action_replay(mapping_version="current")
        self.assertEqual(event.state, "failed")
        event.with_user(self.manager).action_replay(mapping_version="current")
        self.assertEqual(event.state, "pending")

    def test_replay_over_rpc_signature(self):
        """The CLI calls action_replay(ids, mapping_version=...) over XML-RPC."""
        event = self._failed_event()
        self.env["sync.event"].with_user(self.manager).browse(event.ids).action_replay(
            **{"mapping_version": "sent"}
        )
        self.assertEqual(event.replay_mapping_version, "v1-hash")
