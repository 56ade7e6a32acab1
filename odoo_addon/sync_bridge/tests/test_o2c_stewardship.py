# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.addons.sync_bridge.compat import list_view_type

from .common import GROUP_USERS, USER_GROUPS
from .inbound_common import InboundCase


@tagged("post_install", "-at_install")
class TestO2cStewardship(InboundCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wms.trigger_partner_upsert = True
        cls.crm.crm_owned_fields = "user_id, phone"
        cls.Proposal = cls.env["sync.change.proposal"]
        cls.Link = cls.env["sync.link"]
        cls.customer.write({"street": "1 Old Street", "city": "Oldtown", "vat": "BE0477472701",
                            "country_id": cls.env.ref("base.be").id})
        cls.Link.create({"target_id": cls.crm.id, "model": "res.partner",
                         "res_id": cls.customer.id, "external_id": "HS-100"})
        cls.Event.search([]).write({"state": "done"})

    def _change(self, changes, external_id="HS-100", changed_at="2026-03-01 10:00:00"):
        return self._apply("partner_change", {
            "message_id": uuid.uuid4().hex, "source": "hubspot", "object_type": "company",
            "external_id": external_id, "changed_at": changed_at,
            "changes": changes, "changed_by": "rep@example.com"}, target=self.crm)

    def _new(self, **data):
        payload = {"message_id": uuid.uuid4().hex, "source": "hubspot",
                   "object_type": "company", "external_id": "HS-" + uuid.uuid4().hex[:6],
                   "created_at": "2026-03-01 10:00:00"}
        payload.update(data)
        return self._apply("partner_new", payload, target=self.crm), payload

    def _upserts(self, target):
        return self._events(self.customer, target, event_type="upsert", state="pending")

    def test_address_change_accepted(self):
        res = self._change({"street": "5 New Street", "city": "Newtown", "vat": "BE0477472701"})
        self.assertEqual(res["status"], "applied", res)
        proposals = self.Proposal.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(sorted(proposals.mapped("field_name")), ["city", "street"])  # vat same
        self.assertEqual(proposals.filtered(lambda p: p.field_name == "street").old_value,
                         "1 Old Street")
        self.assertEqual(self.customer.street, "1 Old Street")  # not applied yet
        self.assertEqual(self.customer.sync_proposal_count, 2)
        self.assertFalse(self._upserts(self.wms))
        with self.assertRaises(AccessError):
            proposals.with_user(self.salesman).action_accept()
        proposals.with_user(self.manager).action_accept()
        self.assertEqual((self.customer.street, self.customer.city), ("5 New Street", "Newtown"))
        self.assertEqual(set(proposals.mapped("state")), {"accepted"})
        self.assertEqual(proposals.decided_by_id, self.manager)
        self.assertEqual(len(self._upserts(self.wms)), 1)

    def test_change_rejected_resends_to_crm(self):
        res = self._change({"city": "Elsewhere", "country_code": "FR"})
        self.assertEqual(res["status"], "applied", res)
        proposals = self.Proposal.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(proposals), 2)
        proposals.with_user(self.manager).action_reject()
        self.assertEqual(self.customer.city, "Oldtown")
        self.assertEqual(len(self._upserts(self.crm)), 1)
        self.assertFalse(self._upserts(self.wms))
        self.assertEqual(set(proposals.mapped("state")), {"rejected"})

    def test_steward_todo_one_per_partner_done_when_decided(self):
        self.crm.responsible_user_id = self.manager
        self._change({"street": "5 New Street"})
        self._change({"city": "Newtown"}, changed_at="2026-03-01 11:00:00")
        proposals = self.Proposal.search([("partner_id", "=", self.customer.id),
                                          ("state", "=", "proposed")])
        self.assertEqual(len(proposals), 2)
        todo = proposals.activity_id
        self.assertEqual(len(todo), 1, "one to-do for the partner, not one per field")
        self.assertEqual((todo.res_model, todo.res_id, todo.user_id),
                         ("res.partner", self.customer.id, self.manager))
        self.assertIn(self.crm.name, todo.summary)
        # half decided: the to-do stays; all decided: done
        street = proposals.filtered(lambda p: p.field_name == "street")
        street.with_user(self.manager).action_accept()
        self.assertTrue(todo.exists())
        (proposals - street).with_user(self.manager).action_reject()
        self.assertFalse(todo.exists().filtered("active"), "marked done (an activity done is archived as a message)")
        # a new proposal later: a new to-do; without a responsible, a Sync manager gets it
        self.crm.responsible_user_id = False
        self._change({"zip": "9000"}, changed_at="2026-03-02 10:00:00")
        later = self.Proposal.search([("partner_id", "=", self.customer.id),
                                      ("state", "=", "proposed")])
        self.assertTrue(later.activity_id)
        self.assertIn(later.activity_id.user_id,
                      self.env.ref("sync_bridge.group_sync_manager")[GROUP_USERS])

    def test_crm_owned_fields_applied_directly(self):
        rep = self.manager
        rep.email = "rep.owner@example.com"
        res = self._change({"user_id": "rep.owner@example.com", "phone": "+32 2 555 00 00"})
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(self.customer.user_id, rep)
        self.assertEqual(self.customer.phone, "+32 2 555 00 00")
        self.assertFalse(self.Proposal.search([("partner_id", "=", self.customer.id)]))
        self.assertEqual(len(self._upserts(self.wms)), 1)
        self.assertFalse(self._upserts(self.crm), "no echo to the CRM that sent it")
        res = self._change({"user_id": "nobody@example.com"})
        self.assertEqual(res["status"], "exception")
        self.assertIn("changes.user_id", res["error"])
        res = self._change({"street": "x"}, external_id="HS-UNKNOWN")
        self.assertEqual(res["status"], "exception")
        res = self._change({"favourite_colour": "blue"})
        self.assertEqual(res["status"], "rejected")

    def test_crm_owner_change_by_email(self):
        """HubSpot owner change (hubspot_owner_id -> the owner's email): user_id resolved by
        email when the login differs; the same manager again changes nothing; cleared owner."""
        rep = self.env["res.users"].create({
            "name": "Sam Lee", "login": "slee", "email": "Sam.Lee@example.com",
            USER_GROUPS: [(6, 0, [self.env.ref("sales_team.group_sale_salesman").id])]})
        res = self._change({"user_id": "sam.lee@example.com"})
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(self.customer.user_id, rep)
        self.assertFalse(self._upserts(self.crm), "no echo to the CRM that sent it")
        self.assertEqual(len(self._upserts(self.wms)), 1, "the change reaches the other targets")
        res = self._change({"user_id": "SAM.LEE@example.com"}, changed_at="2026-03-01 10:01:00")
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(self.customer.user_id, rep)
        self.assertFalse(self.Proposal.search([("partner_id", "=", self.customer.id)]))
        res = self._change({"user_id": False}, changed_at="2026-03-01 10:02:00")
        self.assertEqual(res["status"], "applied", res)
        self.assertFalse(self.customer.user_id)
        # Not CRM-owned: a proposal for the data steward, accepted -> applied.
        self.crm.crm_owned_fields = "phone"
        res = self._change({"user_id": "sam.lee@example.com"}, changed_at="2026-03-01 10:03:00")
        self.assertEqual(res["status"], "applied", res)
        proposal = self.Proposal.search([("partner_id", "=", self.customer.id),
                                         ("field_name", "=", "user_id")])
        self.assertEqual(len(proposal), 1)
        self.assertFalse(self.customer.user_id)
        proposal.with_user(self.manager).action_accept()
        self.assertEqual(self.customer.user_id, rep)

    def test_salesperson_change_sent_to_crm(self):
        """Odoo's salesperson is the CRM owner: changing it writes a partner upsert event, and
        a service user without access to users reads the account manager's email."""
        self.manager.email = "account.manager@example.com"
        self.customer.user_id = self.manager
        self.assertEqual(len(self._upserts(self.crm)), 1)
        bot = self.env["res.users"].create({
            "name": "Sync bot (service only)", "login": "sync_bot_service_only",
            USER_GROUPS: [(6, 0, [self.env.ref("sync_bridge.group_sync_service").id])]})
        partner = self.customer.with_user(bot)
        with self.assertRaises(AccessError):
            partner.web_read({"user_id": {"fields": {"email": {}}}})
        self.assertEqual(partner.web_read({"sync_account_manager_email": {}})[0]
                         ["sync_account_manager_email"], "account.manager@example.com")

    def test_duplicate_company_link_proposal(self):
        count = self.env["res.partner"].search_count([])
        res, payload = self._new(name="SYNC CUSTOMER, Inc.", email="info@other.example.com")
        self.assertEqual(res["status"], "applied", res)
        proposal = self.Proposal.search([("proposal_type", "=", "link"),
                                         ("external_id", "=", payload["external_id"])])
        self.assertEqual((proposal.partner_id, proposal.match_reason), (self.customer, "name"))
        self.assertEqual(self.env["res.partner"].search_count([]), count)
        # VAT match (formatted differently)
        res, payload_vat = self._new(name="Totally Different", vat="be 0477.472.701")
        vat_prop = self.Proposal.search([("external_id", "=", payload_vat["external_id"])])
        self.assertEqual((vat_prop.partner_id, vat_prop.match_reason), (self.customer, "vat"))
        vat_prop.with_user(self.manager).action_reject()  # not the same: a new partner
        created = self.Link.search([("target_id", "=", self.crm.id),
                                    ("external_id", "=", payload_vat["external_id"])])
        self.assertNotEqual(created.res_id, self.customer.id)
        # accepting a link to a partner already linked to another CRM id is refused
        with self.assertRaises(Exception):
            proposal.with_user(self.manager).action_accept()

    def test_duplicate_accept_creates_link(self):
        other = self.env["res.partner"].create({"name": "Azure Interior SA", "is_company": True,
                                                "email": "azure@example.com"})
        count = self.env["res.partner"].search_count([])
        res, payload = self._new(name="Azure Interior", email="AZURE@example.com")
        proposal = self.Proposal.search([("external_id", "=", payload["external_id"])])
        self.assertEqual((proposal.partner_id, proposal.match_reason), (other, "email"))
        self.assertEqual(other.sync_proposal_count, 1)
        proposal.with_user(self.manager).action_accept()
        link = self.Link.search([("target_id", "=", self.crm.id), ("model", "=", "res.partner"),
                                 ("external_id", "=", payload["external_id"])])
        self.assertEqual(link.res_id, other.id)
        self.assertEqual(self.env["res.partner"].search_count([]), count)
        # the same CRM record again: already linked, nothing new
        res, _p = self._new(name="Azure Interior", external_id=payload["external_id"],
                            message_id=uuid.uuid4().hex)
        self.assertIn(res["status"], ("applied", "duplicate"))
        self.assertEqual(self.env["res.partner"].search_count([]), count)

    def test_new_company_without_match(self):
        res, payload = self._new(name="Brand New Ltd", email="hello@brandnew.example.com",
                                 street="1 Main St", city="Gent", country_code="BE")
        self.assertEqual(res["status"], "applied", res)
        link = self.Link.search([("external_id", "=", payload["external_id"])])
        partner = self.env["res.partner"].browse(link.res_id)
        self.assertEqual((partner.name, partner.city, partner.country_id.code, partner.is_company),
                         ("Brand New Ltd", "Gent", "BE", True))
        self.assertFalse(self.Proposal.search([("external_id", "=", payload["external_id"])]))
        self.assertFalse(self._events(partner, self.crm, event_type="upsert"))
        self.assertTrue(self._events(partner, self.wms, event_type="upsert"))

    def test_change_of_an_unlinked_record_is_a_new_customer(self):
        # A whole-record change (Salesforce sends the Account's values) of a CRM record the
        # bridge never linked: duplicate check like partner_new, not a rejection.
        count = self.env["res.partner"].search_count([])
        res = self._change({"name": "Sync Customer", "city": "Oldtown", "phone": False},
                           external_id="SF-001")
        self.assertEqual(res["status"], "applied", res)
        proposal = self.Proposal.search([("proposal_type", "=", "link"),
                                         ("external_id", "=", "SF-001")])
        self.assertEqual((proposal.partner_id, proposal.match_reason), (self.customer, "name"))
        self.assertEqual(self.env["res.partner"].search_count([]), count)
        res = self._change({"name": "Unheard Of BV", "city": "Brugge", "country_code": "BE"},
                           external_id="SF-002")
        self.assertEqual(res["status"], "applied", res)
        link = self.Link.search([("target_id", "=", self.crm.id), ("external_id", "=", "SF-002")])
        partner = self.env["res.partner"].browse(link.res_id)
        self.assertEqual((partner.name, partner.city, partner.country_id.code),
                         ("Unheard Of BV", "Brugge", "BE"))
        # a partial change (HubSpot: one property) of an unlinked record is still refused
        res = self._change({"city": "Nowhere"}, external_id="HS-999")
        self.assertNotEqual(res["status"], "applied", res)
        self.assertIn("no partner linked", str(res))

    def test_views(self):
        LIST = list_view_type(self.env)  # the list view's type: 17 calls it tree
        for model in ("sync.milestone", "sync.exception.rule", "sync.change.proposal"):
            res = self.env[model].with_user(self.manager).get_views(
                [(False, LIST), (False, "form")])
            self.assertEqual(set(res["views"]), {LIST, "form"}, model)
        arch = self.env["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("action_view_sync_proposals", arch)
        arch = self.env["sync.target"].get_views([(False, "form")])["views"]["form"]["arch"]
        for name in ("trigger_receipt_asn", "receipt_backorder_policy", "trigger_atp",
                     "atp_scope", "atp_horizon_days", "crm_owned_fields"):
            self.assertIn(name, arch)
        self.assertTrue(self.env.ref("sync_bridge.menu_sync_exception_rules"))
