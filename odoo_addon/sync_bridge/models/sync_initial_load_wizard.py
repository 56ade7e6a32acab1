# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .sync_initial_load import LOADS


class SyncInitialLoadWizard(models.TransientModel):
    """Initial load (go-live): a Sync manager asks for one master-data upsert
    per customer and/or product for ONE target. Each choice becomes a
    `sync.initial.load`, run in the background by a cron in chunks (a load
    that fits in one chunk runs at once), through the same enqueue path as
    the triggers, in the bulk lane. Order flow keeps going first."""

    _name = "sync.initial.load.wizard"
    _description = "Initial Load of Master Data to a Sync Target"

    target_id = fields.Many2one("sync.target", required=True, readonly=True,
                                ondelete="cascade")
    load_customers = fields.Boolean("Customers", default=True)
    load_products = fields.Boolean("Products", default=True)
    customer_domain = fields.Char(
        default=LOADS["customers"][2],
        help="Which contacts to send (default: customers). Archived contacts are not sent.")
    product_domain = fields.Char(
        default=LOADS["products"][2],
        help="Which product variants to send (default: can be sold). Archived products are "
        "not sent.")
    customer_count = fields.Integer(compute="_compute_counts", string="Customers to Send")
    product_count = fields.Integer(compute="_compute_counts", string="Products to Send")

    @api.depends("target_id", "load_customers", "load_products", "customer_domain",
                 "product_domain")
    def _compute_counts(self):
        for wizard in self:
            wizard.customer_count = (wizard.load_customers and wizard.target_id
                                     and wizard._count("customers")) or 0
            wizard.product_count = (wizard.load_products and wizard.target_id
                                    and wizard._count("products")) or 0

    def _domain_text(self, what):
        return self.customer_domain if what == "customers" else self.product_domain

    def _count(self, what):
        self.ensure_one()
        return self.env["sync.initial.load"]._search_records(
            self.target_id, what, self._domain_text(what), count=True)

    def _check_load(self):
        self.ensure_one()
        self.env["sync.event"]._check_manager()
        wanted = [w for w, on in (("customers", self.load_customers),
                                  ("products", self.load_products)) if on]
        if not self.target_id.active:
            raise UserError(_("Target %s is archived: nothing can be sent to it.",
                              self.target_id.code))
        if not wanted:
            raise UserError(_("Choose customers, products or both."))
        for what in wanted:
            self.env["sync.initial.load"]._check_target(self.target_id, what)
        return wanted

    def action_load(self):
        """Create one load per choice: those that fit in one chunk run now,
        the others in the background (cron triggered)."""
        wanted = self._check_load()
        Load = self.env["sync.initial.load"]
        loads = Load
        for what in wanted:
            total = self._count(what)  # also validates the domain
            loads |= Load.create({
                "target_id": self.target_id.id,
                "what": what,
                "domain": self._domain_text(what) or "[]",
                "total_count": total,
            })
        background = loads.filtered(lambda ld: ld.total_count > ld.chunk_size)
        if background:
            self.target_id.message_post(
                body=_("Initial load requested by %(user)s: %(records)s, running in the "
                       "background.", user=self.env.user.name,
                       records=", ".join(ld._records_label(ld.total_count)
                                         for ld in background)),
                subtype_xmlid="mail.mt_note",
            )
        loads._start()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sync_bridge.sync_initial_load_action")
        action["domain"] = [("id", "in", loads.ids)]
        action["context"] = {}
        return action
