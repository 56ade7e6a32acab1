# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models

# Minutes without a sidecar's poll after which a target is "late" (system parameter
# sync_bridge.contact_late_minutes); a sidecar polls every few seconds, even when idle.
CONTACT_LATE_MINUTES = 10
# A poll records the contact at most this often (a write per poll would contend on the row).
CONTACT_TOUCH_SECONDS = 60

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

    last_contact_at = fields.Datetime(
        "Last Sidecar Contact", readonly=True, copy=False,
        help="When a sidecar last asked Odoo for this target's work (it does so every few "
             "seconds while it runs; recorded at most once a minute).")
    contact_sidecar_state = fields.Selection(
        [("ok", "Reachable"), ("half_open", "Probing"), ("circuit_open", "Unreachable (circuit open)"),
         ("paused", "Paused (rate limit)")],
        string="Target as the Sidecar Sees It", readonly=True, copy=False,
        help="Reported by the sidecar about once a minute (sync_contact): whether it can reach "
             "this target. Unreachable: its calls failed and it stopped sending for a while.")
    contact_detail = fields.Char(
        "Sidecar Report", readonly=True, copy=False,
        help="The sidecar's last report on this target: worker, state, and what it saw.")
    contact_sidecar_version = fields.Char(
        "Sidecar Version", readonly=True, copy=False,
        help="The release of the sidecar that last reported on this target (sync_contact). "
             "Group the targets by it to follow a sidecar upgrade.")
    contact_state = fields.Selection(
        [("never", "Never"), ("ok", "In contact"), ("late", "Late")],
        compute="_compute_contact_state", string="Sidecar Contact",
        help="Late: no sidecar has polled this target for sync_bridge.contact_late_minutes "
             "(default 10): nothing is sent to it or received from it.")

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

    # -- sidecar contact ------------------------------------------------------------------------
    @api.model
    def _contact_late_minutes(self):
        raw = self.env["ir.config_parameter"].sudo().get_param(
            "sync_bridge.contact_late_minutes", CONTACT_LATE_MINUTES)
        try:
            minutes = int(raw)
        except (TypeError, ValueError):
            return CONTACT_LATE_MINUTES
        return minutes if minutes > 0 else CONTACT_LATE_MINUTES

    @api.depends("last_contact_at")
    def _compute_contact_state(self):
        limit = fields.Datetime.now() - timedelta(minutes=self._contact_late_minutes())
        for target in self:
            if not target.last_contact_at:
                target.contact_state = "never"
            else:
                target.contact_state = "ok" if target.last_contact_at >= limit else "late"

    def _sync_touch_contact(self):
        """A sidecar polled these targets (sync_claim): record the contact, at most once a
        minute per target; a row another poll is writing is skipped, never waited for.

        Nearly every poll comes within the minute: the contact read with the targets (the
        claim has them in the cache already) decides that without a query, and only a due
        target costs the savepoint and the UPDATE, which checks again in SQL."""
        due_before = fields.Datetime.now() - timedelta(seconds=CONTACT_TOUCH_SECONDS)
        due = self.filtered(lambda t: not t.last_contact_at or t.last_contact_at < due_before)
        if not due:
            return
        done = due._contact_write(
            """
            UPDATE sync_target SET last_contact_at = (now() AT TIME ZONE 'UTC')
             WHERE id IN (SELECT id FROM sync_target
                           WHERE id = ANY(%s)
                             AND (last_contact_at IS NULL
                                  OR last_contact_at < (now() AT TIME ZONE 'UTC') - %s * interval '1 second')
                             FOR UPDATE SKIP LOCKED)
            """,
            (due.ids, CONTACT_TOUCH_SECONDS),
        )
        if done:
            due.invalidate_recordset(["last_contact_at", "contact_state"])

    def _contact_write(self, query, params):
        """Runs a contact UPDATE in a savepoint. Another sidecar call (a claim, a report) that
        wrote the same row after this transaction began makes it a serialization failure: that
        call recorded the contact already, so the write is dropped, without an error in Odoo's
        log and without failing or retrying the caller. Returns the rows written."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, params, log_exceptions=False)
                return self.env.cr.rowcount
        except pg_errors.SerializationFailure:
            return 0

    def _sync_record_contact(self, worker_id, state, detail, sidecar_version=None):
        """sync_contact: the contact, and what the sidecar sees of the target (no wait on a
        row another poll is writing: that one records the contact too). A report without a
        version (an older sidecar) leaves the recorded one."""
        self.ensure_one()
        label = dict(self._fields["contact_sidecar_state"].selection)[state]
        text = f"{worker_id}: {label}" + (f" ({detail.strip()[:400]})" if detail and detail.strip() else "")
        self._contact_write(
            """
            UPDATE sync_target SET last_contact_at = (now() AT TIME ZONE 'UTC'),
                   contact_sidecar_state = %s, contact_detail = %s,
                   contact_sidecar_version = COALESCE(%s, contact_sidecar_version)
             WHERE id IN (SELECT id FROM sync_target WHERE id = %s FOR UPDATE SKIP LOCKED)
            """,
            (state, text, sidecar_version or None, self.id),
        )
        self.invalidate_recordset(["last_contact_at", "contact_state", "contact_sidecar_state",
                                   "contact_detail", "contact_sidecar_version"])

    def _contact_notice(self):
        """'<target>: no sidecar since <when>' for the late targets of self (never: 'never')."""
        parts = []
        for target in self.filtered(lambda t: t.contact_state in ("late", "never")):
            if target.last_contact_at:
                parts.append(_("%(target)s: no sidecar has contacted Odoo since %(when)s",
                               target=target.name,
                               when=fields.Datetime.to_string(target.last_contact_at)[:16]))
            else:
                parts.append(_("%(target)s: no sidecar has contacted Odoo yet", target=target.name))
        return parts

    @api.model
    def _cron_contact_watchdog(self):
        """An exception (category unavailable) on each active target whose sidecar is late
        while events wait for it, with its default responsible; resolved once a sidecar polls
        again. Idle targets (nothing waiting) raise nothing."""
        minutes = self._contact_late_minutes()
        since = fields.Datetime.now() - timedelta(minutes=minutes)
        Exception_ = self.env["sync.exception"].sudo()
        for target in self.sudo().search([]):
            open_exc = Exception_.search([
                ("state", "=", "open"), ("category", "=", "unavailable"),
                ("model", "=", "sync.target"), ("res_id", "=", target.id),
                ("target_id", "=", target.id),
            ])
            if target.contact_state == "ok":
                open_exc.write({"state": "resolved", "resolved_at": fields.Datetime.now(),
                                "resolved_by_id": self.env.uid})
                continue
            waiting = self.env["sync.event"].sudo().search_count([
                ("target_id", "=", target.id), ("state", "in", ("pending", "in_progress")),
                ("create_date", "<", since),
            ])
            if not waiting:
                continue
            message = _(
                "No sidecar has polled the queue of %(target)s for %(minutes)s minutes or more "
                "(last contact: %(when)s); %(count)s events wait. Check that the sync-bridge "
                "service runs and reaches Odoo (docs/runbooks.md, \"Odoo shows no sidecar contact\").",
                target=target.name, minutes=minutes, count=waiting,
                when=fields.Datetime.to_string(target.last_contact_at)[:16]
                if target.last_contact_at else _("never"),
            )
            exc = Exception_._raise_exception("unavailable", message, model="sync.target",
                                              res_id=target.id, target=target)
            if not exc.user_id:
                exc._assign_default()

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
