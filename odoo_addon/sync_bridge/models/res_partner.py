# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

PARTNER_SYNC_FIELDS = {
    "name", "street", "street2", "zip", "city", "state_id", "country_id",
    "email", "phone", "mobile", "vat", "ref", "is_company", "parent_id",
    "company_id", "lang", "active", "sync_credit_hold",
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

    def _sync_upsert(self):
        Event = self.env["sync.event"].sudo()
        for company, partners in self.grouped("company_id").items():
            targets = self.env["sync.target"]._get_for("partner", company)
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
        return res
