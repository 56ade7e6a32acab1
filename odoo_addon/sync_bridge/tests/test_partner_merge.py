# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .inbound_common import InboundCase


@tagged("post_install", "-at_install")
class TestPartnerMerge(InboundCase):
    """Odoo's contact merge moves the bridge's references of the merged-away contacts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Link = cls.env["sync.link"]
        cls.Exc = cls.env["sync.exception"]
        cls.Proposal = cls.env["sync.change.proposal"]
        Partner = cls.env["res.partner"]
        cls.a = Partner.create({"name": "Acme (old)", "email": "old@acme.example",
                                "is_company": True, "city": "Oldtown"})
        cls.b = Partner.create({"name": "Acme", "email": "info@acme.example",
                                "is_company": True})
        cls.c = Partner.create({"name": "ACME Corp", "email": "sales@acme.example",
                                "is_company": True})
        cls.Event.search([]).write({"state": "done"})

    def _link(self, partner, target, ext):
        return self.Link.create({"target_id": target.id, "model": "res.partner",
                                 "res_id": partner.id, "external_id": ext})

    def _links(self, target, partner=None, ext=None):
        domain = [("target_id", "=", target.id), ("model", "=", "res.partner")]
        if partner is not None:
            domain.append(("res_id", "=", partner.id))
        if ext is not None:
            domain.append(("external_id", "=", ext))
        return self.Link.search(domain)

    def _merge(self, partners, dst):
        ids = partners.ids
        wizard = self.env["base.partner.merge.automatic.wizard"].with_context(
            active_model="res.partner", active_ids=ids).create({
                "state": "selection", "partner_ids": [Command.set(ids)],
                "dst_partner_id": dst.id})
        wizard.action_merge()
        self.assertFalse((partners - dst).exists(), "the merged-away contacts are deleted")

    def _merge_conflicts(self, partner, target=None):
        domain = [("model", "=", "res.partner"), ("res_id", "=", partner.id),
                  ("category", "=", "conflict"), ("state", "=", "open")]
        if target is not None:
            domain.append(("target_id", "=", target.id))
        return self.Exc.search(domain)

    def _pending_upserts(self, partner, target):
        return self._events(partner, target, event_type="upsert", state="pending")

    def _claim_ack(self, target, partner, external_ref):
        """The sidecar delivers the contact's pending upsert to target."""
        claimed = [c for c in self._claim([target.code]) if c["res_id"] == partner.id]
        self.assertEqual(len(claimed), 1, claimed)
        res = self.svc.sync_ack([self._item(claimed[0], external_ref=external_ref)])
        self.assertEqual(res["ok"], [claimed[0]["id"]], res)
        return claimed[0]

    def test_link_moves_to_unlinked_kept_contact(self):
        self._link(self.a, self.crm, "HS-1")
        self.a.write({"phone": "+32 2 555 01 01"})  # a pending upsert of A
        pending_a = self._pending_upserts(self.a, self.crm)
        self.assertEqual(len(pending_a), 1)
        failed_a = self.Event._enqueue(self.wms, "upsert", self.a)
        failed_a.write({"state": "failed", "last_error_message": "422 invalid email"})
        self._merge(self.a | self.b, self.b)

        link = self._links(self.crm, self.b)
        self.assertEqual(link.external_id, "HS-1")
        self.assertFalse(self._links(self.crm, self.a))
        self.assertEqual(len(self._links(self.crm, ext="HS-1")), 1)
        self.assertFalse(self._merge_conflicts(self.b))
        self.assertEqual(len(self._pending_upserts(self.b, self.crm)), 1,
                         "one upsert of the kept contact, coalesced")
        self.assertEqual(set((pending_a | failed_a).mapped("state")), {"cancelled"})
        self.assertIn("merged into Acme", pending_a.last_error_message)
        self.assertIn("422 invalid email", failed_a.last_error_message, "the error is kept")
        note = self.b.message_ids.filtered(lambda m: "Sync bridge" in (m.body or ""))[:1]
        self.assertIn("HS-1", note.body)
        self.assertIn("Acme (old)", note.body)
        # the sidecar updates HS-1 (external_ref from the moved link) instead of creating
        claimed = self._claim_ack(self.crm, self.b, "HS-1")
        self.assertEqual(claimed["external_ref"], "HS-1")
        self.assertEqual(self._links(self.crm, self.b).sync_status, "synced")

    def test_both_linked_conflict_for_the_steward(self):
        self.crm.responsible_user_id = self.manager
        self._link(self.b, self.crm, "HS-1")
        self._link(self.a, self.crm, "HS-2")
        self._merge(self.a | self.b, self.b)

        self.assertEqual(self._links(self.crm, self.b).external_id, "HS-1")
        self.assertFalse(self._links(self.crm, ext="HS-2"), "the orphan link is gone")
        self.assertFalse(self._links(self.crm, self.a))
        exc = self._merge_conflicts(self.b, self.crm)
        self.assertEqual(len(exc), 1)
        self.assertIn("HS-2", exc.message)
        self.assertIn("HS-1", exc.message)
        self.assertIn(self.crm.name, exc.message)
        self.assertEqual((exc.reason_code, exc.recon_key, exc.recon_job),
                         ("partner_merge", "partner_merge:HS-2", False))
        self.assertEqual(exc.user_id, self.manager, "the steward follows it up")
        self.assertTrue(exc.activity_id)
        self.assertEqual(len(self._pending_upserts(self.b, self.crm)), 1)
        # delivering the kept contact does not close the conflict: HS-2 is still at the CRM
        self._claim_ack(self.crm, self.b, "HS-1")
        self.assertEqual(exc.state, "open")
        # uniqueness still holds both ways
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self._link(self.b, self.crm, "HS-3")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self._link(self.c, self.crm, "HS-1")
        # the steward merged HS-2 into HS-1 in the CRM, then resolves the exception
        exc.with_user(self.manager).action_resolve()
        self.assertEqual(exc.state, "resolved")

    def test_crm_conflict_and_wms_link_moved(self):
        self.wms.trigger_partner_upsert = True
        self._link(self.b, self.crm, "HS-1")
        self._link(self.a, self.crm, "HS-2")
        self._link(self.a, self.wms, "W-7")
        self._merge(self.a | self.b, self.b)

        self.assertEqual(self._links(self.crm, self.b).external_id, "HS-1")
        self.assertEqual(self._links(self.wms, self.b).external_id, "W-7")
        self.assertFalse(self.Link.search([("model", "=", "res.partner"),
                                           ("res_id", "=", self.a.id)]))
        self.assertEqual(len(self._merge_conflicts(self.b)), 1)
        self.assertEqual(self._merge_conflicts(self.b).target_id, self.crm)
        self.assertEqual(len(self._pending_upserts(self.b, self.crm)), 1)
        self.assertEqual(len(self._pending_upserts(self.b, self.wms)), 1)

    def test_kept_link_without_external_id_takes_the_merged_one(self):
        self.Link.create({"target_id": self.crm.id, "model": "res.partner",
                          "res_id": self.b.id, "sync_status": "failed"})
        self._link(self.a, self.crm, "HS-1")
        self._merge(self.a | self.b, self.b)
        self.assertEqual(self._links(self.crm, self.b).external_id, "HS-1")
        self.assertFalse(self._merge_conflicts(self.b))

    def test_open_exception_proposal_and_inbound_history_move(self):
        self._link(self.a, self.crm, "HS-1")
        exc_a = self.Exc._raise_exception("rejected", "422 invalid phone", model="res.partner",
                                          res_id=self.a.id, target=self.crm)
        dup_a = self.Exc._raise_exception("unavailable", "timeout", model="res.partner",
                                          res_id=self.a.id, target=self.crm)
        dup_b = self.Exc._raise_exception("unavailable", "timeout", model="res.partner",
                                          res_id=self.b.id, target=self.crm)
        res = self._apply("partner_change", {
            "message_id": uuid.uuid4().hex, "source": "hubspot", "object_type": "company",
            "external_id": "HS-1", "changed_at": "2026-03-01 10:00:00",
            "changes": {"city": "Newtown"}}, target=self.crm)
        self.assertEqual(res["status"], "applied", res)
        proposal = self.Proposal.search([("partner_id", "=", self.a.id)])
        self.assertEqual(proposal.field_name, "city")
        message = self._message(res, self.crm)
        self.assertIn(self.a.id, message.record_ids.mapped("res_id"))
        self._merge(self.a | self.b, self.b)

        self.assertEqual((exc_a.res_id, exc_a.state), (self.b.id, "open"))
        self.assertIn(exc_a, self.Exc.search([("model", "=", "res.partner"),
                                              ("res_id", "=", self.b.id)]))
        self.assertEqual(self.b.sync_exception_count, 2, "A's rejection and B's own timeout")
        self.assertEqual(dup_a.state, "resolved", "absorbed by B's open exception of that kind")
        self.assertEqual(dup_b.state, "open")
        self.assertEqual((proposal.partner_id, proposal.state), (self.b, "proposed"))
        self.assertEqual(self.b.sync_proposal_count, 1)
        self.assertEqual(message.record_ids.filtered(
            lambda r: r.model == "res.partner").mapped("res_id"), [self.b.id])
        self.assertEqual(self.b.sync_inbound_count, 1)
        # the next CRM change of HS-1 finds the kept contact
        res = self._apply("partner_change", {
            "message_id": uuid.uuid4().hex, "source": "hubspot", "object_type": "company",
            "external_id": "HS-1", "changed_at": "2026-03-02 10:00:00",
            "changes": {"street": "5 New Street"}}, target=self.crm)
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(self.Proposal.search([("partner_id", "=", self.b.id)]).mapped(
            "field_name"), ["street", "city"])

    def test_merge_three_contacts(self):
        self._link(self.a, self.crm, "HS-1")  # the oldest link is kept
        self._link(self.c, self.crm, "HS-2")
        self.a.write({"phone": "1"})
        self.c.write({"phone": "2"})
        self._merge(self.a | self.b | self.c, self.b)

        self.assertEqual(self._links(self.crm).filtered(
            lambda l: l.res_id in (self.a | self.b | self.c).ids).mapped("external_id"), ["HS-1"])
        self.assertEqual(self._links(self.crm, self.b).external_id, "HS-1")
        exc = self._merge_conflicts(self.b, self.crm)
        self.assertEqual(len(exc), 1)
        self.assertIn("HS-2", exc.message)
        self.assertIn("ACME Corp", exc.details)
        self.assertFalse(self.Event.search([("model", "=", "res.partner"),
                                            ("res_id", "in", (self.a | self.c).ids),
                                            ("state", "=", "pending")]))
        self.assertEqual(len(self._pending_upserts(self.b, self.crm)), 1)

    def test_merge_refused_while_a_contact_is_being_delivered(self):
        self._link(self.a, self.crm, "HS-1")
        self.a.write({"phone": "1"})
        claimed = [c for c in self._claim([self.crm.code]) if c["res_id"] == self.a.id]
        self.assertEqual(len(claimed), 1)
        with self.assertRaises(UserError) as caught:
            self._merge(self.a | self.b, self.b)
        self.assertIn("being sent to %s" % self.crm.name, str(caught.exception))
        self.assertTrue(self.a.exists())
        self.assertEqual(self._links(self.crm, self.a).external_id, "HS-1")
        # delivered: the merge goes through
        self.svc.sync_ack([self._item(claimed[0], external_ref="HS-1")])
        self._merge(self.a | self.b, self.b)
        self.assertEqual(self._links(self.crm, self.b).external_id, "HS-1")
