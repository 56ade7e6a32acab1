# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

PARTNER_SYNC_FIELDS = {
    "name", "street", "street2", "zip", "city", "state_id", "country_id",
    "email", "phone", "mobile", "vat", "ref", "is_company", "parent_id",
    "company_id", "lang", "active", "sync_credit_hold",
    # the account manager (salesperson): the CRM record's owner
    "user_id", "website",
}


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "sync.status.mixin"]

    sync_credit_hold = fields.Boolean(
        "Credit Hold (Sync)",
        tracking=True,
        help="Orders of this customer are not released to the warehouse until "
        "a Sync manager approves them.",
    )

    sync_account_manager_email = fields.Char(
        related="user_id.email",
        string="Account Manager Email (Sync)",
        help="Email of the salesperson: the CRM record's owner. Readable by the sync "
        "service user, which has no access to users.",
    )

    sync_proposal_ids = fields.One2many("sync.change.proposal", "partner_id")
    sync_proposal_count = fields.Integer(compute="_compute_sync_proposal_count",
                                         string="Change Proposals")

    def _compute_sync_proposal_count(self):
        groups = self.env["sync.change.proposal"].sudo()._read_group(
            [("partner_id", "in", self.ids), ("state", "=", "proposed")],
            ["partner_id"], ["__count"])
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.sync_proposal_count = counts.get(partner.id, 0)

    def action_view_sync_proposals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sync_bridge.sync_change_proposal_action")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"search_default_proposed": 1}
        return action

    def _sync_upsert(self):
        Event = self.env["sync.event"].sudo()
        for company, partners in self.grouped("company_id").items():
            targets = self.env["sync.target"]._get_for("partner", company)
            # changes coming from a target are not echoed back to it
            skip = self.env.context.get("sync_bridge_skip_target_ids") or []
            targets = targets.filtered(lambda t: t.id not in skip)
            for partner in partners:
                for target in targets:
                    Event._enqueue(target, "upsert", partner)

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners._sync_upsert()
        return partners

    def write(self, vals):
        res = super().write(vals)
        if PARTNER_SYNC_FIELDS.intersection(vals):
            self._sync_upsert()
        if ("sync_credit_hold" in vals and not vals["sync_credit_hold"]) or "credit_limit" in vals:
            self._sync_recheck_credit_orders()
        return res

    def _sync_recheck_credit_orders(self):
        """A customer's credit hold was lifted or its limit changed: release its
        orders on credit hold that are no longer blocked (sale.order._sync_recheck_credit)."""
        commercial = self.commercial_partner_id
        if not commercial:
            return
        orders = self.env["sale.order"].sudo().search([
            ("partner_id", "child_of", commercial.ids), ("state", "=", "sale"),
            ("sync_credit_state", "=", "hold")])
        orders._sync_recheck_credit()
