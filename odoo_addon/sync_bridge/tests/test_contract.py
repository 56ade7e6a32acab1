# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import xmlrpc.client

from odoo import release
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import SyncBridgeCase

SPECS = {
    "sale.order": {
        "name": {},
        "date_order": {},
        "commitment_date": {},
        "partner_id": {"fields": {"name": {}, "email": {}}},
        "order_line": {"fields": {"product_id": {"fields": {"default_code": {}}},
                                  "product_uom_qty": {}}},
    },
    "stock.picking": {
        "name": {},
        "scheduled_date": {},
        "partner_id": {"fields": {"name": {}, "country_id": {"fields": {"code": {}}}}},
        "move_ids": {"fields": {"product_id": {"fields": {"default_code": {}}},
                                "product_uom_qty": {}, "product_uom": {"fields": {"name": {}}}}},
    },
    "res.partner": {"name": {}, "email": {}, "vat": {}},
}


@tagged("post_install", "-at_install")
class TestContract(SyncBridgeCase):
    def test_contract_info(self):
        info = self.svc.sync_contract_info()
        self.assertEqual(info["contract_version"], "1")
        self.assertTrue(info["module_version"].startswith(release.major_version + "."))
        self.assertIn({"code": "wms_test", "kind": "wms", "name": "Test WMS", "active": True},
                      info["targets"])

    def test_claim_payload_is_rpc_safe(self):
        order = self._order()
        order.action_confirm()
        claimed = self._claim(specs=SPECS)
        by_model = {c["model"]: c for c in claimed}
        picking = by_model["stock.picking"]
        self.assertEqual(picking["target"], "wms_test")
        self.assertEqual(picking["event_type"], "release")
        self.assertEqual(picking["aggregate_key"], f"sale.order,{order.id}")
        self.assertEqual(picking["attempts"], 1)
        self.assertEqual(picking["record"]["name"], order.picking_ids.name)
        self.assertEqual(picking["record"]["move_ids"][0]["product_id"]["default_code"], "SW-1")
        self.assertRegex(picking["lease_expires_at"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        self.assertEqual(by_model["sale.order"]["record"]["partner_id"]["name"], "Sync Customer")
        # no None anywhere: XML-RPC must be able to marshal the result
        xmlrpc.client.dumps((claimed,), allow_none=False)
        json.dumps(claimed)

    def test_claim_deleted_record(self):
        partner = self.env["res.partner"].create({"name": "Gone"})
        partner.unlink()
        claimed = self._claim([self.crm.code], specs=SPECS)
        gone = [c for c in claimed if c["res_id"] == partner.id]
        self.assertEqual(gone[0]["record"], False)

    def test_claim_validation(self):
        with self.assertRaises(ValidationError):
            self.svc.sync_claim("w1", ["nope"], 10, 60, {})
        with self.assertRaises(ValidationError):
            self.svc.sync_claim("", ["wms_test"], 10, 60, {})
        self.Event._enqueue(self.crm, "upsert", self.customer)
        with self.assertRaises(ValidationError):
            self.svc.sync_claim("w1", ["crm_test"], 10, 60,
                                {"res.partner": {"name": {}, "country_id": {"fields": {"nope": {}}}}})
        self.assertEqual(self._events(self.customer, self.crm, state="pending").attempts, 0)

    def test_per_aggregate_ordering(self):
        order = self._order()
        picking_a = self.Event._enqueue(self.wms, "release", order, f"sale.order,{order.id}")
        picking_b = self.Event._enqueue(self.wms, "amend", order, f"sale.order,{order.id}")
        other = self.Event._enqueue(self.wms, "upsert", self.customer)
        claimed = self._claim([self.wms.code])
        ids = [c["id"] for c in claimed]
        self.assertIn(picking_a.id, ids)
        self.assertIn(other.id, ids, "other aggregates run in parallel")
        self.assertNotIn(picking_b.id, ids, "younger event of the aggregate must wait")
        first = next(c for c in claimed if c["id"] == picking_a.id)
        # failed older event still blocks
        self.svc.sync_nack([self._item(first, retryable=False, error_class="Rejected",
                                       error_message="nope")])
        self.assertFalse([c for c in self._claim([self.wms.code]) if c["id"] == picking_b.id])
        picking_a.with_user(self.manager).action_retry()
        again = self._claim([self.wms.code])
        self.assertEqual([c["id"] for c in again], [picking_a.id])
        self.svc.sync_ack([self._item(again[0])])
        self.assertEqual([c["id"] for c in self._claim([self.wms.code])], [picking_b.id])

    def test_lease_expiry_reclaim_and_late_ack(self):
        event = self.Event._enqueue(self.crm, "upsert", self.customer)
        first = self._claim([self.crm.code], worker="w1")
        self.assertEqual([c["id"] for c in first], [event.id])
        self.assertFalse(self._claim([self.crm.code], worker="w2"), "leased: not handed out")
        self.env.cr.execute(
            "UPDATE sync_event SET lease_expires_at = (now() at time zone 'utc') - interval '1 second'"
            " WHERE id = %s", (event.id,))
        event.invalidate_recordset()
        second = self._claim([self.crm.code], worker="w2")
        self.assertEqual([c["id"] for c in second], [event.id])
        self.assertEqual(second[0]["attempts"], 2)
        self.assertNotEqual(first[0]["lease_token"], second[0]["lease_token"])
        late = self.svc.sync_ack([self._item(first[0])])
        self.assertEqual(late, {"ok": [], "refused": [{"id": event.id, "reason": "lease_lost"}]})
        self.assertEqual(event.state, "in_progress")
        self.assertEqual(event.lease_owner, "w2")
        ok = self.svc.sync_ack([self._item(second[0], external_ref="CRM-1")])
        self.assertEqual(ok, {"ok": [event.id], "refused": []})
        self.assertEqual(event.state, "done")
        # a repeated ack with the same token is idempotent
        self.assertEqual(self.svc.sync_ack([self._item(second[0])])["ok"], [event.id])

    def test_ack_links_and_chatter(self):
        partner = self.env["res.partner"].create({"name": "Linked"})
        claimed = self._claim([self.crm.code])
        item = next(c for c in claimed if c["res_id"] == partner.id)
        msgs = len(partner.message_ids)
        res = self.svc.sync_ack([self._item(item, external_ref="C-42", mapping_version="m7",
                                            links=[{"model": "res.country", "res_id": 21,
                                                    "external_id": "BE"}])])
        self.assertEqual(res["ok"], [item["id"]])
        link = self.env["sync.link"].search([("model", "=", "res.partner"),
                                             ("res_id", "=", partner.id)])
        self.assertEqual(link.external_id, "C-42")
        self.assertEqual(link.sync_status, "synced")
        self.assertTrue(self.env["sync.link"].search([("model", "=", "res.country"),
                                                      ("external_id", "=", "BE")]))
        self.assertEqual(len(partner.message_ids), msgs + 1)
        partner.invalidate_recordset()
        self.assertEqual(partner.sync_status, "synced")
        # the next event for the partner carries the known external ref
        partner.write({"name": "Linked 2"})
        nxt = [c for c in self._claim([self.crm.code]) if c["res_id"] == partner.id][0]
        self.assertEqual(nxt["external_ref"], "C-42")
        self.svc.sync_ack([self._item(nxt)])
        self.assertEqual(len(partner.message_ids), msgs + 1, "still synced: no new message")
        # reverse uniqueness: another record cannot take the same external id
        other = self.env["res.partner"].create({"name": "Other"})
        oc = [c for c in self._claim([self.crm.code]) if c["res_id"] == other.id][0]
        res = self.svc.sync_ack([self._item(oc, external_ref="C-42")])
        self.assertEqual(res["refused"], [{"id": oc["id"], "reason": "link_conflict"}])

    def test_nack_state_machine(self):
        partner = self.env["res.partner"].create({"name": "Nacked"})
        msgs = len(partner.message_ids)
        claim = lambda: [c for c in self._claim([self.crm.code]) if c["res_id"] == partner.id]
        c1 = claim()[0]
        # retryable: back to pending, in the future, no exception, no chatter
        res = self.svc.sync_nack([self._item(c1, retryable=True, error_class="Timeout",
                                             error_message="timed out")])
        self.assertEqual(res["ok"], [c1["id"]])
        event = self.Event.browse(c1["id"])
        self.assertEqual(event.state, "pending")
        self.assertGreater(event.next_attempt_at, self.env.cr.now())
        self.assertFalse(claim(), "not due yet")
        self.assertFalse(event.exception_ids)
        # explicit next_attempt_at in the past: due again
        event.next_attempt_at = "2000-01-01 00:00:00"
        c2 = claim()[0]
        self.assertEqual(c2["attempts"], 2)
        # not retryable: failed + exception + one chatter message
        self.svc.sync_nack([self._item(c2, retryable=False, error_class="Validation",
                                       error_message="bad vat", error_details={"field": "vat"},
                                       category="validation")])
        self.assertEqual(event.state, "failed")
        exc = self.env["sync.exception"].search([("model", "=", "res.partner"),
                                                 ("res_id", "=", partner.id)])
        self.assertEqual((exc.category, exc.state, exc.occurrences), ("validation", "open", 1))
        self.assertIn('"field": "vat"', exc.details)
        self.assertEqual(len(partner.message_ids), msgs + 1)
        partner.invalidate_recordset()
        self.assertEqual(partner.sync_status, "failed")
        # retry from the exception, fail again: same exception, no new message
        exc.with_user(self.manager).action_retry()
        self.assertEqual(event.state, "pending")
        self.assertEqual(event.attempts, 0)
        c3 = claim()[0]
        self.svc.sync_nack([self._item(c3, retryable=False, error_class="Validation",
                                       error_message="bad vat again", category="validation")])
        self.assertEqual(exc.occurrences, 2)
        self.assertEqual(self.env["sync.exception"].search_count(
            [("model", "=", "res.partner"), ("res_id", "=", partner.id)]), 1)
        self.assertEqual(len(partner.message_ids), msgs + 1)
        # dead
        exc.with_user(self.manager).action_retry()
        c4 = claim()[0]
        self.svc.sync_nack([self._item(c4, dead=True, error_class="Unavailable",
                                       error_message="down for days")])
        self.assertEqual(event.state, "dead")
        dead_exc = self.env["sync.exception"].search([("model", "=", "res.partner"),
                                                      ("res_id", "=", partner.id),
                                                      ("category", "=", "unavailable")])
        self.assertEqual(dead_exc.state, "open")
        # success resolves the exceptions and posts one message
        dead_exc.with_user(self.manager).action_retry()
        c5 = claim()[0]
        self.svc.sync_ack([self._item(c5)])
        self.assertEqual(set((exc | dead_exc).mapped("state")), {"resolved"})
        self.assertEqual(len(partner.message_ids), msgs + 2)
        # ack/nack of a done event with a stale token
        self.assertEqual(self.svc.sync_nack([self._item(c4, retryable=True)])["refused"],
                         [{"id": event.id, "reason": "lease_lost"}])
        self.assertEqual(self.svc.sync_ack([{"id": 999999999, "lease_token": "x"}])["refused"],
                         [{"id": 999999999, "reason": "unknown_event"}])

    def test_requeue_merges_into_newer_pending_twin(self):
        partner = self.env["res.partner"].create({"name": "Twin"})
        c1 = [c for c in self._claim([self.crm.code]) if c["res_id"] == partner.id][0]
        partner.write({"name": "Twin 2"})
        res = self.svc.sync_nack([self._item(c1, retryable=True, error_message="x")])
        self.assertEqual(res["ok"], [c1["id"]])
        events = self._events(partner, self.crm)
        self.assertEqual(events.mapped("state"), ["cancelled", "pending"])

    def test_heartbeat_and_release(self):
        event = self.Event._enqueue(self.crm, "upsert", self.customer)
        c = self._claim([self.crm.code], lease=60)[0]
        before = event.lease_expires_at
        res = self.svc.sync_heartbeat("w1", [self._item(c)], 3600)
        self.assertEqual(res["ok"], [event.id])
        self.assertGreater(event.lease_expires_at, before)
        self.assertEqual(self.svc.sync_heartbeat("w1", [{"id": event.id, "lease_token": "bad"}],
                                                 60)["refused"][0]["reason"], "lease_lost")
        res = self.svc.sync_release("w1", [self._item(c)])
        self.assertEqual(res["ok"], [event.id])
        self.assertEqual((event.state, event.attempts), ("pending", 0))
        self.assertEqual([x["id"] for x in self._claim([self.crm.code])], [event.id])

    def test_release_in_doubt_keeps_the_attempt(self):
        # A lease given back while a request may have landed at the target keeps
        # its attempt: the next claim is attempt 2, which makes the connector look
        # the record up before re-creating it.
        event = self.Event._enqueue(self.crm, "upsert", self.customer)
        c = self._claim([self.crm.code])[0]
        self.assertEqual(c["attempts"], 1)
        res = self.svc.sync_release("w1", [self._item(c, in_doubt=True)])
        self.assertEqual(res["ok"], [event.id])
        self.assertEqual((event.state, event.attempts), ("pending", 1))
        again = self._claim([self.crm.code])
        self.assertEqual([(x["id"], x["attempts"]) for x in again], [(event.id, 2)])

    def test_nack_uncount_attempt_gives_the_claim_back(self):
        # A retryable failure that says nothing about the event (the target's rate limit,
        # an open circuit): the sidecar asks for the claim back; Attempts counts only real
        # failures. Without the flag the claim counts, as before.
        event = self.Event._enqueue(self.crm, "upsert", self.customer)
        c1 = self._claim([self.crm.code])[0]
        res = self.svc.sync_nack([self._item(c1, retryable=True, uncount_attempt=True,
                                             error_class="TransientError",
                                             error_message="429 Too Many Requests",
                                             next_attempt_at="2000-01-01 00:00:00")])
        self.assertEqual(res["ok"], [event.id])
        self.assertEqual((event.state, event.attempts), ("pending", 0))
        self.assertFalse(event.first_tried_at)
        c2 = self._claim([self.crm.code])[0]
        self.assertEqual(c2["attempts"], 1)
        self.svc.sync_nack([self._item(c2, retryable=True, error_message="503",
                                       next_attempt_at="2000-01-01 00:00:00")])
        self.assertEqual(event.attempts, 1, "a counted failure keeps its claim")
        self.assertEqual(self._claim([self.crm.code])[0]["attempts"], 2)

    def test_status_summary(self):
        self.Event._enqueue(self.crm, "upsert", self.customer)
        summary = {row["target"]: row for row in self.svc.sync_status_summary()}
        self.assertGreaterEqual(summary["crm_test"]["pending"], 1)
        self.assertEqual(summary["wms_test"]["dead"], 0)
        self.assertIsInstance(summary["crm_test"]["oldest_pending_age_seconds"], int)
        self.assertIs(summary["wms_test"]["oldest_pending_age_seconds"], False)
        xmlrpc.client.dumps((list(summary.values()),), allow_none=False)

    def test_exception_assignment_and_bulk_actions(self):
        partners = self.env["res.partner"].create([{"name": "Exc A"}, {"name": "Exc B"}])
        claimed = [c for c in self._claim([self.crm.code]) if c["res_id"] in partners.ids]
        self.svc.sync_nack([self._item(c, retryable=False, error_class="Mapping",
                                       error_message="no mapping", category="mapping")
                            for c in claimed])
        excs = self.env["sync.exception"].search([("model", "=", "res.partner"),
                                                  ("res_id", "in", partners.ids)])
        self.assertEqual(len(excs), 2)
        excs[0].with_user(self.manager).user_id = self.manager
        activity = self.env["mail.activity"].search([("res_model", "=", "res.partner"),
                                                     ("res_id", "=", excs[0].res_id),
                                                     ("user_id", "=", self.manager.id)])
        self.assertEqual(len(activity), 1)
        # bulk retry through the server action bound to the list
        action = self.env.ref("sync_bridge.sync_exception_server_action_retry")
        action.with_user(self.manager).with_context(
            active_model="sync.exception", active_ids=excs.ids).run()
        self.assertEqual(set(self.Event.browse([c["id"] for c in claimed]).mapped("state")),
                         {"pending"})
        excs.with_user(self.manager).action_ignore()
        self.assertEqual(set(excs.mapped("state")), {"ignored"})
        with self.assertRaises(AccessError):
            excs.with_user(self.service_user).action_ignore()

    def test_claim_shares_limit_between_targets(self):
        self.wms.trigger_partner_upsert = True
        partners = self.env["res.partner"].create([{"name": f"Share {i}"} for i in range(6)])
        claimed = self._claim([self.wms.code, self.crm.code], limit=4)
        self.assertEqual(len(claimed), 4)
        self.assertEqual({c["target"] for c in claimed}, {"wms_test", "crm_test"})
        # one busy target gets the whole limit when the other has nothing due
        rest = self._claim([self.wms.code, self.crm.code], limit=20)
        self.assertEqual(len(rest), 12 - 4)
        self.assertTrue(partners)

    def test_claim_record_not_readable(self):
        """A record the service user may not read comes back as record=False
        with record_error; the others of the batch are still read."""
        other = self.env["res.company"].create({"name": "Hidden Co"})
        hidden = self.env["res.partner"].create({"name": "Hidden", "company_id": other.id})
        visible = self.env["res.partner"].create({"name": "Visible"})
        claimed = {c["res_id"]: c for c in self._claim([self.crm.code], specs={
            "res.partner": {"name": {}}}) if c["model"] == "res.partner"}
        self.assertEqual(claimed[visible.id]["record"]["name"], "Visible")
        self.assertIs(claimed[hidden.id]["record"], False)
        self.assertIn("AccessError", claimed[hidden.id]["record_error"])
