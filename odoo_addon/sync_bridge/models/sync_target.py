# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

# event type -> trigger field on sync.target, per kind
TRIGGER_FIELDS = {
    "release": "trigger_order_release",
    "amend": "trigger_order_amend",
    "cancel": "trigger_order_cancel",
    "status": "trigger_order_status",
    "partner": "trigger_partner_upsert",
    "product": "trigger_product_upsert",
    "asn": "trigger_receipt_asn",
    "atp": "trigger_atp",
}


class SyncTarget(models.Model):
    _name = "sync.target"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Sync Target (external system)"
    _order = "sequence, code"

    sequence = fields.Integer(default=10)
    code = fields.Char(
        required=True,
        help="Stable technical code used by the sidecar, e.g. wms_main or crm.",
    )
    name = fields.Char(required=True, translate=True)
    kind = fields.Selection(
        [("wms", "Warehouse management (WMS)"), ("crm", "CRM")],
        required=True,
        default="wms",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to sync records of every company.",
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Managed Warehouses",
        help="For a WMS: deliveries and orders of these warehouses are released "
        "to this target. Leave empty to manage every warehouse.",
    )
    trigger_order_release = fields.Boolean("Release orders", default=True)
    trigger_order_amend = fields.Boolean("Amend released orders", default=True)
    trigger_order_cancel = fields.Boolean("Cancel released orders", default=True)
    trigger_order_status = fields.Boolean(
        "Order status", help="Send an order status event on every state change."
    )
    trigger_partner_upsert = fields.Boolean("Customers (master data)")
    trigger_product_upsert = fields.Boolean("Products (master data)")
    release_on = fields.Selection(
        [
            ("order_confirm", "Order confirmation (event on the sale order)"),
            ("picking_ready", "Delivery ready (event on the delivery)"),
        ],
        default="picking_ready",
        required=True,
    )
    credit_gating = fields.Boolean(
        help="Do not release orders of customers on credit hold or over their "
        "credit limit until a Sync manager approves them.",
    )
    # -- inbound (sync_apply) ------------------------------------------------
    backorder_policy = fields.Selection(
        [("backorder", "Create a backorder"), ("cancel", "Cancel the rest")],
        default="backorder",
        required=True,
        help="Partial shipment from the WMS: keep the rest to ship in a backorder, "
        "or cancel it.",
    )
    allow_substitution = fields.Boolean(
        help="Accept shipped lines that substitute another SKU (else: exception)."
    )
    auto_invoice = fields.Boolean(
        help="Create the draft invoice when a shipment makes the order invoiceable."
    )
    auto_credit_note = fields.Boolean(
        help="Create a draft credit note for the returned quantities."
    )
    quarantine_location_id = fields.Many2one(
        "stock.location",
        domain="[('usage', '=', 'internal')]",
        help="Destination of returned goods with disposition 'quarantine'. Default: an "
        "internal 'Quarantine' location under the warehouse (created when needed).",
    )
    stock_location_id = fields.Many2one(
        "stock.location",
        string="Stock Count Location",
        domain="[('usage', '=', 'internal')]",
        help="Where stock snapshots and cycle counts of this WMS apply (unless the WMS "
        "location is linked to another location). Default: the stock location of the "
        "first managed warehouse.",
    )
    stock_tolerance_qty = fields.Float(
        string="Stock Tolerance (units)",
        digits="Product Unit of Measure",
        help="A counted difference above this many units raises a stock discrepancy "
        "instead of being applied. 0: not checked.",
    )
    stock_tolerance_percent = fields.Float(
        string="Stock Tolerance (%)",
        help="A counted difference above this percentage of the Odoo quantity raises "
        "a stock discrepancy instead of being applied. 0: not checked.",
    )
    customer_policy = fields.Selection(
        [("create", "Create the customer"), ("exception", "Raise an exception")],
        default="create",
        required=True,
        help="CRM order whose customer is not found by external id, email or VAT.",
    )
    confirm_crm_orders = fields.Boolean(
        string="Confirm CRM Orders",
        help="Confirm the sale orders created from approved CRM quotes.",
    )
    crm_price_policy = fields.Selection(
        [
            ("crm", "CRM price"),
            ("check", "CRM price, checked against the pricelist"),
            ("pricelist", "Odoo pricelist price"),
        ],
        string="CRM Order Prices",
        default="crm",
        required=True,
        help="Prices of the sale orders created from CRM quotes. CRM price: each line's unit "
        "price and discount as sent by the CRM. Checked: the CRM's price is used, but each "
        "line's net unit price (after discount, in the order's currency and unit) is compared "
        "with the price the customer's pricelist gives for that product and quantity; a "
        "difference above the tolerance opens a 'Pricing' exception on the order, which is "
        "then not confirmed automatically. Pricelist: the CRM's price and discount are ignored, "
        "Odoo's pricelist applies; differences are noted in the order's chatter.",
    )
    crm_price_tolerance = fields.Float(
        string="Price Tolerance (%)",
        default=0.5,
        help="Checked prices: a line whose net unit price differs from the pricelist price "
        "by more than this percentage of the pricelist price raises a pricing exception. "
        "0: any difference (beyond the currency's rounding).",
    )
    # -- order-to-cash completion (18.0.1.3.0) -------------------------------
    trigger_receipt_asn = fields.Boolean(
        "Receipts (ASN)",
        help="Announce incoming receipts of confirmed purchase orders in the managed "
        "warehouses when they are ready (event 'asn' on the receipt).",
    )
    receipt_backorder_policy = fields.Selection(
        [("backorder", "Keep a backorder"), ("cancel", "Close the receipt")],
        default="backorder",
        required=True,
        help="Short receipt reported by the WMS: keep the rest to receive in a backorder, "
        "or cancel it.",
    )
    trigger_atp = fields.Boolean(
        "Available to promise",
        help="Write one pending 'atp' event per product when its stock changes; the "
        "sidecar reads the figures with sync_atp.",
    )
    atp_scope = fields.Selection(
        [("wms", "WMS-managed warehouses"), ("all", "All warehouses")],
        string="ATP Warehouses",
        default="wms",
        required=True,
        help="WMS-managed: the warehouses of the active WMS targets (this target's own "
        "warehouses for a WMS).",
    )
    atp_horizon_days = fields.Integer(
        "ATP Incoming Horizon (days)",
        help="Add the quantities expected to arrive within this many days. 0: on hand "
        "minus reserved only.",
    )
    crm_owned_fields = fields.Char(
        "CRM-owned Fields",
        help="Comma-separated partner fields the CRM owns (e.g. user_id,phone): changes "
        "of these fields from the CRM are applied directly; other fields become "
        "change proposals for a data steward.",
    )
    # -- who follows up reconciliation and SLA exceptions -----------------
    responsible_user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        domain="[('share', '=', False)]",
        help="Gets an activity for reconciliation and SLA exceptions of this target that no "
        "routing rule assigns and that concern no sale order with a salesperson.",
    )
    responsible_group_id = fields.Many2one(
        "res.groups",
        string="Responsible Team",
        help="Without a responsible user: the member of this group with the fewest open "
        "exceptions gets the activity. Default: the Sync managers.",
    )
    inbound_message_ids = fields.One2many("sync.inbound.message", "target_id")
    mapping_version = fields.Char(
        help="Informative: mapping version last reported by the sidecar."
    )
    event_ids = fields.One2many("sync.event", "target_id")
    pending_count = fields.Integer(compute="_compute_counts")
    failed_count = fields.Integer(compute="_compute_counts")
    initial_load_ids = fields.One2many("sync.initial.load", "target_id", string="Initial Loads")
    initial_load_open_count = fields.Integer(
        compute="_compute_initial_load_open_count", string="Initial Loads Running")

    if hasattr(models, "Constraint"):  # Odoo 19+: _sql_constraints is ignored
        _code_uniq = models.Constraint("unique(code)", "The target code must be unique.")
    else:  # Odoo 18
        _sql_constraints = [
            ("code_uniq", "unique(code)", "The target code must be unique."),
        ]

    def _compute_counts(self):
        groups = self.env["sync.event"]._read_group(
            [("target_id", "in", self.ids), ("state", "in", ("pending", "failed", "dead"))],
            ["target_id", "state"],
            ["__count"],
        )
        counts = {(target.id, state): count for target, state, count in groups}
        for target in self:
            target.pending_count = counts.get((target.id, "pending"), 0)
            target.failed_count = counts.get((target.id, "failed"), 0) + counts.get(
                (target.id, "dead"), 0
            )

    @api.depends("initial_load_ids.state")
    def _compute_initial_load_open_count(self):
        for target in self:
            target.initial_load_open_count = len(target.initial_load_ids.filtered(
                lambda load: load.state in ("draft", "running")))

    def action_view_initial_loads(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sync_bridge.sync_initial_load_action")
        action["domain"] = [("target_id", "=", self.id)]
        action["context"] = {}
        return action

    @api.model
    def _get_for(self, trigger, company=None, kinds=None, release_on=None, warehouse=None):
        """Active targets with `trigger` on (key of TRIGGER_FIELDS) for a company."""
        domain = [(TRIGGER_FIELDS[trigger], "=", True)]
        if kinds:
            domain.append(("kind", "in", kinds))
        if release_on:
            domain.append(("release_on", "=", release_on))
        targets = self.sudo().search(domain)
        if company:
            targets = targets.filtered(
                lambda t: not t.company_id or t.company_id == company
            )
        if warehouse is not None:
            targets = targets.filtered(
                lambda t: not t.warehouse_ids or warehouse in t.warehouse_ids
            )
        return targets

    def _crm_owned_fields(self):
        self.ensure_one()
        return {f.strip() for f in (self.crm_owned_fields or "").split(",") if f.strip()}

    def _atp_warehouses(self):
        """Warehouses whose stock makes this target's ATP figures."""
        self.ensure_one()
        Warehouse = self.env["stock.warehouse"].sudo()
        domain = [("company_id", "=", self.company_id.id)] if self.company_id else []
        every = Warehouse.search(domain)
        if self.atp_scope == "all":
            return every
        if self.kind == "wms":
            return self.warehouse_ids or every
        wms = self.sudo().search([("kind", "=", "wms")])
        if self.company_id:
            wms = wms.filtered(lambda t: not t.company_id or t.company_id == self.company_id)
        if not wms or any(not t.warehouse_ids for t in wms):
            return every
        return wms.warehouse_ids & every

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sync_bridge.sync_event_action"
        )
        action["domain"] = [("target_id", "=", self.id)]
        action["context"] = {}
        return action
