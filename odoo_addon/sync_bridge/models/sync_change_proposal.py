# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import re
import unicodedata

from odoo import _, api, fields, models
from odoo.exceptions import UserError

CHAR_FIELDS = ("name", "email", "phone", "mobile", "website", "vat", "street", "street2",
               "city", "zip")
FIELD_LABELS = {
    "name": "Name", "email": "Email", "phone": "Phone", "mobile": "Mobile",
    "website": "Website", "vat": "Tax ID", "street": "Street", "street2": "Street 2",
    "city": "City", "zip": "ZIP", "state": "State", "country_code": "Country",
    "user_id": "Salesperson",
}
# apply order: the state is looked up in the (new) country
APPLY_ORDER = {"country_code": 0, "state": 2}
LEGAL_WORDS = {
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "gmbh", "ag", "sa", "sas",
    "sarl", "bv", "nv", "srl", "spa", "co", "corp", "corporation", "company", "plc",
    "oy", "ab", "kg", "the",
}


def name_words(name):
    """Words of a company name without accents, case, punctuation or legal form."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", text)
    return [w for w in words if w not in LEGAL_WORDS] or words


def normalize_name(name):
    return "".join(name_words(name))


def normalize_vat(vat):
    return re.sub(r"[^A-Z0-9]", "", (vat or "").upper())


class SyncChangeProposal(models.Model):
    """Customer data stewardship: a change the CRM proposes to an Odoo partner
    (type field) or a CRM record that looks like an existing partner (type link).
    A steward (Sync manager) accepts or rejects it."""

    _name = "sync.change.proposal"
    _description = "Sync Change Proposal (customer data stewardship)"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    proposal_type = fields.Selection(
        [("field", "Field change"), ("link", "Link to existing partner")],
        string="Type", required=True, default="field", readonly=True,
    )
    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True,
                                 readonly=True)
    field_name = fields.Char("Field", readonly=True, help="Canonical field name (CRM).")
    field_label = fields.Char(compute="_compute_field_label", string="Field Label")
    old_value = fields.Char(readonly=True, help="Odoo's value when the change was received.")
    new_value = fields.Char(readonly=True, help="Value proposed by the CRM (empty: clear).")
    target_id = fields.Many2one("sync.target", string="Source", required=True,
                                ondelete="cascade", readonly=True)
    external_id = fields.Char("External ID", readonly=True)
    match_reason = fields.Selection(
        [("vat", "Same VAT"), ("email", "Same email"), ("name", "Same name")], readonly=True)
    payload = fields.Text(readonly=True, help="The CRM record (JSON), for link proposals.")
    received_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    changed_at = fields.Datetime(readonly=True, help="When it changed in the CRM.")
    changed_by = fields.Char(readonly=True, help="Who changed it in the CRM.")
    state = fields.Selection(
        [("proposed", "Proposed"), ("accepted", "Accepted"), ("rejected", "Rejected")],
        default="proposed", required=True, readonly=True, index=True, tracking=True,
    )
    decided_by_id = fields.Many2one("res.users", string="Decided by", readonly=True)
    decided_at = fields.Datetime(readonly=True)
    inbound_message_id = fields.Many2one("sync.inbound.message", readonly=True,
                                         ondelete="set null")
    company_id = fields.Many2one(related="target_id.company_id", store=True)
    activity_id = fields.Many2one(
        "mail.activity", string="Steward To Do", readonly=True, ondelete="set null",
        help="The steward's to-do on the partner: one for all open proposals of a partner, "
        "done when the last of them is decided.")

    @api.depends("field_name")
    def _compute_field_label(self):
        for rec in self:
            rec.field_label = FIELD_LABELS.get(rec.field_name, rec.field_name or "")

    @api.depends("proposal_type", "partner_id", "field_name", "external_id")
    def _compute_name(self):
        for rec in self:
            if rec.proposal_type == "link":
                rec.name = _("Link %(ext)s to %(partner)s", ext=rec.external_id or "",
                             partner=rec.partner_id.display_name or "")
            else:
                rec.name = "%s: %s" % (rec.partner_id.display_name or "",
                                       FIELD_LABELS.get(rec.field_name, rec.field_name or ""))

    # ------------------------------------------------------------------
    # Value conversion (canonical field -> res.partner)
    # ------------------------------------------------------------------
    @api.model
    def _partner_vals(self, partner, key, value, country=None):
        """{odoo field: value} for a canonical field; UserError if it cannot be mapped."""
        value = value or False
        if key in CHAR_FIELDS:
            return {key: value}
        if key == "country_code":
            found = self.env["res.country"].search([("code", "=", value)], limit=1) \
                if value else self.env["res.country"]
            if value and not found:
                raise UserError(_("unknown country code %s.", value))
            return {"country_id": found.id or False}
        if key == "state":
            if not value:
                return {"state_id": False}
            country = country if country is not None else partner.country_id
            domain = ["|", ("code", "=", value), ("name", "=ilike", value)]
            if country:
                domain = [("country_id", "=", country.id)] + domain
            found = self.env["res.country.state"].search(domain, limit=1)
            if not found:
                raise UserError(_("unknown state %(state)s in %(country)s.", state=value,
                                  country=country.name if country else "-"))
            return {"state_id": found.id}
        if key == "user_id":
            if not value:
                return {"user_id": False}
            Users = self.env["res.users"].with_context(active_test=True)
            user = Users.search([("login", "=ilike", value), ("share", "=", False)], limit=1) \
                or Users.search([("email", "=ilike", value), ("share", "=", False)], limit=1)
            if not user:
                raise UserError(_("no internal user with login or email %s.", value))
            return {"user_id": user.id}
        raise UserError(_("field %s cannot be changed from the CRM.", key))

    @api.model
    def _partner_display(self, partner, key):
        """Odoo's current value of a canonical field, as the CRM would send it."""
        if key in CHAR_FIELDS:
            return partner[key] or ""
        if key == "country_code":
            return partner.country_id.code or ""
        if key == "state":
            return partner.state_id.code or partner.state_id.name or ""
        if key == "user_id":
            return partner.user_id.login or ""
        return ""

    @api.model
    def _same(self, partner, key, value, country=None):
        current = self._partner_display(partner, key)
        if key == "state" and value:
            try:
                vals = self._partner_vals(partner, key, value, country)
            except UserError:
                return False
            return vals["state_id"] == partner.state_id.id
        if key == "user_id":
            # the CRM names the account manager by email; Odoo's user may log in with another name
            user = partner.user_id
            names = {(user.login or "").lower(), (user.email or "").lower()} - {""}
            return (value or "").lower() in names if value else not user
        if key in ("email", "country_code"):
            return (current or "").lower() == (value or "").lower()
        return (current or "") == (value or "")

    @api.model
    def _propose(self, target, partner, key, value, message, data):
        """Open (or refresh) the proposal for this partner, field and source."""
        vals = {
            "old_value": self._partner_display(partner, key),
            "new_value": value or "",
            "received_at": fields.Datetime.now(),
            "changed_at": data.get("changed_at") or False,
            "changed_by": data.get("changed_by") or False,
            "inbound_message_id": message.id,
        }
        existing = self.search([("proposal_type", "=", "field"), ("state", "=", "proposed"),
                                ("partner_id", "=", partner.id), ("field_name", "=", key),
                                ("target_id", "=", target.id)], limit=1)
        if existing:
            existing.write(vals)
            return existing
        vals.update(proposal_type="field", partner_id=partner.id, field_name=key,
                    target_id=target.id, external_id=data.get("external_id"))
        return self.create(vals)

    @api.model_create_multi
    def create(self, vals_list):
        proposals = super().create(vals_list)
        proposals._notify_steward()
        return proposals

    def _steward(self):
        """Who reviews this proposal: the source target's responsible, else the least
        loaded member of its responsible team (default: the Sync managers)."""
        self.ensure_one()
        target = self.target_id
        user = target.responsible_user_id
        if user and user.active and not user.share:
            return user
        group = target.responsible_group_id or self.env.ref(
            "sync_bridge.group_sync_manager", raise_if_not_found=False)
        return self.env["sync.exception.rule"]._least_loaded(group) if group else user.browse()

    def _notify_steward(self):
        """One to-do per partner with open proposals, on the partner, for the steward;
        a new proposal of a partner that has one joins it."""
        for proposal in self.sudo().filtered(lambda p: p.state == "proposed" and not p.activity_id):
            peer = self.sudo().search([("partner_id", "=", proposal.partner_id.id),
                                       ("state", "=", "proposed"), ("activity_id", "!=", False),
                                       ("id", "!=", proposal.id)], limit=1)
            # a to-do marked done is archived, not deleted, on Odoo 19
            activity = peer.activity_id.exists().filtered("active")
            if not activity:
                steward = proposal._steward()
                if not steward:
                    continue
                activity = proposal.partner_id.activity_schedule(
                    "mail.mail_activity_data_todo", user_id=steward.id,
                    summary=_("Review customer changes proposed by %s", proposal.target_id.name),
                    note=_("Integration > Customer Data Proposals: accept or reject the proposed "
                           "changes of this customer."))
            proposal.activity_id = activity

    def _close_steward_activity(self):
        """Decided proposals: their to-do is done once no open proposal shares it."""
        for activity in self.sudo().activity_id.exists().filtered("active"):
            if self.sudo().search_count([("activity_id", "=", activity.id),
                                         ("state", "=", "proposed")]):
                continue
            activity.action_feedback(feedback=_("Customer changes reviewed."))

    # ------------------------------------------------------------------
    # Steward actions
    # ------------------------------------------------------------------
    def action_accept(self):
        """Apply the proposed values in Odoo (they flow to the other targets as usual
        partner upserts) / create the link to the existing partner."""
        self.env["sync.event"]._check_manager()
        todo = self.sudo().filtered(lambda p: p.state == "proposed")
        fields_todo = todo.filtered(lambda p: p.proposal_type == "field").sorted(
            lambda p: (p.partner_id.id, APPLY_ORDER.get(p.field_name, 1), p.id))
        for partner, proposals in fields_todo.grouped("partner_id").items():
            vals = {}
            country = None
            for proposal in proposals:
                new = proposal._partner_vals(partner, proposal.field_name,
                                             proposal.new_value, country)
                if "country_id" in new:
                    country = self.env["res.country"].browse(new["country_id"])
                vals.update(new)
            partner.write(vals)
            for proposal in proposals:
                partner.message_post(body=_(
                    "%(field)s changed from %(old)s to %(new)s (proposed by %(target)s, "
                    "accepted by %(user)s).", field=proposal.field_label,
                    old=proposal.old_value or "-", new=proposal.new_value or "-",
                    target=proposal.target_id.name, user=self.env.user.name),
                    subtype_xmlid="mail.mt_note")
        for proposal in todo.filtered(lambda p: p.proposal_type == "link"):
            proposal._accept_link()
        todo._decide_as("accepted", self.env.user)
        return True

    def _decide_as(self, state, user):
        self.write({"state": state, "decided_by_id": user.id,
                    "decided_at": fields.Datetime.now()})
        self._close_steward_activity()

    def action_reject(self):
        """Keep Odoo's value: re-send the partner to the source CRM (upsert) so it
        overwrites the CRM-side change. Link proposal: create a new partner."""
        self.env["sync.event"]._check_manager()
        todo = self.sudo().filtered(lambda p: p.state == "proposed")
        Event = self.env["sync.event"].sudo()
        for proposal in todo:
            if proposal.proposal_type == "field":
                Event._enqueue(proposal.target_id, "upsert", proposal.partner_id)
            else:
                proposal._reject_link()
        todo._decide_as("rejected", self.env.user)
        return True

    def _accept_link(self):
        self.ensure_one()
        Link = self.env["sync.link"].sudo()
        other = Link.search([("target_id", "=", self.target_id.id), ("model", "=", "res.partner"),
                             ("external_id", "=", self.external_id)], limit=1)
        if other and other.res_id != self.partner_id.id:
            raise UserError(_("%(ext)s is already linked to another partner (#%(id)s).",
                              ext=self.external_id, id=other.res_id))
        mine = Link._get(self.target_id, "res.partner", self.partner_id.id)
        if mine and mine.external_id and mine.external_id != self.external_id:
            raise UserError(_("%(partner)s is already linked to %(ext)s in %(target)s.",
                              partner=self.partner_id.display_name, ext=mine.external_id,
                              target=self.target_id.name))
        if mine:
            mine.external_id = self.external_id
        elif not other:
            Link.create({"target_id": self.target_id.id, "model": "res.partner",
                         "res_id": self.partner_id.id, "external_id": self.external_id})
        self.partner_id.message_post(body=_(
            "Linked to %(ext)s in %(target)s (duplicate check: %(reason)s, accepted by "
            "%(user)s).", ext=self.external_id, target=self.target_id.name,
            reason=dict(self._fields["match_reason"].selection).get(self.match_reason, "-"),
            user=self.env.user.name), subtype_xmlid="mail.mt_note")

    def _reject_link(self):
        """Not the same company: create the partner from the CRM record and link it."""
        self.ensure_one()
        data = json.loads(self.payload or "{}")
        partner = self.env["sync.inbound.message"].sudo()._create_crm_partner(
            self.target_id, data)
        self.partner_id.message_post(body=_(
            "%(ext)s of %(target)s is not this partner (rejected by %(user)s): %(new)s "
            "created.", ext=self.external_id, target=self.target_id.name,
            user=self.env.user.name, new=partner.display_name), subtype_xmlid="mail.mt_note")
        return partner

    def action_open_partner(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "res.partner",
                "res_id": self.partner_id.id, "view_mode": "form", "target": "current"}
