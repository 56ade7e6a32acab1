# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.safe_eval import safe_eval

# what -> (model, trigger field of sync.target, default domain)
LOADS = {
    "customers": ("res.partner", "trigger_partner_upsert", "[('customer_rank', '>', 0)]"),
    "products": ("product.product", "trigger_product_upsert", "[('sale_ok', '=', True)]"),
}
CHUNK = 1000


class SyncInitialLoadWizard(models.TransientModel):
    """Initial load (go-live): a Sync manager queues one master-data upsert per
    customer and/or product for ONE target, in the bulk lane, through the same
    enqueue path as the triggers (coalescing into pending events). Order flow
    keeps going first (priority lanes)."""

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
                                     and wizard._records("customers", count=True)) or 0
            wizard.product_count = (wizard.load_products and wizard.target_id
                                    and wizard._records("products", count=True)) or 0

    def _domain(self, what):
        """The records of `what` this target takes: the wizard's domain, the
        target's company (records without company go to every target)."""
        self.ensure_one()
        text = self.customer_domain if what == "customers" else self.product_domain
        try:
            domain = safe_eval(text or "[]")
        except Exception as e:
            raise UserError(_("The %(what)s domain is not valid: %(error)s", what=what,
                              error=e)) from e
        if not isinstance(domain, (list, tuple)):
            raise UserError(_("The %s domain must be a list.", what))
        domain = list(domain)
        if self.target_id.company_id:
            domain += [("company_id", "in", (False, self.target_id.company_id.id))]
        return domain

    def _records(self, what, count=False):
        model = self.env[LOADS[what][0]].sudo()
        domain = self._domain(what)
        try:
            return model.search_count(domain) if count else model.search(domain, order="id")
        except (ValueError, KeyError) as e:  # unknown field, bad operator
            raise UserError(_("The %(what)s domain is not valid: %(error)s", what=what,
                              error=e)) from e

    def _check_load(self):
        self.ensure_one()
        self.env["sync.event"]._check_manager()
        target = self.target_id
        if not target.active:
            raise UserError(_("Target %s is archived: nothing can be sent to it.", target.code))
        wanted = [w for w, on in (("customers", self.load_customers),
                                  ("products", self.load_products)) if on]
        if not wanted:
            raise UserError(_("Choose customers, products or both."))
        for what in wanted:
            trigger = LOADS[what][1]
            if not target[trigger]:
                raise UserError(_(
                    "Target %(target)s does not take %(what)s: tick '%(field)s' on the target "
                    "first, so that later changes are sent too.", target=target.code, what=what,
                    field=target._fields[trigger].string))
        return wanted

    def action_load(self):
        """Write (or coalesce into) one pending upsert per record, in chunks."""
        wanted = self._check_load()
        target = self.target_id
        Event = self.env["sync.event"].sudo().with_context(sync_bridge_skip=False)
        counts, event_ids = {}, set()
        for what in wanted:
            model = self.env[LOADS[what][0]].sudo()
            ids = self._records(what).ids
            counts[what] = len(ids)
            for start in range(0, len(ids), CHUNK):
                chunk = model.browse(ids[start:start + CHUNK])
                for record in chunk:
                    event_ids.add(Event._enqueue(target, "upsert", record).id)
                chunk.invalidate_recordset()
        target.message_post(
            body=_("Initial load by %(user)s: %(customers)s customer(s) and %(products)s "
                   "product(s) queued as %(events)s master-data event(s) in the bulk lane.",
                   user=self.env.user.name, customers=counts.get("customers", 0),
                   products=counts.get("products", 0), events=len(event_ids)),
            subtype_xmlid="mail.mt_note",
        )
        action = target.action_view_events()
        action["domain"] = [("target_id", "=", target.id), ("event_type", "=", "upsert"),
                            ("state", "=", "pending")]
        action["name"] = _("Initial Load")
        return action
